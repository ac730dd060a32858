import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { healthOfFailedStart } from '../lib/app/health/compose';
import { getRuntime } from '../lib/app/runtime';
import { jsonResponse } from '../lib/http/problem';

/**
 * GET /api/health: configuration, storage, token and Exchange reachability; no secrets.
 * One check per minute at most (lib/app/health/cache.ts): the answer says how old it is.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  let runtime;
  try {
    runtime = await getRuntime();
  } catch {
    // The settings (names and reasons, never values) or the start-up failure, checked now: nothing to call.
    const report = await healthOfFailedStart(() => getRuntime().then((r) => r.health.probes));
    context.warn(`Health check unhealthy: ${JSON.stringify(report.checks)}`);
    return jsonResponse(503, report, { 'cache-control': 'no-store' });
  }
  const report = await runtime.health.get();
  if (report.status !== 'healthy') context.warn(`Health check unhealthy: ${JSON.stringify(report.checks)}`);
  return jsonResponse(report.status === 'healthy' ? 200 : 503, report, { 'cache-control': 'no-store' });
}

/** GET /api/health/live: the process answers and its settings are valid; calls nothing (for Azure's health check pings). */
export async function liveness(_request: HttpRequest): Promise<HttpResponseInit> {
  try {
    await getRuntime();
    return jsonResponse(200, { status: 'alive' }, { 'cache-control': 'no-store' });
  } catch {
    return jsonResponse(503, { status: 'not ready', detail: 'The connector could not start; GET /api/health names the reason.' }, { 'cache-control': 'no-store' });
  }
}

// A function key in Azure: the report names the tenant, app and endpoints (never a secret).
app.http('health', { methods: ['GET'], route: 'health', authLevel: 'function', handler: health });
app.http('liveness', { methods: ['GET'], route: 'health/live', authLevel: 'function', handler: liveness });
