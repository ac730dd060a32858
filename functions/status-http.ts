import { app } from '@azure/functions';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../lib/app/runtime';
import { Roles } from '../lib/http/caller';
import { defineRoute, routeHandler } from '../lib/http/route';

export const statusRoute = defineRoute<Runtime>({
  name: 'status',
  method: 'GET',
  route: 'status',
  role: Roles.Read,
  summary: 'Connector status (1015 when installed), the last runs and device counts',
  answers: { 200: { description: 'The status report', schema: z.object({}).passthrough() } },
  handle: async ({ runtime }) => ({ status: 200, body: await runtime.status.report() }),
});

app.http(statusRoute.name, { methods: [statusRoute.method], route: statusRoute.route, authLevel: 'function', handler: (request, context) => status(request, context) });

/** The trigger's handler (also called in process by tests). */
export const status = routeHandler(statusRoute, getRuntime);
