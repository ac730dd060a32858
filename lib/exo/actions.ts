/**
 * The device actions' view of Exchange (the DeviceExchange port), through
 * state-change.ts: a refusal or an unknown outcome, never a raw Exchange error.
 */
import type { DeviceExchange } from '../app/actions/ports';
import type { StatisticsFacts } from '../domain/device';
import type { ExoClient } from './client';
import { getCasMailbox, type MobileDeviceStatistics } from './cmdlets';
import { mailboxAnchor } from './cmdlets/common';
import { genericHashTable } from './values';
import { statisticsFactsOf } from './inventory/facts';
import { changeCall, readCall as read } from './state-change';

export function createDeviceExchange(client: ExoClient): DeviceExchange {
  const change = (cmdlet: string, parameters: Record<string, unknown>, anchor?: string) => changeCall(client, cmdlet, parameters, anchor);
  return {
    // Confirm false: the cmdlet would otherwise wait for a confirmation nobody can give.
    wipe: (d, o) => change('Clear-MobileDevice', { Identity: d.guid, Confirm: false, ...(o.accountOnly ? { AccountOnly: true } : {}), ...(o.notify.length ? { NotificationEmailAddresses: o.notify } : {}) }),
    cancelWipe: (d) => change('Clear-MobileDevice', { Identity: d.guid, Cancel: true, Confirm: false }),
    remove: (d) => change('Remove-MobileDevice', { Identity: d.guid, Confirm: false }),
    async setDeviceLists(mailbox, c) {
      const allowed = genericHashTable(c.allowed);
      const blocked = genericHashTable(c.blocked);
      if (!allowed && !blocked) return { requestId: null };
      return change('Set-CASMailbox', { Identity: mailbox, ...(allowed ? { ActiveSyncAllowedDeviceIDs: allowed } : {}), ...(blocked ? { ActiveSyncBlockedDeviceIDs: blocked } : {}) }, mailbox);
    },
    async deviceLists(mailbox) {
      const m = await read('Get-CASMailbox', () => getCasMailbox(client, mailbox));
      return { allowed: m.ActiveSyncAllowedDeviceIDs ?? [], blocked: m.ActiveSyncBlockedDeviceIDs ?? [] };
    },
    async mailboxNow(mailbox) {
      const items = await read('Get-MobileDeviceStatistics', () => client.invoke<MobileDeviceStatistics>('Get-MobileDeviceStatistics', { Mailbox: mailbox }, mailboxAnchor(mailbox, {})));
      const out = new Map<string, StatisticsFacts>();
      for (const s of items) if (typeof s.Guid === 'string' && s.Guid) out.set(s.Guid.toLowerCase(), statisticsFactsOf(s));
      return out;
    },
  };
}
