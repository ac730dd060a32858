/**
 * The sync feature, composed from the runtime's adapters: the ports of one run (a fresh
 * Exchange view each, so a run counts its own calls), the runs themselves with a time
 * budget, and breaking the lease of a silent holder. Triggers, the CLI and the local
 * stack call these, never storage or Exchange.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import { describeError } from '../../errors';
import type { DeviceRecord } from '../../domain/device';
import type { Storage, BreakLeaseResult } from '../../storage';
import { breakSyncLease } from './break-lease';
import { SUMMARY_FIELDS, summariesFromTable } from './counts-report';
import type { FullSyncCheckpoint, InventorySource, SyncDeps, SyncProgress } from './ports';
import { progressLogger } from './run-sync';
import { continueFullSync, runDeltaSync, runFullSync, type SyncResult } from './sync';

export interface SyncAdapters {
  tenantId: string;
  /** This host; each run adds a random suffix. */
  instanceId: string;
  staleAfterDays: number;
  log: Logger;
  storage: Pick<Storage, 'syncDevices' | 'snapshots' | 'state' | 'runs' | 'audit' | 'reports'>;
  /** A new Exchange view for one run: its call counts are the run's alone. */
  newSource(): InventorySource;
  /** Record times, budgets, checkpoints and the lease heartbeat; systemClock unless set. */
  clock?: Clock;
  /**
   * Told of the records a run writes, and when the run ended (whatever its outcome): the
   * device actions follow wipes from them (a sync moves open actions on too).
   */
  watcher?: { written(records: readonly DeviceRecord[]): void; runEnded(log: Logger): Promise<void> };
}

export interface RunSyncOptions {
  kind: 'full' | 'delta';
  /** Stop cleanly (checkpointed) after this long; the next run continues a full sync. */
  maxDurationMs?: number;
  log?: Logger;
  onProgress?: (p: SyncProgress) => void;
}

export interface SyncFeature {
  /** The ports of one run. */
  deps(o?: { log?: Logger; onProgress?: (p: SyncProgress) => void }): SyncDeps;
  run(o: RunSyncOptions): Promise<SyncResult>;
  /** Carries on an unfinished full sync, if any; null when there is none. */
  continue(o?: Omit<RunSyncOptions, 'kind'>): Promise<SyncResult | null>;
  /** Takes the lease from a holder that stopped renewing it (audited as `actor`). */
  breakLease(actor: string, o?: { log?: Logger }): Promise<BreakLeaseResult>;
}

export function composeSync(a: SyncAdapters): SyncFeature {
  const { storage } = a;
  const state = storage.state;
  const deps: SyncFeature['deps'] = (o = {}) => ({
    tenantId: a.tenantId,
    // Unique per invocation: a lease is never taken over while valid, not even by its own host.
    instanceId: `${a.instanceId}#${randomBytes(3).toString('hex')}`,
    staleAfterDays: a.staleAfterDays,
    source: a.newSource(),
    store: {
      // The sync's own writes go unguarded: it manages the inventory snapshot itself (stored-index.ts).
      // Removed ones too: a sync must know them (a partnership listed again is revived, keeping its name).
      summaries: (tenantId) => summariesFromTable(storage.syncDevices.listSelected(tenantId, SUMMARY_FIELDS, { includeRemoved: true })),
      write: (records) => {
        a.watcher?.written(records);
        return storage.syncDevices.upsertMany(records);
      },
      markRemoved: (tenantId, guids, at) => storage.syncDevices.markRemoved(tenantId, guids, at),
      snapshot: storage.snapshots,
      repairIndex: async (tenantId) => ({ ...(await storage.syncDevices.repairIndex(tenantId)) }),
    },
    state: {
      acquireLease: (t, name, owner, ttl) => state.acquireLease(t, name, owner, ttl),
      renewLease: (lease) => state.renewLease(lease),
      releaseLease: (lease) => state.releaseLease(lease),
      getCheckpoint: async (t, kind) => (await state.getCheckpoint<FullSyncCheckpoint>(t, kind))?.data ?? null,
      saveCheckpoint: (t, kind, c) => state.saveCheckpoint(t, kind, c),
      clearCheckpoint: (t, kind) => state.clearCheckpoint(t, kind),
    },
    runs: { save: (run) => storage.runs.update(run), latest: (t, n) => storage.runs.latest(t, n) },
    reports: storage.reports,
    log: o.log ?? a.log,
    clock: a.clock,
    onProgress: o.onProgress,
  });
  const depsFor = (o: Omit<RunSyncOptions, 'kind'>, kind: string) => {
    const log = o.log ?? a.log;
    return deps({ log, onProgress: o.onProgress ?? progressLogger(log, kind) });
  };
  /** Runs the sync, then tells the watcher (its failure never fails the sync: the follow-up timer catches up). */
  const afterwards = async <T>(o: { log?: Logger }, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } finally {
      await a.watcher?.runEnded(o.log ?? a.log).catch((e) => (o.log ?? a.log).warn('Following device actions after the sync failed; the follow-up timer tries again', { error: describeError(e) }));
    }
  };
  return {
    deps,
    run: (o) => afterwards(o, () => (o.kind === 'full' ? runFullSync(depsFor(o, 'full'), { maxDurationMs: o.maxDurationMs }) : runDeltaSync(depsFor(o, 'delta'), { maxDurationMs: o.maxDurationMs }))),
    continue: (o = {}) => afterwards(o, () => continueFullSync(depsFor(o, 'full'), { maxDurationMs: o.maxDurationMs })),
    breakLease: (actor, o = {}) => breakSyncLease({ tenantId: a.tenantId, state, audit: storage.audit, actor, log: o.log ?? a.log, clock: a.clock }),
  };
}
