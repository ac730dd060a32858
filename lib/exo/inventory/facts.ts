/**
 * Exchange's objects as the sync's normalised facts: partnerships (Get-MobileDevice),
 * their statistics, and the mailboxes and recipients behind them. Mailboxes are matched to
 * partnerships by the mailbox Name that starts a partnership's Identity, and users carry
 * both UPN and primary SMTP address (they differ for some users; matching by one alone
 * misses devices).
 */
import type { ListingFacts, StatisticsFacts } from '../../domain/inventory';
import type { MailboxInfo } from '../../app/sync/ports';
import { ExoAuthError, ExoCancelledError, ExoError, ExoResponseError, ExoThrottledError, ExoTimeoutError, ExoTransientError } from '../errors';
import type { Mailbox, MobileDevice, MobileDeviceStatistics, Recipient } from '../cmdlets';
import { parseExoDate } from '../values';

/** A text property, or null when Exchange left it out or empty. */
export const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : v === 'True' ? true : v === 'False' ? false : null);

const OWNER_SEPARATOR = /\\ExchangeActiveSyncDevices\\/gi;

/**
 * The owner of `<mailbox Name>\ExchangeActiveSyncDevices\<object name>`: everything before
 * the literal `\ExchangeActiveSyncDevices\` (any case). The Name is not escaped and may
 * hold spaces and `/` (splitting on `/` dropped about 2% of a real tenant's devices);
 * on modern tenants it is usually a GUID. The last occurrence wins, so a Name that itself
 * holds the separator still yields the whole Name.
 */
export function mailboxOfIdentity(identity: string): string | null {
  // A regular expression, not toLowerCase + indexOf: lower-casing can change a string's length.
  let i = -1;
  for (const m of identity.matchAll(OWNER_SEPARATOR)) i = m.index ?? -1;
  return i > 0 ? identity.slice(0, i) : null;
}

export function listingFactsOf(d: MobileDevice): ListingFacts {
  const mailbox = typeof d.Identity === 'string' ? mailboxOfIdentity(d.Identity) : null;
  if (typeof d.Guid !== 'string' || !d.Guid || !mailbox) {
    throw new ExoResponseError({ cmdlet: 'Get-MobileDevice', what: `a partnership without a usable Guid or Identity (Identity "${String(d.Identity)}", Guid "${String(d.Guid)}")` });
  }
  return {
    deviceGuid: d.Guid.toLowerCase(),
    identity: d.Identity,
    mailbox,
    deviceId: text(d.DeviceId) ?? '',
    deviceType: text(d.DeviceType),
    deviceModel: text(d.DeviceModel),
    deviceOs: text(d.DeviceOS),
    deviceUserAgent: text(d.DeviceUserAgent),
    friendlyName: text(d.FriendlyName),
    clientType: text(d.ClientType),
    deviceImei: text(d.DeviceImei),
    deviceMobileOperator: text(d.DeviceMobileOperator),
    accessState: text(d.DeviceAccessState),
    accessStateReason: text(d.DeviceAccessStateReason),
    accessControlRule: text(d.DeviceAccessControlRule),
    firstSyncTime: parseExoDate(d.FirstSyncTime),
    whenChanged: parseExoDate(d.WhenChangedUTC ?? d.WhenChanged),
    whenCreated: parseExoDate(d.WhenCreatedUTC ?? d.WhenCreated),
    isManaged: bool(d.IsManaged),
    isCompliant: bool(d.IsCompliant),
    isDisabled: bool(d.IsDisabled),
    activeSyncVersion: text(d.DeviceActiveSyncVersion),
  };
}

export function statisticsFactsOf(s: MobileDeviceStatistics): StatisticsFacts {
  return {
    lastSuccessSync: parseExoDate(s.LastSuccessSync),
    lastSyncAttemptTime: parseExoDate(s.LastSyncAttemptTime),
    lastPolicyUpdateTime: parseExoDate(s.LastPolicyUpdateTime),
    devicePolicyApplied: text(s.DevicePolicyApplied),
    devicePolicyApplicationStatus: text(s.DevicePolicyApplicationStatus),
    status: text(s.Status),
    wipeRequestTime: parseExoDate(s.DeviceWipeRequestTime),
    wipeSentTime: parseExoDate(s.DeviceWipeSentTime),
    wipeAckTime: parseExoDate(s.DeviceWipeAckTime),
    accountOnlyWipeRequestTime: parseExoDate(s.AccountOnlyDeviceWipeRequestTime),
    accountOnlyWipeSentTime: parseExoDate(s.AccountOnlyDeviceWipeSentTime),
    accountOnlyWipeAckTime: parseExoDate(s.AccountOnlyDeviceWipeAckTime),
    lastWipeRequestor: text(s.LastDeviceWipeRequestor) ?? text(s.LastAccountOnlyDeviceWipeRequestor),
    isRemoteWipeSupported: bool(s.IsRemoteWipeSupported),
  };
}

/**
 * Errors after which a sync cannot go on: Exchange is throttling or down (retries
 * exhausted), the token is gone, or the caller cancelled. The run stops with its
 * checkpoint, and the next invocation continues it.
 */
const STOPS_A_RUN = [ExoThrottledError, ExoTransientError, ExoTimeoutError, ExoAuthError, ExoCancelledError];

/**
 * Why one mailbox's statistics are unavailable, or null when the error must stop the run.
 * Anything else Exchange answers about one mailbox (gone since the listing, wrong recipient
 * type, a parameter it refuses, a permission, an answer the client cannot read) concerns
 * that mailbox only: its partnerships are stored from the listing, and the next run asks
 * again. A permission is per mailbox too: an RBAC management scope can keep the app from
 * some mailboxes only. (Were the role missing for every mailbox, the run record says so:
 * every mailbox is in mailboxesWithoutStatistics, and the install check names the cmdlet.)
 */
export function statisticsUnavailableReason(e: unknown): string | null {
  if (!(e instanceof ExoError) || STOPS_A_RUN.some((c) => e instanceof c)) return null;
  const said = e.exchangeMessage ?? e.message;
  return `${e.code}${e.exceptionType ? ` (${e.exceptionType})` : ''}: ${said}`.slice(0, 300);
}

/** The user behind a mailbox or member, keyed by Name; `identity` is what -Mailbox is given (UPN, else object id, else Name). */
function userOf(name: string, upn: string | null, o: { ExternalDirectoryObjectId?: unknown; DisplayName?: unknown; PrimarySmtpAddress?: unknown }): MailboxInfo {
  return { name, identity: upn ?? text(o.ExternalDirectoryObjectId) ?? name, upn, displayName: text(o.DisplayName), primarySmtp: text(o.PrimarySmtpAddress) };
}

export function mailboxInfoOf(m: Mailbox): MailboxInfo | null {
  const name = text(m.Name) ?? text(m.Alias);
  return name ? userOf(name, text(m.UserPrincipalName), m) : null;
}

/** A recipient or group member as a mailbox the sync can match: keyed by Name, the prefix of its partnerships' Identity. */
export function memberInfo(m: Recipient): MailboxInfo | null {
  const name = text(m.Name);
  // Recipient and member objects carry WindowsLiveID, not UserPrincipalName.
  return name ? userOf(name, text(m.WindowsLiveID) ?? text((m as { UserPrincipalName?: unknown }).UserPrincipalName), m) : null;
}
