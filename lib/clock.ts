/**
 * Time, as one port for the whole connector (sync, storage, the Exchange client): budgets,
 * lease expiry and renewal, checkpoints and retry waits all read it, so a test moves a
 * fake clock (test/support/fake-clock.ts) instead of waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms`; rejects with the signal's reason once it aborts. `unref`: the wait
   * alone does not keep the process alive (a background heartbeat, never a wait a caller
   * depends on).
   */
  sleep(ms: number, signal?: AbortSignal, o?: { unref?: boolean }): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal, o) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      if (o?.unref) timer.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
