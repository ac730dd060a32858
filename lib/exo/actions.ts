/**
 * The device actions' view of Exchange (the DeviceExchange port): the cmdlets of
 * cmdlets/device-actions.ts with Exchange's errors turned into the two outcomes the use
 * cases tell apart. ExoOutcomeUnknownError (sent, no answer: the client never resends a
 * state-changing call) stays unknown; any other Exchange error means Exchange did not
 * act (it refused, throttled before running it, or the app lacks the role) and is a
 * refusal naming the cmdlet and Exchange's words.
 */
import type { CallReceipt, DeviceExchange } from '../app/actions/ports';
import type { StatisticsFacts } from '../domain/device';
import { ExchangeOutcomeUnknownError, ExchangeRefusedError } from '../app/actions/ports';
import type { ExoClient } from './client';
import { getCasMailbox, type MobileDeviceStatistics } from './cmdlets';
import { mailboxAnchor } from './cmdlets/common';
import { genericHashTable } from './values';
import { ExoError, ExoOutcomeUnknownError } from './errors';
import { statisticsFactsOf } from './inventory/facts';


function translate(e: unknown, cmdlet: string): unknown {
  if (e instanceof ExoOutcomeUnknownError) return new ExchangeOutcomeUnknownError(cmdlet, e.exchangeMessage ?? e.message);
  if (e instanceof ExoError) return new ExchangeRefusedError(cmdlet, e.exchangeMessage ?? e.message, e.requestId, e.code);
  return e;
}


export function createDeviceExchange(client: ExoClient): DeviceExchange {
  /** One state-changing call; its receipt carries Exchange's request id. */
  async function change(cmdlet: string, parameters: Record<string, unknown>, anchor?: string): Promise<CallReceipt> {
    let requestId: string | null = null;
    try {
      for await (const page of client.pages(cmdlet, parameters, anchor ? mailboxAnchor(anchor, {}) : {})) requestId = page.requestId ?? requestId;
    } catch (e) {
      throw translate(e, cmdlet);
    }
    return { requestId };
  }
  async function read<T>(cmdlet: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw translate(e, cmdlet);
    }
  }
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
