/**
 * The tenant lease of a sync (`sync`): one connector instance syncs an organization at a
 * time. The generic keeper (lib/app/lease/keeper.ts) holds it by heartbeat; here the sync
 * builds on it the ports it writes through, each refusing once the lease is lost, so an
 * instance that lost the lease writes no device record, checkpoint or run record after
 * the loss but its own failure.
 */
import { describeError } from '../../errors';
import { SYNC_LEASE } from '../../domain/lease';
import { emptyCounts } from '../../domain/sync-run';
import { systemClock } from '../../clock';
import { HeldLeaseLostError, takeLease, type LeaseKeeper } from '../lease/keeper';
import type { SyncDeps, SyncKind } from './ports';
import type { SyncOptions, SyncResult } from './sync';

/** About a minute: with a heartbeat at ttl/3, a dead holder blocks others for at most this long. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** A lost sync lease, as the sync has always reported it (code LeaseLost, the same message). */
export class SyncLeaseLostError extends HeldLeaseLostError {
  constructor(tenantId: string, owner: string, cause?: unknown) {
    super(tenantId, SYNC_LEASE, owner, cause);
  }
}

/**
 * Takes the tenant's sync lease, keeps it by heartbeat while `body` runs, and gives it up.
 * The body gets the deps whose writes refuse once the lease is lost, and the keeper's signal.
 */
export async function withLease(deps: SyncDeps, kind: SyncKind, o: SyncOptions, body: (keeper: LeaseKeeper, deps: SyncDeps) => Promise<SyncResult>): Promise<SyncResult> {
  const clock = deps.clock ?? systemClock;
  const taken = await takeLease({
    store: deps.state,
    tenantId: deps.tenantId,
    name: SYNC_LEASE,
    owner: deps.instanceId,
    ttlMs: o.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    log: deps.log,
    clock,
    signal: o.signal,
    lossError: (cause) => new SyncLeaseLostError(deps.tenantId, deps.instanceId, cause),
  });
  if (!taken.acquired) {
    deps.log.warn(`${kind} sync skipped: instance ${taken.holder} holds the sync lease of tenant ${deps.tenantId} until ${taken.expiresAt} (last renewed ${taken.renewedAt ?? 'unknown'})`, {
      tenantId: deps.tenantId,
      holder: taken.holder,
      expiresAt: taken.expiresAt,
    });
    const now = new Date(clock.now()).toISOString();
    return {
      run: { tenantId: deps.tenantId, runId: '', kind, startedAt: now, endedAt: now, outcome: 'skipped', counts: emptyCounts(), callsByCmdlet: {}, retries: 0, throttled: 0, pages: 0, transactions: 0, entitiesWritten: 0, instance: deps.instanceId },
      heldBy: { holder: taken.holder, expiresAt: taken.expiresAt, ...(taken.renewedAt ? { renewedAt: taken.renewedAt } : {}) },
    };
  }
  const { keeper } = taken;
  await markAbandoned(deps, keeper.lease.owner);
  try {
    return await body(keeper, guardedDeps(deps, keeper));
  } finally {
    await keeper.stop();
  }
}

/**
 * The ports a sync writes through, each refusing once the lease is lost. The failure run
 * record is the one write allowed after a loss; a cancelled run may still save its checkpoint.
 */
function guardedDeps(d: SyncDeps, keeper: LeaseKeeper): SyncDeps {
  const guarded = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    keeper.check();
    return f(...a);
  };
  return {
    ...d,
    // A wait may last at most two heartbeats: the lease still covers it if one renewal is late.
    source: d.source.bound?.({ signal: keeper.signal, maxWaitMs: Math.floor((keeper.ttlMs * 2) / 3) }) ?? d.source,
    store: { ...d.store, write: guarded(d.store.write.bind(d.store)), markRemoved: guarded(d.store.markRemoved.bind(d.store)) },
    state: { ...d.state, saveCheckpoint: guarded(d.state.saveCheckpoint.bind(d.state)), clearCheckpoint: guarded(d.state.clearCheckpoint.bind(d.state)) },
    runs: {
      ...d.runs,
      save: async (run) => {
        if (run.outcome !== 'failed') keeper.check();
        return d.runs.save(run);
      },
    },
  };
}

/**
 * Holding the lease now proves that every other run still recorded as running lost its
 * own without finishing (killed, or cut off from storage): recorded as abandoned.
 */
async function markAbandoned(deps: SyncDeps, owner: string): Promise<void> {
  try {
    const runs = await deps.runs.latest(deps.tenantId, 20);
    for (const r of runs) {
      if (r.outcome !== 'running' || r.instance === owner) continue;
      await deps.runs.save({ ...r, outcome: 'abandoned' });
      deps.log.warn(`${r.kind} sync ${r.runId} of instance ${r.instance} never finished (its lease ended); recorded as abandoned`, { runId: r.runId, instance: r.instance });
    }
  } catch (e) {
    // Only bookkeeping: the status read shows such runs as abandoned anyway.
    deps.log.warn('Could not mark abandoned sync runs', { error: describeError(e) });
  }
}
