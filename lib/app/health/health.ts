/**
 * Health: is the connector able to work right now? Reports configuration validity,
 * storage reachability, token acquisition and Exchange reachability, each with a short
 * reason and duration, and never a secret. Each probe is bounded in time so a hanging
 * dependency cannot hang the health endpoint.
 */
import { describeError, type FieldIssue, ConfigError } from '../../errors';

export interface HealthProbes {
  storage(): Promise<string>;
  token(): Promise<string>;
  exchange(): Promise<string>;
}

export interface CheckResult {
  ok: boolean;
  detail: string;
  durationMs?: number;
  issues?: FieldIssue[];
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  checkedAt: string;
  checks: { config: CheckResult; storage?: CheckResult; token?: CheckResult; exchange?: CheckResult };
}

async function probe(run: () => Promise<string>, timeoutMs: number): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, detail, durationMs: Date.now() - started };
  } catch (e) {
    return { ok: false, detail: describeError(e), durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `probes` is a function so that a configuration error (thrown while building the
 * runtime) is reported as the config check instead of failing the request.
 */
export async function checkHealth(probes: () => Promise<HealthProbes>, o: { timeoutMs?: number; now?: () => Date } = {}): Promise<HealthReport> {
  const checkedAt = (o.now?.() ?? new Date()).toISOString();
  let p: HealthProbes;
  try {
    p = await probes();
  } catch (e) {
    const issues = e instanceof ConfigError ? e.issues : undefined;
    return { status: 'unhealthy', checkedAt, checks: { config: { ok: false, detail: describeError(e), issues } } };
  }
  const timeoutMs = o.timeoutMs ?? 15_000;
  const storage = await probe(p.storage, timeoutMs);
  const token = await probe(p.token, timeoutMs);
  // Exchange needs a token: without one the reason is already reported above.
  const exchange = token.ok ? await probe(p.exchange, timeoutMs) : { ok: false, detail: 'skipped: no token' };
  const ok = storage.ok && token.ok && exchange.ok;
  return { status: ok ? 'healthy' : 'unhealthy', checkedAt, checks: { config: { ok: true, detail: 'valid' }, storage, token, exchange } };
}
