/**
 * Full and delta inventory syncs.
 *
 * Full sync (full-sync.ts): reads the whole listing, then fetches statistics once per
 * mailbox (never once per device) in a stable order, writes only records whose content
 * changed, checkpoints its position, and, after a complete run only, marks the
 * partnerships it did not see as removed. An invocation cut short (time budget, crash,
 * throttling lockout) is continued by the next one without losing or duplicating a record.
 *
 * Delta sync: the same listing, but statistics only for mailboxes with a new or changed
 * partnership (listing hash differs), and never any removal.
 *
 * Both take the tenant lease first: one connector syncs an organization at a time.
 */
import { describeError } from '../../errors';
import { listingHashOf, type ListingFacts } from '../../domain/inventory';
import type { DeviceRecord } from '../../domain/device';
import type { MailboxInfo, SyncDeps, SyncRun } from './ports';
import { StoredIndex } from './stored-index';
import { newRunId, SyncSession } from './session';
import { withLease } from './lease';
import { saveDeviceCounts } from './counts-report';
import { systemClock } from '../../clock';
import { runFullSync } from './full-sync';

export { CHECKPOINT_MAX_AGE_MS, runFullSync } from './full-sync';

export { DoneMailboxes } from './done-mailboxes';
export { StoredIndex } from './stored-index';

export interface SyncOptions {
  /** Stop cleanly (checkpoint, outcome partial) after this long; a Functions timeout minus a margin. */
  maxDurationMs?: number;
  leaseTtlMs?: number;
  /** Save the checkpoint at most this often (it is also saved on every stop). */
  checkpointEveryMs?: number;
  signal?: AbortSignal;
}

export interface SyncResult {
  run: SyncRun;
  /** Set when another instance holds the tenant lease and this sync did not run. */
  heldBy?: { holder: string; expiresAt: string; renewedAt?: string };
}

/** Continues an unfinished full sync, if there is one (the continuation timer); null when none. */
export async function continueFullSync(deps: SyncDeps, o: SyncOptions = {}): Promise<SyncResult | null> {
  const checkpoint = await deps.state.getCheckpoint(deps.tenantId, 'full');
  if (!checkpoint) return null;
  return runFullSync(deps, o);
}

export async function runDeltaSync(outerDeps: SyncDeps, o: SyncOptions = {}): Promise<SyncResult> {
  return withLease(outerDeps, 'delta', o, async (keeper, deps) => {
    const now = new Date((deps.clock ?? systemClock).now());
    const runId = newRunId('delta', now);
    const index = await StoredIndex.load(deps);
    const session = new SyncSession(deps, index, 'delta', runId, now.toISOString());
    await session.saveRun('running');
    try {
      const directory = deps.source.scoped ? await deps.source.listMailboxesInScope() : null;
      const resolved = new Map<string, MailboxInfo | null>();
      const mailboxOf = async (name: string): Promise<MailboxInfo | null> => {
        const key = name.toLowerCase();
        if (directory) return directory.get(key) ?? null;
        if (!resolved.has(key)) resolved.set(key, await deps.source.getMailbox(name));
        return resolved.get(key) ?? null;
      };

      for await (const page of deps.source.listDevices()) {
        if (keeper.signal.aborted) throw keeper.signal.reason ?? new Error('sync aborted');
        const changed = new Map<string, ListingFacts[]>();
        for (const d of page.devices) {
          session.counts.seen++;
          const stored = index.byGuid.get(d.deviceGuid.toLowerCase());
          // Stored without statistics: asked again, so a recovered mailbox is rewritten.
          if (stored && !stored.removed && !stored.statisticsUnavailable && stored.listingHash === listingHashOf(d)) {
            if (directory && !directory.has(d.mailbox.toLowerCase())) session.counts.outOfScope++;
            else {
              session.counts.unchanged++;
              if (stored.stale) session.counts.stale++;
            }
            continue;
          }
          const key = d.mailbox.toLowerCase();
          let list = changed.get(key);
          if (!list) changed.set(key, (list = []));
          list.push(d);
        }
        const groups: { mailbox: MailboxInfo; devices: ListingFacts[] }[] = [];
        for (const [, devices] of changed) {
          const mailbox = await mailboxOf(devices[0].mailbox);
          if (!mailbox) session.counts.outOfScope += devices.length;
          else groups.push({ mailbox, devices });
        }
        // All at once: the Exchange client queues them within its (adaptive) concurrency.
        const statistics = await Promise.all(groups.map((g) => session.statisticsOf(g.mailbox)));
        const records: DeviceRecord[] = [];
        groups.forEach((g, i) => records.push(...session.build(g.mailbox, g.devices, statistics[i])));
        await session.writeBehind(records);
        session.pageDone(page.devices.length);
      }
      await session.flush();
      await index.saveSnapshot(deps, runId);
      await saveDeviceCounts(deps, index, runId, session.now());
      const run = await session.saveRun('succeeded');
      deps.log.info(`Delta sync ${runId} succeeded`, { runId, ...run.counts, transactions: run.transactions, calls: run.callsByCmdlet });
      return { run };
    } catch (e) {
      await session.flush().catch(() => undefined);
      await session.saveRun('failed', keeper.lossError ?? e).catch(() => undefined);
      deps.log.error(`Delta sync ${runId} failed: ${describeError(keeper.lossError ?? e)}`, { runId });
      throw keeper.lossError ?? e;
    }
  });
}
