/**
 * Adaptive concurrency limit shared by every call of one ExoClient (AIMD: additive
 * increase, multiplicative decrease). Exchange throttles per tenant, so parallel calls
 * must slow down together: a budget throttle halves the limit, a tenant-concurrency
 * throttle drops it below the number of calls that were in flight, a run of successes
 * raises it by one, and a low remaining budget caps it before the budget is gone.
 *
 * A throttle also leaves a ceiling just below the level that was throttled, so the
 * limit does not climb straight back into the same throttle; the ceiling itself rises
 * by one only after CEILING_PATIENCE x ceiling successes without a throttle (the
 * tenant's allowance may grow again when other clients of the tenant go quiet).
 *
 * A raised ceiling that is refused again (a failed probe) doubles that patience, up to
 * 2^MAX_PROBE_BACKOFF times: against a steady per-tenant limit the client so probes a
 * handful of times per run instead of once per few hundred calls, and each probe costs one
 * call a Retry-After. A probe that holds (a whole patience at the raised ceiling without a
 * throttle) resets it.
 */
const CEILING_PATIENCE = 20;
const MAX_PROBE_BACKOFF = 6;

export interface LimiterSlot {
  readonly epoch: number;
  release(): void;
}

export class AdaptiveLimiter {
  private current: number;
  private ceiling: number;
  private successesAtCeiling = 0;
  /** Failed probes in a row (see MAX_PROBE_BACKOFF); the ceiling was raised by a probe and not yet confirmed. */
  private failedProbes = 0;
  private probing = false;
  private lastDecrease: 'budget' | 'tenantConcurrency' = 'budget';
  private budgetCap: number;
  private active = 0;
  private successesSinceChange = 0;
  /** Bumped by every decrease: successes of calls granted before it say nothing about the new rate. */
  private epoch = 0;
  private readonly waiters: { grant: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(private readonly max: number) {
    this.current = max;
    this.ceiling = max;
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

  /** The highest limit the adaptive increase may reach now (max until a throttle). */
  get throttleCeiling(): number {
    return this.ceiling;
  }

  /** A call granted `slot` succeeded; a run of `limit` such successes raises the limit by one, up to the ceiling. */
  onSuccess(slot: LimiterSlot): void {
    if (slot.epoch !== this.epoch) return;
    this.successesSinceChange++;
    if (this.current < this.ceiling && this.successesSinceChange >= this.current) {
      this.current++;
      this.successesSinceChange = 0;
      this.pump();
    } else if (this.current >= this.ceiling && ++this.successesAtCeiling >= this.patience()) {
      this.successesAtCeiling = 0;
      // A whole patience at a probed ceiling without a throttle: the tenant admits it.
      if (this.probing) [this.probing, this.failedProbes] = [false, 0];
      if (this.ceiling < this.max) {
        this.ceiling++;
        this.probing = true;
      }
    }
  }

  /** Successes at the ceiling before it may rise by one. */
  private patience(): number {
    return CEILING_PATIENCE * this.ceiling * 2 ** Math.min(this.failedProbes, MAX_PROBE_BACKOFF);
  }

  /**
   * A throttle. Budget (429): the limit halves, at most once per epoch (calls throttled
   * together are one signal). Tenant concurrency: Exchange refused a call because more
   * than its limit were in flight, so the limit goes just below what was in flight, and
   * each further call of that same burst refused (granted before the decrease) lowers it
   * by one more - k refusals out of n in flight say the tenant admits about n - k.
   */
  onThrottle(slot: LimiterSlot, kind: 'budget' | 'tenantConcurrency' = 'budget'): void {
    if (kind === 'tenantConcurrency' && slot.epoch === this.epoch - 1 && this.lastDecrease === 'tenantConcurrency') {
      this.ceiling = Math.max(1, this.ceiling - 1);
      this.current = Math.min(this.current, this.ceiling);
      return;
    }
    if (slot.epoch !== this.epoch) return;
    if (this.probing) [this.probing, this.failedProbes] = [false, this.failedProbes + 1];
    if (kind === 'tenantConcurrency') {
      this.ceiling = Math.max(1, Math.min(this.ceiling, Math.min(this.current, this.active) - 1));
      this.current = this.ceiling;
    } else {
      this.ceiling = Math.max(1, Math.min(this.ceiling, this.current - 1));
      this.current = Math.max(1, Math.floor(this.current / 2));
    }
    this.lastDecrease = kind;
    this.successesSinceChange = 0;
    this.successesAtCeiling = 0;
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
