import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { checkHealth } from '../lib/app/health';
import { getRuntime } from '../lib/app/runtime';
import { jsonResponse } from '../lib/http/problem';

/** GET /api/health: config, storage, token and Exchange reachability; no secrets. */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const report = await checkHealth(async () => (await getRuntime()).healthProbes);
  if (report.status !== 'healthy') context.warn(`Health check unhealthy: ${JSON.stringify(report.checks)}`);
  return jsonResponse(report.status === 'healthy' ? 200 : 503, report, { 'cache-control': 'no-store' });
}

// A function key in Azure: the report names the tenant, app and endpoints (never a secret).
app.http('health', { methods: ['GET'], route: 'health', authLevel: 'function', handler: health });
