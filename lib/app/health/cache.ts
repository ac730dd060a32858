/**
 * The deep health check, shared: requests that arrive while one check runs wait for it,
 * and its report answers every request for `ttlMs` after it (about a minute by
 * default), so a burst of health requests, or a monitor polling every few seconds, makes
 * one set of storage, token and Exchange calls per minute.
 */
import type { HealthReport } from './health';

export interface HealthCache {
  /** The last report if younger than the TTL, else a fresh one (shared by concurrent callers). */
  get(): Promise<HealthReport & { cachedForMs: number }>;
}

export const DEFAULT_HEALTH_CACHE_MS = 60_000;

export function createHealthCache(check: () => Promise<HealthReport>, o: { ttlMs?: number; now?: () => number } = {}): HealthCache {
  const ttlMs = o.ttlMs ?? DEFAULT_HEALTH_CACHE_MS;
  const now = o.now ?? Date.now;
  let last: { report: HealthReport; at: number } | null = null;
  let running: Promise<HealthReport> | null = null;
  return {
    async get() {
      if (last && now() - last.at < ttlMs) return { ...last.report, cachedForMs: now() - last.at };
      if (!running) {
        running = check().finally(() => (running = null));
        running.then((report) => (last = { report, at: now() }), () => undefined);
      }
      const report = await running;
      return { ...report, cachedForMs: 0 };
    },
  };
}
