/**
 * Public shapes of the Exchange Online admin API emulator: start options, the running
 * emulator and its control interface (in process, and the same operations over HTTP
 * under /_emulator/...).
 */
import type { Logger } from '../../lib/log';

export interface EmulatorOptions {
  /** Default 0 (a free port). The emulator binds 127.0.0.1 only, plain http. */
  port?: number;
  /** The tenant GUID it serves. */
  tenantId: string;
  /** Verified domains; the URL's tenant segment may be one of these instead of the GUID. */
  tenantDomains?: string[];
  /** Where token signing keys are (https or http). */
  jwksUri: string;
  /** Accepted `iss` values, e.g. https://sts.windows.net/<tenant>/. */
  issuers: string[];
  /** Default https://outlook.office365.com (its trailing-slash form and the Exchange app id are accepted too). */
  audience?: string;
  /** Default Exchange.ManageAsApp. */
  requiredRole?: string;
  /** Lifetime of an @odata.nextLink; default 30 minutes, as Exchange. */
  nextLinkTtlMs?: number;
  log?: Logger;
}

export interface ExchangeEmulator {
  /** http://127.0.0.1:<port>, the "Exchange endpoint": clients call `${url}/adminapi/beta/${tenant}/InvokeCommand`. */
  url: string;
  control: EmulatorControl;
  stop(): Promise<void>;
}

export interface SeedOptions {
  devices: number;
  mailboxes: number;
  /** PRNG seed; default 1. The same seed (and the same startDate/asOf) gives the same organisation. */
  seed?: number;
  /** Share of devices that are Outlook for iOS/Android (ClientType Outlook or REST); default 0.3. */
  outlookShare?: number;
  /** Earliest FirstSyncTime (ISO); default three years before asOf. */
  startDate?: string;
  /** The "present" of the seeded data (ISO): sync times are spread up to it. Default: the emulator clock. */
  asOf?: string;
}

/** Well-known seeded objects (present when the org is big enough for them). */
export interface SeedFixtures {
  /** A mailbox with two EAS iPhones (same DeviceType, same readable name) and one Outlook mobile device. */
  twoSameTypeDevices?: { upn: string; mailboxName: string; deviceType: string; deviceGuids: string[] };
  /** A mailbox whose PrimarySmtpAddress is not its UPN. */
  smtpDiffersFromUpn?: { upn: string; primarySmtpAddress: string; deviceGuids: string[] };
  /** A mailbox whose Name (the first segment of its devices' Identity) is a GUID, not the alias. */
  guidNamedMailbox?: { upn: string; mailboxName: string; deviceGuids: string[] };
  /** An Outlook for iOS/Android device (null sync times in statistics). */
  outlookDeviceGuid?: string;
  /** Blocked through the mailbox's ActiveSyncBlockedDeviceIDs (reason Individual). */
  blockedDeviceGuid?: string;
  /** Quarantined by the seeded device access rule (reason DeviceRule). */
  quarantinedDeviceGuid?: string;
}

export interface SeedSummary {
  devices: number;
  mailboxes: number;
  mailboxesWithDevices: number;
  groups: { name: string; distinguishedName: string; members: number }[];
  policies: string[];
  accessRules: string[];
  fixtures: SeedFixtures;
  asOf: string;
}

export type ClientType = 'EAS' | 'Outlook' | 'REST';
export type AccessState = 'Allowed' | 'Blocked' | 'Quarantined' | 'DeviceDiscovery' | 'Unknown';

/** A device partnership as the control interface shows it (camelCase, ISO times or null). */
export interface DeviceView {
  guid: string;
  identity: string;
  deviceId: string;
  deviceType: string;
  deviceModel: string | null;
  deviceOs: string | null;
  deviceOsLanguage: string | null;
  deviceUserAgent: string | null;
  deviceTelephoneNumber: string | null;
  deviceImei: string | null;
  deviceMobileOperator: string | null;
  friendlyName: string | null;
  clientType: ClientType;
  accessState: AccessState;
  accessStateReason: string;
  accessControlRule: string | null;
  isManaged: boolean;
  isCompliant: boolean;
  isDisabled: boolean;
  mailbox: { guid: string; name: string; alias: string; upn: string; primarySmtpAddress: string; displayName: string };
  firstSyncTime: string | null;
  whenCreated: string;
  whenChanged: string;
  lastSuccessSync: string | null;
  lastSyncAttemptTime: string | null;
  lastPolicyUpdateTime: string | null;
  status: string;
  deviceWipeRequestTime: string | null;
  deviceWipeSentTime: string | null;
  deviceWipeAckTime: string | null;
  accountOnlyDeviceWipeRequestTime: string | null;
  accountOnlyDeviceWipeSentTime: string | null;
  accountOnlyDeviceWipeAckTime: string | null;
  lastDeviceWipeRequestor: string | null;
}

export interface NewDeviceInput {
  /** Any mailbox identity: UPN, SMTP address, alias, Name, GUID or ExternalDirectoryObjectId. */
  mailbox: string;
  deviceType: string;
  deviceId?: string;
  /** Default: Outlook when deviceType is 'Outlook', else EAS. */
  clientType?: ClientType;
  deviceModel?: string | null;
  deviceOs?: string | null;
  deviceOsLanguage?: string | null;
  deviceUserAgent?: string | null;
  deviceTelephoneNumber?: string | null;
  deviceImei?: string | null;
  deviceMobileOperator?: string | null;
  friendlyName?: string | null;
  isManaged?: boolean;
  isCompliant?: boolean;
  /** Default: evaluated like Exchange (individual lists, access rules, default access level). */
  accessState?: AccessState;
  accessStateReason?: string;
  /** ISO; default now. */
  firstSyncTime?: string;
  /** ISO; default now for EAS, null for Outlook mobile. */
  lastSuccessSync?: string | null;
}

export type DevicePatch = Partial<
  Pick<
    DeviceView,
    | 'deviceModel'
    | 'deviceOs'
    | 'deviceOsLanguage'
    | 'deviceUserAgent'
    | 'deviceTelephoneNumber'
    | 'deviceImei'
    | 'deviceMobileOperator'
    | 'friendlyName'
    | 'accessState'
    | 'accessStateReason'
    | 'accessControlRule'
    | 'isManaged'
    | 'isCompliant'
    | 'isDisabled'
    | 'lastSuccessSync'
    | 'lastSyncAttemptTime'
  >
>;

export interface MailboxView {
  guid: string;
  externalDirectoryObjectId: string;
  name: string;
  alias: string;
  displayName: string;
  upn: string;
  primarySmtpAddress: string;
  distinguishedName: string;
  activeSyncEnabled: boolean;
  mailboxPolicy: string | null;
  allowedDeviceIds: string[];
  blockedDeviceIds: string[];
  groups: string[];
  devices: number;
}

export interface NewMailboxInput {
  alias: string;
  displayName?: string;
  /** Default `<alias>@<first tenant domain>`. */
  upn?: string;
  /** Default the UPN. */
  primarySmtpAddress?: string;
  /** Default the alias. */
  name?: string;
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
  /** Default 503. */
  failStatus?: 400 | 500 | 503 | 504;
  /** A .NET exception type for the failure's Exchange envelope, e.g. Microsoft.Exchange.Data.Directory.DCOverloadedException. */
  failExceptionType?: string;
  /** Every k-th matching call has its socket destroyed without an answer. */
  dropEveryK?: number;
  /** Added before every matching call is answered. */
  latencyMs?: number;
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
}

/** How a Set-/New-/Remove-/Clear- cmdlet answers: 200 with empty value (default), 204, or 200 with an empty body. */
export type EmptyAnswerStyle = 'value' | 'noContent' | 'emptyBody';

export interface EmulatorControl {
  /** Replaces the organisation with a deterministic one. */
  seed(o: SeedOptions): SeedSummary;
  addDevice(d: NewDeviceInput): DeviceView;
  /** By Guid, Identity or (unique) DeviceId; throws when unknown. */
  removeDevice(id: string): void;
  /** Bumps WhenChanged. */
  updateDevice(id: string, patch: DevicePatch): DeviceView;
  /**
   * The device(s) connect: sync times move (EAS only; Outlook mobile keeps null), the
   * access state is re-evaluated, a pending wipe is sent, a sent wipe is acknowledged.
   * Returns how many devices checked in.
   */
  checkIn(target: string | { all: true }): number;
  listDevices(): DeviceView[];
  getDevice(id: string): DeviceView | undefined;
  addMailbox(m: NewMailboxInput): MailboxView;
  listMailboxes(): MailboxView[];
  getMailbox(id: string): MailboxView | undefined;
  /** Runs a cmdlet as an administrator would by hand (no auth, faults or paging); throws EmulatedCmdletError. */
  invoke(cmdletName: string, parameters?: Record<string, unknown>): Record<string, unknown>[];
  setFaults(f: FaultSettings): void;
  clearFaults(): void;
  /** The app lacks the Exchange role for these cmdlets: 403, and no role entries for them. */
  denyCmdlets(names: string[]): void;
  allowAll(): void;
  deniedCmdlets(): string[];
  /** Every cmdlet the emulator implements. */
  cmdlets(): string[];
  setEmptyAnswer(cmdletName: string, style: EmptyAnswerStyle): void;
  calls(): CallCounters;
  resetCounters(): void;
  /** The last 1000 calls, oldest first. */
  callLog(): CallLogEntry[];
  /** Clock for data times and nextLink expiry (tokens are checked against real time). */
  setClock(now: () => Date): void;
  resetClock(): void;
}
