/**
 * Holding a named tenant lease while a job runs (a sync, later the policy reconcile and
 * the action follow-up, each under its own name).
 *
 * A heartbeat renews the lease every ttl/3, independent of the job's progress, so one
 * stalled call (timeouts x retries, a long Retry-After) cannot outlive it. A holder that
 * cannot renew stops at once: its AbortSignal fires (calls and waits end) and `check`
 * throws, so a job that guards its writes with it writes nothing after the loss.
 */
import { setMaxListeners } from 'node:events';
import { systemClock, type Clock } from '../../clock';
import { AppError, describeError } from '../../errors';
import type { Logger } from '../../log';
import type { Lease, LeaseStore } from './ports';

/** The holder could not renew its lease: it must stop without writing anything more. */
export class HeldLeaseLostError extends AppError {
  constructor(tenantId: string, name: string, owner: string, cause?: unknown) {
    super('LeaseLost', `Instance ${owner} could not renew the ${name} lease of tenant ${tenantId} (${describeError(cause)}); it stops without writing anything more`, 409, { tenantId, lease: name, owner }, { cause });
  }
}

export interface LeaseKeeperOptions {
  store: LeaseStore;
  tenantId: string;
  name: string;
  /** Unique per invocation: a lease is never taken over while valid, not even by its own host. */
  owner: string;
  ttlMs: number;
  log: Logger;
  clock?: Clock;
  /** The caller's cancellation: it aborts the keeper's signal too. */
  signal?: AbortSignal;
  /** The error a loss is reported as (a job may keep its own class); HeldLeaseLostError unless told. */
  lossError?: (cause: unknown) => HeldLeaseLostError;
}

export type TakenLease = { acquired: true; keeper: LeaseKeeper } | { acquired: false; holder: string; expiresAt: string; renewedAt?: string };

/** Takes the lease and starts its heartbeat, or tells who holds it. Stop the keeper when done. */
export async function takeLease(o: LeaseKeeperOptions): Promise<TakenLease> {
  const taken = await o.store.acquireLease(o.tenantId, o.name, o.owner, o.ttlMs);
  if (!taken.acquired) return taken;
  const keeper = new LeaseKeeper(o, taken.lease);
  keeper.start();
  return { acquired: true, keeper };
}

/** Keeps one lease of one invocation. */
export class LeaseKeeper {
  private current: Lease;
  private lostError: HeldLeaseLostError | null = null;
  private readonly controller = new AbortController();
  /** Ends the heartbeat's wait at stop. */
  private readonly stopping = new AbortController();
  private heartbeat: Promise<void> | null = null;
  private renewing: Promise<void> | null = null;
  private readonly clock: Clock;
  private onOuterAbort = () => this.controller.abort(this.o.signal?.reason ?? new Error(`${this.o.name} aborted`));

  constructor(
    private readonly o: LeaseKeeperOptions,
    lease: Lease,
  ) {
    this.current = lease;
    this.clock = o.clock ?? systemClock;
    // Every call in flight or queued listens on this one signal.
    setMaxListeners(0, this.controller.signal);
    if (o.signal?.aborted) this.onOuterAbort();
    else o.signal?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get lease(): Lease {
    return this.current;
  }

  get ttlMs(): number {
    return this.o.ttlMs;
  }

  /** Aborted when the lease is lost or the caller cancels: pass it to every call and wait. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    return this.lostError !== null;
  }

  /** Why the lease was lost; null while held. */
  get lossError(): HeldLeaseLostError | null {
    return this.lostError;
  }

  start(): void {
    this.heartbeat ??= this.beat();
  }

  /**
   * Renews every ttl/3 on the clock, counted from the end of the previous renewal (a
   * renewal takes milliseconds; two late ones in a row still leave a third of the TTL).
   * The wait alone never keeps a process alive (a CLI run ends when its job does).
   */
  private async beat(): Promise<void> {
    const every = Math.max(1, Math.floor(this.o.ttlMs / 3));
    while (!this.lost) {
      try {
        await this.clock.sleep(every, this.stopping.signal, { unref: true });
      } catch {
        return; // stopped
      }
      await this.renew();
    }
  }

  /** One renewal; overlapping calls share it. */
  renew(): Promise<void> {
    if (this.lost) return Promise.resolve();
    this.renewing ??= this.o.store
      .renewLease(this.current)
      .then((l) => {
        this.current = l;
      })
      .catch((e) => {
        // Any failure stops the holder: it cannot know whether the lease still protects it,
        // and its next renewal would come after another instance may have taken over.
        const o = this.o;
        this.lostError = o.lossError?.(e) ?? new HeldLeaseLostError(o.tenantId, o.name, o.owner, e);
        o.log.error(this.lostError.message, { tenantId: o.tenantId, lease: o.name, instance: o.owner });
        this.controller.abort(this.lostError);
      })
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }

  /** Throws when the lease is lost: call before every write. */
  check(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Ends the heartbeat and gives the lease up (unless lost: then it is someone else's). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.o.signal?.removeEventListener('abort', this.onOuterAbort);
    await this.heartbeat;
    await this.renewing;
    if (this.lost) return;
    await this.o.store.releaseLease(this.current).catch((e) => this.o.log.warn(`Could not release the ${this.o.name} lease; it expires by itself`, { error: describeError(e) }));
  }
}
