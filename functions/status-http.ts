import { app } from '@azure/functions';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../lib/app/runtime';
import { connectorStatus } from '../lib/app/status';
import { Roles } from '../lib/http/caller';
import { defineRoute, routeHandler } from '../lib/http/route';

export const statusRoute = defineRoute<Runtime>({
  name: 'status',
  method: 'GET',
  route: 'status',
  role: Roles.Read,
  summary: 'Connector status (1015 when installed), the last runs and device counts',
  answers: { 200: { description: 'The status report', schema: z.object({}).passthrough() } },
  async handle({ runtime }) {
    const { storage, config } = runtime;
    const report = await connectorStatus({
      tenantId: config.tenantId,
      getStatus: (t) => storage.state.getStatus(t),
      latestRuns: (t, n) => storage.runs.latest(t, n),
      countDevices: (t, o) => storage.devices.count(t, o),
      getLease: (t) => storage.state.getLease(t),
    });
    return { status: 200, body: report };
  },
});

app.http(statusRoute.name, { methods: [statusRoute.method], route: statusRoute.route, authLevel: 'function', handler: (request, context) => status(request, context) });

/** The trigger's handler (also called in process by tests). */
export const status = routeHandler(statusRoute, getRuntime);
