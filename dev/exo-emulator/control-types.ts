/** The emulator's control interface (in process; the same operations over HTTP under /_emulator/...), its faults and counters. */
import type { Variants } from './cmdlets/types';
import type {
  DevicePatch,
  DeviceView,
  GroupView,
  MailboxView,
  NewDeviceInput,
  NewGroupInput,
  NewMailboxInput,
  SeedOptions,
  SeedSummary,
} from './types';

export type { Variants };

/** A partnership Remove-MobileDevice deleted; its phone re-creates one at its next check-in while stillConfigured. */
export interface RemovedDeviceView {
  guid: string;
  identity: string;
  deviceId: string;
  deviceType: string;
  mailbox: string;
  removedAt: string;
  /** False when the phone will not come back: it acknowledged a wipe, control.removeDevice forgot it, or its mailbox is gone. */
  stillConfigured: boolean;
  /** The Guid of the partnership its next check-in created, once it did. */
  recreatedAsGuid: string | null;
  /** The wipe status the partnership had when it was removed (a pending wipe is thrown away with it). */
  statusAtRemoval: string;
}

/** A wipe confirmation mail (NotificationEmailAddresses), sent when the device acknowledges the wipe. */
export interface WipeNotificationView {
  at: string;
  to: string[];
  deviceGuid: string;
  identity: string;
  kind: 'full' | 'accountOnly';
}

export interface CheckInOptions {
  /** The device answers a wipe in the same check-in that delivers it (default: at its next check-in). */
  sameCheckIn?: boolean;
}

export interface FaultSettings {
  /** Every k-th matching call is throttled. */
  throttleEveryK?: number;
  /** Retry-After on throttled answers, seconds (fractional allowed); null sends no header. Default 1 (throttleForMs: the rest of the window). */
  retryAfterSeconds?: number | null;
  /** Every matching call is throttled for this long from now. */
  throttleForMs?: number;
  /** 'concurrency': throttled answers carry Exchange's per-tenant concurrency text (status 500 unless throttleStatus says otherwise). */
  throttleStatusText?: 'concurrency';
  /** Status of throttled answers; default 429 (500 with throttleStatusText 'concurrency'). */
  throttleStatus?: number;
  /** Every k-th matching call fails. */
  failEveryK?: number;
  /** Default 503 (failAfterExecuteEveryK: 504). */
  failStatus?: 400 | 500 | 503 | 504;
  /** A .NET exception type for the failure's Exchange envelope, e.g. Microsoft.Exchange.Data.Directory.DCOverloadedException. */
  failExceptionType?: string;
  /** Every k-th matching call has its socket destroyed without an answer, before the cmdlet runs (nothing changes). */
  dropEveryK?: number;
  /**
   * Every k-th matching call runs (its change is applied), then its socket is destroyed
   * without an answer: "connection dropped after the call was executed", for the
   * client's outcome-unknown path. Counted in `dropped` and `afterExecute`.
   */
  dropAfterExecuteEveryK?: number;
  /** Every k-th matching call runs (its change is applied), then answers failStatus (default 504) / failExceptionType instead of its result. */
  failAfterExecuteEveryK?: number;
  /** Added before every matching call is answered. */
  latencyMs?: number;
  /** Sets the tenant concurrency limit too (see setTenantConcurrencyLimit); clearFaults restores the start option. */
  tenantConcurrencyLimit?: number | null;
  /** Faults apply only to these cmdlets (case-insensitive); default all. */
  onlyCmdlets?: string[];
  /** Every matching call after the n-th fails (failStatus / failExceptionType). */
  failAfterCalls?: number;
  /**
   * The budget behind Rate-Limit-* headers. Reported always (default 30000 per hour);
   * enforced (429 + Retry-After until the window resets) only when enforce is true.
   */
  budget?: { limit?: number; windowMs?: number; enforce?: boolean };
}

export interface CallCounters {
  /** Cmdlet invocations answered or dropped (InvokeCommand, $batch parts, statistics GETs). */
  total: number;
  byCmdlet: Record<string, number>;
  throttled: number;
  failed: number;
  dropped: number;
  /** Calls that ran but whose answer an after-execute fault replaced (dropped or failed). */
  afterExecute: number;
  /** 200 answers of listing cmdlets (first pages and continuation pages). */
  pages: number;
  /** Of those, the pages fetched through a nextLink. */
  continuationPages: number;
  unauthorized: number;
  forbidden: number;
  /** 400 Exchange error envelopes (not found, bad parameter, expired nextLink...). */
  errors: number;
  /** Continuation pages whose X-AnchorMailbox differed from the listing's first page. */
  anchorMismatches: number;
}

export interface CallLogEntry {
  at: string;
  requestId: string;
  clientRequestId: string | null;
  cmdlet: string | null;
  anchorMailbox: string | null;
  status: number;
  outcome: 'ok' | 'unauthorized' | 'forbidden' | 'throttled' | 'failed' | 'dropped' | 'error';
  /** The Prefer: odata.maxpagesize the caller sent (null when absent). */
  maxPageSize: number | null;
  /** Shared by all pages of one listing. */
  listingId: string | null;
  /** 1 for the first page, 2.. for pages fetched through nextLinks. */
  page: number | null;
  exceptionType: string | null;
  durationMs: number;
  /** True when the cmdlet ran (its change applied) and an after-execute fault replaced its answer. */
  afterExecute?: boolean;
}

/** What decided a partnership's access now (control: accessStates), highest precedence first. */
export type AccessDecidedBy =
  /** An ActiveSync client of a mailbox with ActiveSyncEnabled false: refused before anything; its stored state stays. */
  | 'activeSyncDisabled'
  /** It acknowledged a wipe and no longer syncs; its stored state stays. */
  | 'wiped'
  /** A state the device's own behaviour set (DeviceDiscovery, auto-block, Upgrade, External*, Unknown); kept until it connects. */
  | 'deviceBehaviour'
  | 'policy'
  | 'blockedList'
  | 'allowedList'
  | 'rule'
  | 'default';

export interface AccessStateView {
  guid: string;
  identity: string;
  deviceId: string;
  deviceType: string;
  clientType: string;
  mailbox: string;
  accessState: string;
  accessStateReason: string;
  accessControlRule: string | null;
  decidedBy: AccessDecidedBy;
}

/** A mobile device mailbox policy: its settings as Get-MobileDeviceMailboxPolicy shows them. */
export interface PolicyView {
  name: string;
  guid: string;
  isDefault: boolean;
  settings: Record<string, unknown>;
  /** UPNs of the mailboxes explicitly assigned it (Set-CASMailbox -ActiveSyncMailboxPolicy). */
  assignedMailboxes: string[];
  whenCreated: string;
  whenChanged: string;
}

export interface RuleView {
  name: string;
  guid: string;
  queryString: string;
  characteristic: string;
  accessLevel: string;
  whenCreated: string;
  whenChanged: string;
}

export interface OrganizationSettingsView {
  identity: string;
  defaultAccessLevel: string;
  adminMailRecipients: string[];
  userMailInsert: string;
  otaNotificationMailInsert: string;
  allowAccessForUnSupportedPlatform: boolean;
  allowRMSSupportForUnenlightenedApps: boolean;
  enableMobileMailboxPolicyWhenCAInplace: boolean;
  tenantAdminPreference: string | null;
  isIntuneManaged: boolean;
  hasAzurePremiumSubscription: boolean;
  whenChanged: string;
}

/** control.failNext: how the next calls of one cmdlet fail. */
export type { FailNextOptions } from './faults';

/** How a Set-/New-/Remove-/Clear- cmdlet answers: 200 with empty value (default), 204, or 200 with an empty body. */
export type EmptyAnswerStyle = 'value' | 'noContent' | 'emptyBody';

export interface EmulatorControl {
  /** Replaces the organisation with a deterministic one. */
  seed(o: SeedOptions): SeedSummary;
  addDevice(d: NewDeviceInput): DeviceView;
  /**
   * The device is gone for good (by Guid, Identity or unique DeviceId; throws when unknown).
   * Given a partnership Remove-MobileDevice deleted (old Guid or DeviceId), its phone stops
   * being configured: it will not re-create the partnership.
   */
  removeDevice(id: string): void;
  /** Bumps WhenChanged. */
  updateDevice(id: string, patch: DevicePatch): DeviceView;
  /**
   * The device(s) connect: sync times move (EAS only; Outlook mobile keeps null), the
   * access state is re-evaluated, a pending wipe is sent, a sent wipe is answered as the
   * device's wipeResponse says (at the next check-in, or this one with sameCheckIn).
   * Offline devices do not connect. A partnership Remove-MobileDevice deleted (named by
   * its old Guid or DeviceId, or with all) is re-created with a new Guid. Returns how
   * many devices connected.
   */
  checkIn(target: string | { all: true }, o?: CheckInOptions): number;
  /** Partnerships Remove-MobileDevice deleted, oldest first, and what became of their phones. */
  removedDevices(): RemovedDeviceView[];
  /** The wipe confirmation mails sent (last 1000), oldest first. */
  wipeNotifications(): WipeNotificationView[];
  /** Sets the variants (every one not given goes back to its default); returns them. */
  setVariants(v: Partial<Variants>): Variants;
  variants(): Variants;
  listDevices(): DeviceView[];
  getDevice(id: string): DeviceView | undefined;
  addMailbox(m: NewMailboxInput): MailboxView;
  /** Deletes a mailbox and its partnerships (any mailbox identity); later statistics calls for it answer RecipientNotFoundException. */
  removeMailbox(id: string): void;
  /** A distribution, mail-enabled security or Microsoft 365 group with direct members (mailboxes or groups). */
  addGroup(g: NewGroupInput): GroupView;
  /** Adds a direct member (mailbox or group) to a group; loops through nesting are allowed. */
  addGroupMember(group: string, member: string): GroupView;
  listGroups(): GroupView[];
  /**
   * Makes a mailbox's HasActiveSyncDevicePartnership stale: it reads `value` whatever its
   * partnerships (null: follows them again, as after Set-CASMailbox -RecalculateHasActiveSyncDevicePartnership).
   */
  setPartnershipFlag(mailbox: string, value: boolean | null): MailboxView;
  /** In process only: runs fn once, just before the next call of that cmdlet is executed (awaited when it returns a promise). */
  onNextCall(cmdletName: string, fn: () => void | Promise<void>): void;
  /**
   * More than `limit` cmdlet calls in flight answer 429 with the per-tenant concurrency
   * text and Retry-After (default 1 second); null turns the limit off.
   */
  setTenantConcurrencyLimit(limit: number | null, o?: { retryAfterSeconds?: number | null }): void;
  listMailboxes(): MailboxView[];
  getMailbox(id: string): MailboxView | undefined;
  /** Runs a cmdlet as an administrator would by hand (no auth, faults or paging; confirmation prompts are answered, so no Confirm is needed); throws EmulatedCmdletError. */
  invoke(cmdletName: string, parameters?: Record<string, unknown>): Record<string, unknown>[];
  setFaults(f: FaultSettings): void;
  clearFaults(): void;
  /**
   * The app lacks the Exchange role for these cmdlets: no role entries for them, and a
   * call answers 403 with NUL bytes (style '403', default) or 401
   * `{"error":{"code":"Unauthorized","message":"User is not allowed to call <cmdlet>"}}` (style '401').
   */
  denyCmdlets(o: string[] | { names: string[]; style?: '403' | '401' }): void;
  allowAll(): void;
  deniedCmdlets(): string[];
  /** Every cmdlet the emulator implements. */
  cmdlets(): string[];
  setEmptyAnswer(cmdletName: string, style: EmptyAnswerStyle): void;
  calls(): CallCounters;
  resetCounters(): void;
  /** The last 1000 calls, oldest first. */
  callLog(): CallLogEntry[];
  /** Every partnership's access as Get-MobileDevice shows it, and what decided it (store/device-rules.ts). */
  accessStates(): AccessStateView[];
  listPolicies(): PolicyView[];
  /** By name, Guid or DN; undefined when none. */
  getPolicy(identity: string): PolicyView | undefined;
  listRules(): RuleView[];
  getOrganizationSettings(): OrganizationSettingsView;
  /**
   * An administrator changes policy settings by hand (the admin center, bypassing the
   * connector): Set-MobileDeviceMailboxPolicy with these parameters, with Exchange's
   * validation (throws EmulatedCmdletError). Returns the policy after the change.
   */
  setPolicySettingsByHand(policy: string, settings: Record<string, unknown>): PolicyView;
  /** One setting: `setPolicySettingsByHand(policy, { [parameter]: value })`. */
  setPolicySettingByHand(policy: string, parameter: string, value: unknown): PolicyView;
  /**
   * An administrator sets a device access rule by hand: creates it, or changes its access
   * level when the rule `<queryString> (<characteristic>)` exists. Returns it.
   */
  setRuleByHand(rule: { queryString: string; characteristic: string; accessLevel: string }): RuleView;
  /** An administrator removes a rule by hand (name, Guid or DN). */
  removeRuleByHand(identity: string): void;
  /** An administrator changes organisation settings by hand: Set-ActiveSyncOrganizationSettings with these parameters. */
  setOrganizationSettingsByHand(settings: Record<string, unknown>): OrganizationSettingsView;
  /** What no cmdlet sets (Intune management, an Entra premium licence), for fixtures. */
  setOrganizationFlags(flags: { isIntuneManaged?: boolean; hasAzurePremiumSubscription?: boolean }): OrganizationSettingsView;
  /**
   * The next `count` calls of this cmdlet fail (default 503; or the given status and Exchange
   * exception type, e.g. a StorageTransientException), whatever setFaults says; later calls
   * run normally. With afterExecute the cmdlet runs (its change applied) before failing.
   * clearFaults forgets them.
   */
  failNext(cmdletName: string, count: number, o?: import('./faults').FailNextOptions): void;
  /** The roles assigned to the app's role group (Get-ManagementRoleAssignment); a cmdlet none of whose roles is assigned answers 403. */
  setAssignedRoles(roles: string[]): void;
  assignedRoles(): string[];
  /** Clock for data times and nextLink expiry (tokens are checked against real time). */
  setClock(now: () => Date): void;
  resetClock(): void;
}
