/**
 * A report as CSV: its rows, each flattened as csv.ts flattens a record (nested objects
 * become `parent.child` columns, arrays are joined with `;`), under the columns of its
 * row shape in the JSON order (lib/app/reports/schemas.ts), so a report without rows
 * still has its header. Columns only some rows have (sync-health's `callsByCmdlet.<cmdlet>`)
 * follow, in the order they first appear.
 */
import { flatColumnNames } from '../../http/csv';
import { countReportSchema, policyComplianceSchema, staleByUserSchema, syncHealthSchema, wipesSchema, type ReportAnswer } from './schemas';

/** A row schema's own field names, nested records (callsByCmdlet) left to the rows. */
function fieldsOf(schema: { shape: { rows: { element: { shape: Record<string, unknown> } } } }, skip: readonly string[] = []): string[] {
  return Object.keys(schema.shape.rows.element.shape).filter((k) => !skip.includes(k));
}

const COLUMNS: Record<string, string[]> = {
  count: fieldsOf(countReportSchema),
  'policy-compliance': fieldsOf(policyComplianceSchema),
  wipes: fieldsOf(wipesSchema),
  'stale-by-user': fieldsOf(staleByUserSchema),
  'sync-health': fieldsOf(syncHealthSchema, ['callsByCmdlet']),
};

export function reportTable(r: ReportAnswer): { columns: string[]; rows: Record<string, unknown>[] } {
  const rows = r.rows as unknown as Record<string, unknown>[];
  const columns = [...(COLUMNS[r.report] ?? COLUMNS.count)];
  const known = new Set(columns);
  for (const row of rows) for (const c of flatColumnNames(row)) if (!known.has(c)) (known.add(c), columns.push(c));
  return { columns, rows };
}
