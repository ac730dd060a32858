/**
 * Clocks for tests (lib/clock.ts): a manual one that only moves when the test says so,
 * and real time read through a function (shifted, frozen) for code that also waits.
 */
import { systemClock, type Clock } from '../../lib/clock';

interface Sleeper {
  at: number;
  /** Order of registration: sleeps due at the same time wake in the order they began. */
  seq: number;
  wake: () => void;
}

/**
 * Time that stands still until advance(ms): due sleeps then wake one at a time in order
 * of their due time, the clock reading each one's due time when it wakes, and what each
 * wakes (promise callbacks, a heartbeat's renewal call) has started before the next one.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start: number | string = '2026-01-01T00:00:00Z') {
    this.t = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.t;
  }

  /** The time as an ISO string (what storage writes as renewedAt, savedAt, ...). */
  iso(): string {
    return new Date(this.t).toISOString();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper: Sleeper = { at: this.t + Math.max(0, ms), seq: this.seq++, wake: () => undefined };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      sleeper.wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Sleeps waiting now. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Moves the clock `ms` on, waking every sleep due by then (and those a woken one begins at once). */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.t = Math.max(this.t, next.at);
      next.wake();
      // One turn of the event loop: the woken code runs up to its next real wait.
      await new Promise((r) => setImmediate(r));
    }
    this.t = until;
  }
}

/** Real time read through `now` (frozen at a date, or shifted), sleeping for real. */
export function clockReading(now: () => Date | number): Clock {
  return { now: () => +now(), sleep: systemClock.sleep };
}

/** Real time `offsetMs` ahead (or behind, when negative): another instance whose clock is off. */
export function shiftedClock(offsetMs: number): Clock {
  return clockReading(() => Date.now() + offsetMs);
}
