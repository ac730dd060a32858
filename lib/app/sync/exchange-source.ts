/**
 * The sync's view of Exchange Online: typed cmdlet results turned into the domain's
 * normalised facts. Mailboxes are matched to partnerships by the mailbox Name that
 * starts a partnership's Identity, and users carry both UPN and primary SMTP address
 * (they differ for some users; matching by one alone misses devices).
 */
import type { ScopeConfig } from '../../config';
import type { ListingFacts, StatisticsFacts } from '../../domain/inventory';
import { ExoResponseError } from '../../exo/errors';
import { ExoNotFoundError } from '../../exo/errors';
import type { ExoClient, ExoPage } from '../../exo/client';
import { getMobileDeviceStatisticsByMailbox, listMobileDevices, type Mailbox, type MobileDevice, type MobileDeviceStatistics } from '../../exo/cmdlets';
import { parseExoDate } from '../../exo/values';
import type { DevicePage, InventorySource, MailboxInfo } from './ports';

/** `<mailbox>\ExchangeActiveSyncDevices\<type>§<id>` (older tenants: a path with `/`). */
export function mailboxOfIdentity(identity: string): string | null {
  const parts = identity.split(/[\\/]/);
  const i = parts.findIndex((p) => p.toLowerCase() === 'exchangeactivesyncdevices');
  return i > 0 ? parts[i - 1] : null;
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

export function mailboxInfoOf(m: Mailbox): MailboxInfo | null {
  const name = str(m.Name) ?? str(m.Alias);
  if (!name) return null;
  const upn = str(m.UserPrincipalName);
  return { name, identity: upn ?? str(m.ExternalDirectoryObjectId) ?? name, upn, displayName: str(m.DisplayName), primarySmtp: str(m.PrimarySmtpAddress) };
}

const WITH_PARTNERSHIP = 'HasActiveSyncDevicePartnership -eq $true';

export function createExchangeInventorySource(client: ExoClient, scope: ScopeConfig, o: { pageSize?: number } = {}): InventorySource {
  const base = client.stats();
  const baseCalls = { ...base.callsByCmdlet };

  async function* mailboxes(filter: string): AsyncIterable<Mailbox> {
    for await (const page of client.pages<Mailbox>('Get-Mailbox', { ResultSize: 'Unlimited', Filter: filter }, { pageSize: o.pageSize })) yield* page.items;
  }

  async function groupMembers(group: string): Promise<Set<string>> {
    const members = new Set<string>();
    for await (const page of client.pages<Record<string, unknown>>('Get-DistributionGroupMember', { Identity: group, ResultSize: 'Unlimited' }, { pageSize: o.pageSize })) {
      for (const m of page.items) {
        for (const k of ['Name', 'PrimarySmtpAddress', 'ExternalDirectoryObjectId', 'Guid']) {
          const v = str(m[k]);
          if (v) members.add(v.toLowerCase());
        }
      }
    }
    return members;
  }

  return {
    scoped: scope.mode !== 'organization',

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

    async listMailboxesInScope() {
      const filter = scope.mode === 'filter' ? `(${WITH_PARTNERSHIP}) -and (${scope.recipientFilter})` : WITH_PARTNERSHIP;
      const members = scope.mode === 'groups' ? await Promise.all(scope.groups.map(groupMembers)).then((sets) => new Set(sets.flatMap((s) => [...s]))) : null;
      const out = new Map<string, MailboxInfo>();
      for await (const m of mailboxes(filter)) {
        const info = mailboxInfoOf(m);
        if (!info) continue;
        if (members) {
          const keys = [m.Name, m.PrimarySmtpAddress, m.ExternalDirectoryObjectId, m.Guid].map(str).filter((v): v is string => v !== null);
          if (!keys.some((k) => members.has(k.toLowerCase()))) continue;
        }
        out.set(info.name.toLowerCase(), info);
      }
      return out;
    },

    async getMailbox(name) {
      try {
        const items = await client.invoke<Mailbox>('Get-Mailbox', { Identity: name });
        return items.length ? mailboxInfoOf(items[0]) : null;
      } catch (e) {
        if (e instanceof ExoNotFoundError) return null;
        throw e;
      }
    },

    async statisticsOfMailbox(mailbox) {
      const out = new Map<string, StatisticsFacts>();
      let items: MobileDeviceStatistics[];
      try {
        items = await getMobileDeviceStatisticsByMailbox(client, mailbox.identity);
      } catch (e) {
        // The mailbox went away between listing and statistics: its partnerships carry no statistics.
        if (e instanceof ExoNotFoundError) return out;
        throw e;
      }
      for (const s of items) if (typeof s.Guid === 'string' && s.Guid) out.set(s.Guid.toLowerCase(), statisticsFactsOf(s));
      return out;
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
