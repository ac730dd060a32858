import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getRuntime } from '../lib/app/runtime';
import { connectorStatus } from '../lib/app/status';
import { Roles } from '../lib/http/caller';
import { contextLogger } from '../lib/http/context-logger';
import { jsonResponse, problemResponse } from '../lib/http/problem';

/** GET /api/status: connector status (1015 when installed), last runs and device counts. */
export async function status(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const runtime = await getRuntime();
    await runtime.verifyCaller(request.headers.get('authorization'), Roles.Read);
    const { storage, config } = runtime;
    const report = await connectorStatus({
      tenantId: config.tenantId,
      getStatus: (t) => storage.state.getStatus(t),
      latestRuns: (t, n) => storage.runs.latest(t, n),
      countDevices: (t, o) => storage.devices.count(t, o),
      getLease: (t) => storage.state.getLease(t),
    });
    return jsonResponse(200, report, { 'cache-control': 'no-store' });
  } catch (err) {
    return problemResponse(err, contextLogger(context), context.invocationId);
  }
}

app.http('status', { methods: ['GET'], route: 'status', authLevel: 'function', handler: status });
