/**
 * The sync's inventory source (InventorySource, lib/app/sync/ports.ts) over Exchange
 * Online: the listing, statistics per mailbox, and the scope (scope.ts). A source lives for
 * one run and calls Exchange through a view of the shared client, so the run record counts
 * the run's calls only, not those made meanwhile on the client (a health probe, another run).
 */
import type { ScopeConfig } from '../../config';
import type { StatisticsFacts } from '../../domain/inventory';
import type { ExoClient, ExoPage } from '../client';
import { getMobileDeviceStatisticsByMailbox, listMobileDevices, type MobileDevice, type MobileDeviceStatistics } from '../cmdlets';
import type { Logger } from '../../log';
import type { DevicePage, InventorySource } from '../../app/sync/ports';
import { listingFactsOf, statisticsFactsOf, statisticsUnavailableReason } from './facts';
import { createScope } from './scope';

type SourceOptions = { pageSize?: number; log?: Logger };

/** A source for one run: its calls are counted on a view of `client` of their own. */
export function createExchangeInventorySource(client: ExoClient, scopeConfig: ScopeConfig, o: SourceOptions = {}): InventorySource {
  return sourceOn(client.view(), scopeConfig, o);
}

/** `run`: the run's view; bound() derives from it, so the lease keeper's calls count into the same run. */
function sourceOn(run: ExoClient, scopeConfig: ScopeConfig, o: SourceOptions): InventorySource {
  const scope = createScope(run, scopeConfig, o);
  return {
    scoped: scope.scoped,

    async *listDevices(): AsyncIterable<DevicePage> {
      const pages: AsyncIterator<ExoPage<MobileDevice>> = listMobileDevices(run, { pageSize: o.pageSize })[Symbol.asyncIterator]();
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

    bound: (b) => sourceOn(run.withDefaults(b), scopeConfig, o),

    listMailboxesInScope: () => scope.directory(),

    getMailbox: (name) => (name ? scope.lookup(name) : Promise.resolve(null)),

    async statisticsOfMailbox(mailbox) {
      const devices = new Map<string, StatisticsFacts>();
      let items: MobileDeviceStatistics[];
      try {
        items = await getMobileDeviceStatisticsByMailbox(run, mailbox.identity);
      } catch (e) {
        const reason = statisticsUnavailableReason(e);
        if (reason === null) throw e;
        return { devices, unavailable: reason };
      }
      for (const s of items) if (typeof s.Guid === 'string' && s.Guid) devices.set(s.Guid.toLowerCase(), statisticsFactsOf(s));
      return { devices, unavailable: null };
    },

    stats() {
      const { callsByCmdlet, retries, throttled, pages } = run.stats();
      return { callsByCmdlet, retries, throttled, pages };
    },
  };
}
