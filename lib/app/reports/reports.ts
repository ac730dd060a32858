/**
 * The inventory's reports: counts by OS, type, model, client type, access state and
 * ActiveSync version, as the last successful sync computed them over every stored,
 * not removed device (lib/app/sync/counts-report.ts). A read is one entity, never a scan
 * of the device table; the counts are as fresh as that sync.
 */
import { AppError } from '../../errors';
import type { CountDimension, CountRow } from '../../domain/device-counts';
import type { CountsSource, SavedCounts } from './ports';

interface ReportDefinition {
  name: string;
  description: string;
  dimension: CountDimension;
}

export const REPORTS: readonly ReportDefinition[] = [
  { name: 'devices-by-os', dimension: 'os', description: 'Devices by operating system, grouped by its first word and major version ("iOS 17", "Android 14"); exactOs lists the exact DeviceOS strings' },
  { name: 'devices-by-type', dimension: 'type', description: 'Devices by DeviceType (iPhone, Android, Outlook, ...)' },
  { name: 'devices-by-model', dimension: 'model', description: 'Devices by DeviceModel' },
  { name: 'devices-by-client-type', dimension: 'clientType', description: 'Devices by ClientType (EAS: native ActiveSync mail; Outlook, REST: Outlook for iOS and Android)' },
  { name: 'devices-by-access-state', dimension: 'accessState', description: 'Devices by DeviceAccessState (Allowed, Blocked, Quarantined, DeviceDiscovery)' },
  { name: 'devices-by-activesync-version', dimension: 'activeSyncVersion', description: 'Devices by DeviceActiveSyncVersion (null: Outlook mobile, which does not speak ActiveSync)' },
];

export const REPORT_NAMES = REPORTS.map((r) => r.name);

export interface ReportListing {
  reports: { name: string; description: string; runId: string | null; generatedAt: string | null }[];
}

export interface CountReport {
  report: string;
  generatedAt: string;
  runId: string;
  /** Stored devices not removed. */
  total: number;
  /** Count descending. */
  rows: CountRow[];
  /** Devices in values beyond the rows kept (only when some were left out). */
  other?: number;
  /** devices-by-os only: the exact OS strings, the most frequent first. */
  exactOs?: CountRow[];
}

export interface ReportsFeature {
  list(): Promise<ReportListing>;
  get(name: string): Promise<CountReport>;
}

export function createReports(a: { tenantId: string; counts: CountsSource }): ReportsFeature {
  return {
    async list() {
      const saved = await a.counts.getCounts(a.tenantId);
      return { reports: REPORTS.map((r) => ({ name: r.name, description: r.description, runId: saved?.runId ?? null, generatedAt: saved?.generatedAt ?? null })) };
    },
    async get(name) {
      const def = REPORTS.find((r) => r.name === name);
      if (!def) throw new AppError('ReportNotFound', `There is no report "${name}"; the reports are ${REPORT_NAMES.join(', ')}`, 404, { report: name, knownReports: REPORT_NAMES });
      const saved = await a.counts.getCounts(a.tenantId);
      if (!saved) throw new AppError('ReportNotComputed', `No sync has computed the report "${name}" yet; it is computed by each successful full or delta sync (POST /api/sync runs one)`, 404, { report: name });
      return answer(def, saved);
    },
  };
}

function answer(def: ReportDefinition, saved: SavedCounts): CountReport {
  const other = saved.other[def.dimension];
  return {
    report: def.name,
    generatedAt: saved.generatedAt,
    runId: saved.runId,
    total: saved.total,
    rows: saved.dimensions[def.dimension],
    ...(other > 0 ? { other } : {}),
    ...(def.dimension === 'os' ? { exactOs: saved.exactOs } : {}),
  };
}
