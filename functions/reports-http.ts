import { z } from 'zod';
import { reportTable } from '../lib/app/reports/table';
import { REPORT_NAMES, reportListingSchema, reportSchema } from '../lib/app/reports/schemas';
import { Roles } from '../lib/http/caller';
import { csvAnswer, wantsCsv } from '../lib/http/csv';
import { functionKey } from '../lib/http/query-params';
import { registerRoute } from '../lib/functions/register-route';

// Names are checked by the use case, so an unknown one is answered 404 naming the known ones.
const name = z.object({ name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a report name (GET /api/reports lists them)').describe(`One of ${REPORT_NAMES.join(', ')}`) }).strict();
const format = z.enum(['json', 'csv']).optional().describe("csv: the report's rows as CSV (RFC 4180, a header row); also with Accept: text/csv. Default json");
const accept = z.object({ accept: z.string().optional() });

async function* each<T>(rows: readonly T[]) {
  yield* rows;
}

const route = registerRoute;

route({
  name: 'listReports', method: 'GET', route: 'reports', role: Roles.Read, query: z.object({ code: functionKey }).strict(),
  summary: 'The reports, each with its description and, for those a sync computes, the run and time it reflects',
  answers: { 200: { description: 'The reports', schema: reportListingSchema } },
  handle: async ({ runtime }) => ({ status: 200, body: await runtime.reports.list() }),
});

route({
  name: 'getReport', method: 'GET', route: 'reports/{name}', role: Roles.Read, params: name, query: z.object({ format, code: functionKey }).strict(), headers: accept,
  summary: 'One report: those a sync computes are one entity read; wipes and sync-health read a few entities when asked',
  answers: { 200: { description: 'The report (JSON by default)', schema: reportSchema, csv: "The report's rows, each flattened (nested fields as parent.child columns, lists joined with ;), under a header row" } },
  handle: async ({ runtime, params, query, headers }) => {
    const report = await runtime.reports.get(params.name);
    if (!wantsCsv(query.format, headers.accept)) return { status: 200, body: report };
    const { columns, rows } = reportTable(report);
    return csvAnswer(columns, each(rows), report.report);
  },
});
