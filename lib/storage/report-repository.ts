/**
 * The inventory's count reports, as the last sync computed them: one entity in the `state`
 * table (PartitionKey = tenant, RowKey `report:counts`), so reading any count report is
 * one entity read, never a scan of the device table.
 *
 * The JSON is split over `data0`, `data1`, ... string properties (a string property holds
 * at most 64 KiB, an entity 1 MiB): each dimension keeps at most 1,000 rows (MAX_ROWS in
 * lib/domain/device-counts.ts), which at 100 characters a row is about 600 KB in the worst
 * case, so up to 30 parts of 30,000 characters fit.
 */
import type { TableClient, TableEntity } from '@azure/data-tables';
import type { DeviceCounts } from '../domain/device-counts';
import { ValidationError } from '../errors';
import { getEntityOrNull, guard } from './errors';
import { tenantKey } from './keys';

/** The counts and the run they reflect. */
export interface StoredCountsReport extends DeviceCounts {
  runId: string;
  /** When the run that computed them ended its writes. */
  generatedAt: string;
}

export interface ReportRepository {
  saveCounts(tenantId: string, report: StoredCountsReport): Promise<void>;
  /** null when no sync has computed them yet. */
  getCounts(tenantId: string): Promise<StoredCountsReport | null>;
}

const COUNTS = 'report:counts';
const CHUNK_CHARS = 30_000;
const MAX_PARTS = 30;

export function createReportRepository(client: TableClient): ReportRepository {
  return {
    async saveCounts(tenantId, report) {
      const json = JSON.stringify(report);
      if (json.length > CHUNK_CHARS * MAX_PARTS) throw ValidationError.of('report', `the counts report is ${json.length} characters of JSON; at most ${CHUNK_CHARS * MAX_PARTS} fit in one entity`);
      const entity: TableEntity = { partitionKey: tenantKey(tenantId), rowKey: COUNTS, runId: report.runId, generatedAt: report.generatedAt, parts: 0 };
      let parts = 0;
      for (let i = 0; i < json.length; i += CHUNK_CHARS) entity[`data${parts++}`] = json.slice(i, i + CHUNK_CHARS);
      entity.parts = parts;
      // Replace: a shorter report leaves no stale parts behind.
      await guard('save counts report', () => client.upsertEntity(entity, 'Replace'));
    },

    async getCounts(tenantId) {
      const e = await getEntityOrNull(client, tenantKey(tenantId), COUNTS, 'read counts report');
      if (!e) return null;
      let json = '';
      for (let i = 0; i < Number(e.parts ?? 0); i++) json += String(e[`data${i}`] ?? '');
      return JSON.parse(json) as StoredCountsReport;
    },
  };
}
