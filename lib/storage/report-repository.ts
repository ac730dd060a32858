/**
 * The reports the last sync computed, each one entity in the `state` table
 * (PartitionKey = tenant): `report:counts` (the six count reports and policy-compliance)
 * and `report:stale-by-user`. Reading a report is one entity read, never a scan of the
 * device table.
 *
 * The JSON is split over `data0`, `data1`, ... string properties (a string property holds
 * at most 64 KiB, an entity 1 MiB): each count dimension keeps at most 1,000 rows
 * (MAX_ROWS in lib/domain/device-counts.ts), which at 100 characters a row is about
 * 700 KB in the worst case, and stale-by-user is held under 700,000 characters
 * (lib/domain/stale-by-user.ts), so up to 30 parts of 30,000 characters fit.
 */
import type { TableClient, TableEntity } from '@azure/data-tables';
import type { DeviceCounts } from '../domain/device-counts';
import type { StaleByUser } from '../domain/stale-by-user';
import { ValidationError } from '../errors';
import { getEntityOrNull, guard } from './errors';
import { tenantKey } from './keys';

/** The run a saved report reflects. */
interface FromRun {
  runId: string;
  /** When the run that computed it ended its writes. */
  generatedAt: string;
}

export type StoredCountsReport = DeviceCounts & FromRun;
export type StoredStaleByUser = StaleByUser & FromRun & { staleAfterDays: number };

export interface ReportRepository {
  saveCounts(tenantId: string, report: StoredCountsReport): Promise<void>;
  /** null when no sync has computed them yet. */
  getCounts(tenantId: string): Promise<StoredCountsReport | null>;
  saveStaleByUser(tenantId: string, report: StoredStaleByUser): Promise<void>;
  getStaleByUser(tenantId: string): Promise<StoredStaleByUser | null>;
}

const COUNTS = 'report:counts';
const STALE_BY_USER = 'report:stale-by-user';
const CHUNK_CHARS = 30_000;
const MAX_PARTS = 30;

export function createReportRepository(client: TableClient): ReportRepository {
  async function save(tenantId: string, rowKey: string, report: FromRun): Promise<void> {
    const json = JSON.stringify(report);
    if (json.length > CHUNK_CHARS * MAX_PARTS) throw ValidationError.of('report', `the ${rowKey} report is ${json.length} characters of JSON; at most ${CHUNK_CHARS * MAX_PARTS} fit in one entity`);
    const entity: TableEntity = { partitionKey: tenantKey(tenantId), rowKey, runId: report.runId, generatedAt: report.generatedAt, parts: 0 };
    let parts = 0;
    for (let i = 0; i < json.length; i += CHUNK_CHARS) entity[`data${parts++}`] = json.slice(i, i + CHUNK_CHARS);
    entity.parts = parts;
    // Replace: a shorter report leaves no stale parts behind.
    await guard(`save ${rowKey}`, () => client.upsertEntity(entity, 'Replace'));
  }

  async function get<T>(tenantId: string, rowKey: string): Promise<T | null> {
    const e = await getEntityOrNull(client, tenantKey(tenantId), rowKey, `read ${rowKey}`);
    if (!e) return null;
    let json = '';
    for (let i = 0; i < Number(e.parts ?? 0); i++) json += String(e[`data${i}`] ?? '');
    return JSON.parse(json) as T;
  }

  return {
    saveCounts: (tenantId, report) => save(tenantId, COUNTS, report),
    getCounts: (tenantId) => get<StoredCountsReport>(tenantId, COUNTS),
    saveStaleByUser: (tenantId, report) => save(tenantId, STALE_BY_USER, report),
    getStaleByUser: (tenantId) => get<StoredStaleByUser>(tenantId, STALE_BY_USER),
  };
}
