/**
 * What a sync tells the device actions: the records it wrote that carry a wipe. After the
 * run, an open wipe of the connector's moves on from the statistics the sync just read
 * (no Exchange call of its own), and a wipe the connector did not send (Outlook on the
 * web, the admin center, another tool) is recognised from the statistics' request time
 * and requestor and audited as seen, each time its state changes.
 */
import { REQUEST_SKEW_MS, settleWipe, wipeFactsOf, wipeOnDevice } from '../../domain/device-action';
import type { Logger } from '../../log';
import { removeIfAsked } from './follow-up';
import { audit, CONNECTOR, moved } from './record';
import type { ActionDeps, InventoryDevice } from './ports';

export interface SyncWatcher {
  written(records: readonly InventoryDevice[]): void;
  runEnded(log: Logger): Promise<void>;
}

export function createSyncWatcher(depsFor: (log: Logger) => ActionDeps): SyncWatcher {
  let seen = new Map<string, InventoryDevice>();
  return {
    written(records) {
      for (const r of records) if (wipeOnDevice(r)) seen.set(r.deviceGuid, r);
    },
    async runEnded(log) {
      const batch = seen;
      seen = new Map();
      if (batch.size === 0) return;
      const deps = depsFor(log);
      const now = new Date(deps.clock.now());
      for (const [guid, record] of batch) {
        const open = await deps.actions.openWipe(deps.tenantId, guid);
        if (open && open.state !== 'awaitingApproval') {
          const settled = settleWipe({ state: open.state, submittedAt: open.submittedAt ?? open.requestedAt, facts: wipeFactsOf(record, open.mode ?? 'accountOnly'), now, noContactAfterDays: deps.settings.noContactAfterDays });
          if (!settled) continue;
          const saved = await deps.actions.update(moved(deps, open, settled.state, CONNECTOR, `${settled.note} (seen by a sync)`));
          await audit(deps, CONNECTOR, 'wipe.state', guid, saved.state, { actionId: saved.actionId, from: open.state, by: 'sync' });
          await removeIfAsked(deps, saved);
          continue;
        }
        const w = wipeOnDevice(record)!;
        const mine = (await deps.actions.forDevice(deps.tenantId, guid, { limit: 20 })).some((a) => a.kind === 'wipe' && a.submittedAt !== null && Date.parse(w.requestTime) >= Date.parse(a.submittedAt) - REQUEST_SKEW_MS);
        if (!mine) {
          await audit(deps, CONNECTOR, 'wipe.seen', guid, w.state, { mode: w.mode, requestTime: w.requestTime, requestor: w.requestor, note: 'A wipe the connector did not send (Outlook on the web, the admin center or another tool)' });
        }
      }
    },
  };
}
