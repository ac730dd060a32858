/**
 * The sync's view of Exchange Online: typed cmdlet results turned into the domain's
 * normalised facts. Mailboxes are matched to partnerships by the mailbox Name that
 * starts a partnership's Identity, and users carry both UPN and primary SMTP address
 * (they differ for some users; matching by one alone misses devices). Scope and the
 * directory read are in scope.ts.
 */
import type { ScopeConfig } from '../../config';
import type { ListingFacts, StatisticsFacts } from '../../domain/inventory';
import { ExoAuthError, ExoCancelledError, ExoError, ExoResponseError, ExoThrottledError, ExoTimeoutError, ExoTransientError } from '../../exo/errors';
import type { ExoClient, ExoPage } from '../../exo/client';
import { getMobileDeviceStatisticsByMailbox, listMobileDevices, type MobileDevice, type MobileDeviceStatistics } from '../../exo/cmdlets';
import { parseExoDate } from '../../exo/values';
import type { Logger } from '../../log';
import type { DevicePage, InventorySource } from './ports';
import { createScope } from './scope';

export { mailboxInfoOf } from './scope';

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

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : v === 'True' ? true : v === 'False' ? false : null);

export function listingFactsOf(d: MobileDevice): ListingFacts {
  const mailbox = typeof d.Identity === 'string' ? mailboxOfIdentity(d.Identity) : null;
  if (typeof d.Guid !== 'string' || !d.Guid || !mailbox) {
    throw new ExoResponseError({ cmdlet: 'Get-MobileDevice', what: `a partnership without a usable Guid or Identity (Identity "${String(d.Identity)}", Guid "${String(d.Guid)}")` });
  }
  return {
    deviceGuid: d.Guid.toLowerCase(),
    identity: d.Identity,
    mailbox,
    deviceId: str(d.DeviceId) ?? '',
    deviceType: str(d.DeviceType),
    deviceModel: str(d.DeviceModel),
    deviceOs: str(d.DeviceOS),
    deviceUserAgent: str(d.DeviceUserAgent),
    friendlyName: str(d.FriendlyName),
    clientType: str(d.ClientType),
    deviceImei: str(d.DeviceImei),
    deviceMobileOperator: str(d.DeviceMobileOperator),
    accessState: str(d.DeviceAccessState),
    accessStateReason: str(d.DeviceAccessStateReason),
    accessControlRule: str(d.DeviceAccessControlRule),
    firstSyncTime: parseExoDate(d.FirstSyncTime),
    whenChanged: parseExoDate(d.WhenChangedUTC ?? d.WhenChanged),
    whenCreated: parseExoDate(d.WhenCreatedUTC ?? d.WhenCreated),
    isManaged: bool(d.IsManaged),
    isCompliant: bool(d.IsCompliant),
    isDisabled: bool(d.IsDisabled),
  };
}

export function statisticsFactsOf(s: MobileDeviceStatistics): StatisticsFacts {
  return {
    lastSuccessSync: parseExoDate(s.LastSuccessSync),
    lastSyncAttemptTime: parseExoDate(s.LastSyncAttemptTime),
    lastPolicyUpdateTime: parseExoDate(s.LastPolicyUpdateTime),
    devicePolicyApplied: str(s.DevicePolicyApplied),
    devicePolicyApplicationStatus: str(s.DevicePolicyApplicationStatus),
    status: str(s.Status),
    wipeRequestTime: parseExoDate(s.DeviceWipeRequestTime),
    wipeSentTime: parseExoDate(s.DeviceWipeSentTime),
    wipeAckTime: parseExoDate(s.DeviceWipeAckTime),
    accountOnlyWipeRequestTime: parseExoDate(s.AccountOnlyDeviceWipeRequestTime),
    accountOnlyWipeSentTime: parseExoDate(s.AccountOnlyDeviceWipeSentTime),
    accountOnlyWipeAckTime: parseExoDate(s.AccountOnlyDeviceWipeAckTime),
    lastWipeRequestor: str(s.LastDeviceWipeRequestor) ?? str(s.LastAccountOnlyDeviceWipeRequestor),
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

export function createExchangeInventorySource(client: ExoClient, scopeConfig: ScopeConfig, o: { pageSize?: number; log?: Logger } = {}): InventorySource {
  const base = client.stats();
  const baseCalls = { ...base.callsByCmdlet };
  const scope = createScope(client, scopeConfig, o);

  return {
    scoped: scope.scoped,

    async *listDevices(): AsyncIterable<DevicePage> {
      const pages: AsyncIterator<ExoPage<MobileDevice>> = listMobileDevices(client, { pageSize: o.pageSize })[Symbol.asyncIterator]();
      // One page ahead: the next page is fetched while the sync works on this one (the
      // link stays fresh, and a listing is still read strictly in order).
      let next = pages.next();
      try {
        for (;;) {
          const r = await next;
          if (r.done) return;
          next = pages.next();
          next.catch(() => undefined); // observed when awaited above; never an unhandled rejection
          yield { pageNumber: r.value.pageNumber, devices: r.value.items.map(listingFactsOf) };
        }
      } finally {
        await pages.return?.(undefined).catch(() => undefined);
      }
    },

    bound: (b) => createExchangeInventorySource(client.withDefaults(b), scopeConfig, o),

    listMailboxesInScope: () => scope.directory(),

    getMailbox: (name) => (name ? scope.lookup(name) : Promise.resolve(null)),

    async statisticsOfMailbox(mailbox) {
      const devices = new Map<string, StatisticsFacts>();
      let items: MobileDeviceStatistics[];
      try {
        items = await getMobileDeviceStatisticsByMailbox(client, mailbox.identity);
      } catch (e) {
        const reason = statisticsUnavailableReason(e);
        if (reason === null) throw e;
        return { devices, unavailable: reason };
      }
      for (const s of items) if (typeof s.Guid === 'string' && s.Guid) devices.set(s.Guid.toLowerCase(), statisticsFactsOf(s));
      return { devices, unavailable: null };
    },

    stats() {
      const now = client.stats();
      const callsByCmdlet: Record<string, number> = {};
      for (const [k, v] of Object.entries(now.callsByCmdlet)) {
        const d = v - (baseCalls[k] ?? 0);
        if (d > 0) callsByCmdlet[k] = d;
      }
      return { callsByCmdlet, retries: now.retries - base.retries, throttled: now.throttled - base.throttled, pages: now.pages - base.pages };
    },
  };
}
