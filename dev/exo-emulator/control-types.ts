/** The emulator's control interface (in process; the same operations over HTTP under /_emulator/...), its faults and counters. */
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
  /** Runs a cmdlet as an administrator would by hand (no auth, faults or paging); throws EmulatedCmdletError. */
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
  /** Clock for data times and nextLink expiry (tokens are checked against real time). */
  setClock(now: () => Date): void;
  resetClock(): void;
}
