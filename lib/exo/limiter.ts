/**
 * Adaptive concurrency limit shared by every call of one ExoClient (AIMD: additive
 * increase, multiplicative decrease). Exchange throttles per tenant, so parallel calls
 * must slow down together: a throttle halves the limit, a run of successes raises it by
 * one, and a low remaining budget caps it before the budget is gone.
 */
export interface LimiterSlot {
  readonly epoch: number;
  release(): void;
}

export class AdaptiveLimiter {
  private current: number;
  private budgetCap: number;
  private active = 0;
  private successesSinceChange = 0;
  /** Bumped by every decrease: successes of calls granted before it say nothing about the new rate. */
  private epoch = 0;
  private readonly waiters: { grant: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(private readonly max: number) {
    this.current = max;
    this.budgetCap = max;
  }

  /** The number of calls allowed in flight right now. */
  get limit(): number {
    return Math.max(1, Math.min(this.current, this.budgetCap));
  }

  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot; give it back with `release()` (more calls are harmless). */
  acquire(signal?: AbortSignal): Promise<LimiterSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<LimiterSlot>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = {
        grant: () => resolve(this.slot()),
        reject,
        signal,
      };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** A call granted `slot` succeeded; a run of `limit` such successes raises the limit by one. */
  onSuccess(slot: LimiterSlot): void {
    if (slot.epoch !== this.epoch) return;
    this.successesSinceChange++;
    if (this.current < this.max && this.successesSinceChange >= this.current) {
      this.current++;
      this.successesSinceChange = 0;
      this.pump();
    }
  }

  /** Halves the limit, at most once per epoch: calls throttled together count as one signal. */
  onThrottle(slot: LimiterSlot): void {
    if (slot.epoch !== this.epoch) return;
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.successesSinceChange = 0;
    this.epoch++;
  }

  /** Caps the limit while Exchange reports a low budget; `cap >= max` lifts the cap. */
  setBudgetCap(cap: number): void {
    this.budgetCap = Math.max(1, Math.min(this.max, Math.floor(cap)));
    this.pump();
  }

  private slot(): LimiterSlot {
    let released = false;
    return {
      epoch: this.epoch,
      release: () => {
        if (released) return;
        released = true;
        this.active--;
        this.pump();
      },
    };
  }

  private pump(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      const next = this.waiters.shift()!;
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      this.active++;
      next.grant();
    }
  }
}
