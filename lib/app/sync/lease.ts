/**
 * The tenant lease of a sync: one connector instance syncs an organization at a time.
 *
 * A heartbeat renews the lease every ttl/3, independent of page progress, so one stalled
 * Exchange call (timeouts x retries, a long Retry-After) cannot outlive it. A holder that
 * cannot renew stops at once: its AbortSignal fires (Exchange calls and waits end), and
 * every write through `guard` refuses, so an instance that lost the lease writes no
 * device record, checkpoint or run record after the loss but its own failure.
 */
import { setMaxListeners } from 'node:events';
import { AppError } from '../../errors';
import { describeError } from '../../errors';
import type { Lease, SyncDeps } from './ports';

/** About a minute: with a heartbeat at ttl/3, a dead holder blocks others for at most this long. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

export class SyncLeaseLostError extends AppError {
  constructor(tenantId: string, owner: string, cause?: unknown) {
    super('LeaseLost', `Instance ${owner} could not renew the sync lease of tenant ${tenantId} (${describeError(cause)}); it stops without writing anything more`, 409, { tenantId, owner }, { cause });
  }
}

/** Keeps the tenant lease of one sync invocation. */
export class LeaseKeeper {
  private current: Lease;
  private lostError: SyncLeaseLostError | null = null;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private onOuterAbort = () => this.controller.abort(this.outer?.reason ?? new Error('sync aborted'));

  constructor(
    private readonly deps: SyncDeps,
    lease: Lease,
    readonly ttlMs: number,
    private readonly outer?: AbortSignal,
  ) {
    this.current = lease;
    // Every Exchange call in flight or queued listens on this one signal.
    setMaxListeners(0, this.controller.signal);
    if (outer?.aborted) this.onOuterAbort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get lease(): Lease {
    return this.current;
  }

  /** Aborted when the lease is lost or the caller cancels: pass it to every Exchange call and wait. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    return this.lostError !== null;
  }

  /** Why the lease was lost; null while held. */
  get lossError(): SyncLeaseLostError | null {
    return this.lostError;
  }

  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.ttlMs / 3)));
    // The heartbeat alone never keeps a process alive (a CLI run ends when its sync does).
    this.timer.unref?.();
  }

  /** One renewal; overlapping ticks share it. */
  renew(): Promise<void> {
    if (this.lost) return Promise.resolve();
    this.renewing ??= this.deps.state
      .renewLease(this.current)
      .then((l) => {
        this.current = l;
      })
      .catch((e) => {
        // Any failure stops the holder: it cannot know whether the lease still protects it,
        // and its next renewal would come after another instance may have taken over.
        this.lostError = new SyncLeaseLostError(this.deps.tenantId, this.deps.instanceId, e);
        this.deps.log.error(this.lostError.message, { tenantId: this.deps.tenantId, instance: this.deps.instanceId });
        this.controller.abort(this.lostError);
      })
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }

  /** Throws when the lease is lost: call before every write. (A cancelled run may still save its checkpoint.) */
  check(): void {
    if (this.lostError) throw this.lostError;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.outer?.removeEventListener('abort', this.onOuterAbort);
    await this.renewing;
    if (this.lost) return;
    await this.deps.state.releaseLease(this.current).catch((e) => this.deps.log.warn('Could not release the sync lease; it expires by itself', { error: describeError(e) }));
  }

  /**
   * The ports a sync writes through, each refusing once the lease is lost. The failure run
   * record is the one write allowed after a loss (`saveRun` decides).
   */
  guardedDeps(): SyncDeps {
    const d = this.deps;
    const guarded = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      this.check();
      return f(...a);
    };
    return {
      ...d,
      // A wait may last at most two heartbeats: the lease still covers it if one renewal is late.
      source: d.source.bound?.({ signal: this.signal, maxWaitMs: Math.floor((this.ttlMs * 2) / 3) }) ?? d.source,
      store: { ...d.store, write: guarded(d.store.write.bind(d.store)), markRemoved: guarded(d.store.markRemoved.bind(d.store)) },
      state: { ...d.state, saveCheckpoint: guarded(d.state.saveCheckpoint.bind(d.state)), clearCheckpoint: guarded(d.state.clearCheckpoint.bind(d.state)) },
      runs: {
        ...d.runs,
        save: async (run) => {
          if (run.outcome !== 'failed') this.check();
          return d.runs.save(run);
        },
      },
    };
  }
}
