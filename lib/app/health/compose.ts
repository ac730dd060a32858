/**
 * The health feature: the deep check over the runtime's probes, single-flighted and
 * cached (cache.ts), and the probes themselves for a report while the runtime cannot start.
 */
import { createHealthCache } from './cache';
import { checkHealth, type HealthProbes, type HealthReport } from './health';

export interface HealthFeature {
  probes: HealthProbes;
  /** The deep check, at most one a minute (shared by concurrent requests). */
  get(): Promise<HealthReport & { cachedForMs: number }>;
}

export function composeHealth(probes: HealthProbes, o: { ttlMs?: number } = {}): HealthFeature {
  const cache = createHealthCache(() => checkHealth(async () => probes), { ttlMs: o.ttlMs });
  return { probes, get: () => cache.get() };
}

/** The report when the runtime could not be built: the configuration's issues (names and reasons), or the start-up failure. */
export function healthOfFailedStart(probes: () => Promise<HealthProbes>): Promise<HealthReport> {
  return checkHealth(probes);
}
