import { z } from 'zod';
import { Roles } from '../lib/http/caller';
import { registerRoute } from '../lib/functions/register-route';

const row = z.object({ value: z.string().nullable(), count: z.number().int() });
const countReport = z.object({ report: z.string(), generatedAt: z.string(), runId: z.string(), total: z.number().int(), rows: z.array(row), other: z.number().int().optional(), exactOs: z.array(row).optional() });
const listing = z.object({ reports: z.array(z.object({ name: z.string(), description: z.string(), runId: z.string().nullable(), generatedAt: z.string().nullable() })) });
// Names are checked by the use case, so an unknown one is answered 404 naming the known ones.
const name = z.object({ name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a report name (GET /api/reports lists them)') }).strict();

const route = registerRoute;

route({
  name: 'listReports', method: 'GET', route: 'reports', role: Roles.Read,
  summary: 'The reports, each with the sync run and time it reflects',
  answers: { 200: { description: 'The reports', schema: listing } },
  handle: async ({ runtime }) => ({ status: 200, body: await runtime.reports.list() }),
});

route({
  name: 'getReport', method: 'GET', route: 'reports/{name}', role: Roles.Read, params: name,
  summary: 'One count report as the last sync computed it over every stored, not removed device (one entity read)',
  answers: { 200: { description: 'The counts, the most frequent value first', schema: countReport } },
  handle: async ({ runtime, params }) => ({ status: 200, body: await runtime.reports.get(params.name) }),
});
