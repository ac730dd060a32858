/**
 * The inventory's reports. Computed by each successful sync over every stored, not
 * removed device and read as one entity (never a scan of the device table; as fresh as
 * that sync): the six count reports, policy-compliance (with the managed policies, a few
 * entities) and stale-by-user. Read when asked, a few entities each: wipes (the actions
 * table) and sync-health (the sync runs).
 */
import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import type { CountDimension } from '../../domain/device-counts';
import { policyComplianceReport } from './policy-compliance';
import type { ReportSources, SavedCounts } from './ports';
import { REPORT_NAMES, type CountReport, type ReportAnswer, type ReportListing, type ReportName, type StaleByUserReport } from './schemas';
import { SYNC_HEALTH_RUNS, syncHealthReport } from './sync-health';
import { MAX_WIPE_ROWS, WIPES_WINDOW_DAYS, wipesReport } from './wipes';

export { REPORT_NAMES } from './schemas';

interface ReportDefinition {
  name: ReportName;
  description: string;
  source: 'sync' | 'live';
  /** Count reports only. */
  dimension?: CountDimension;
}

export const REPORTS: readonly ReportDefinition[] = [
  { name: 'devices-by-os', source: 'sync', dimension: 'os', description: 'Devices by operating system, grouped by its first word and major version ("iOS 17", "Android 14"); exactOs lists the exact DeviceOS strings' },
  { name: 'devices-by-type', source: 'sync', dimension: 'type', description: 'Devices by DeviceType (iPhone, Android, Outlook, ...)' },
  { name: 'devices-by-model', source: 'sync', dimension: 'model', description: 'Devices by DeviceModel' },
  { name: 'devices-by-client-type', source: 'sync', dimension: 'clientType', description: 'Devices by ClientType (EAS: native ActiveSync mail; Outlook, REST: Outlook for iOS and Android)' },
  { name: 'devices-by-access-state', source: 'sync', dimension: 'accessState', description: 'Devices by DeviceAccessState (Allowed, Blocked, Quarantined, DeviceDiscovery)' },
  { name: 'devices-by-activesync-version', source: 'sync', dimension: 'activeSyncVersion', description: 'Devices by DeviceActiveSyncVersion (null: Outlook mobile, which does not speak ActiveSync)' },
  { name: 'policy-compliance', source: 'sync', description: 'Devices by mailbox policy (DevicePolicyApplied) and its DevicePolicyApplicationStatus, each saying whether the connector manages the policy and whether Exchange held it as desired at the last check' },
  { name: 'wipes', source: 'live', description: `Wipe actions pending (any age) or requested in the last ${WIPES_WINDOW_DAYS} days: requester, time, state, device and user` },
  { name: 'stale-by-user', source: 'sync', description: 'Users with stale devices (no successful sync for STALE_AFTER_DAYS; unknown sync times never are): how many and their readable names' },
  { name: 'sync-health', source: 'live', description: `The last ${SYNC_HEALTH_RUNS} sync runs (kind, start, duration, outcome, Exchange calls, throttling, retries, errors) and the mailboxes whose statistics the last successful run could not get` },
];

export interface ReportsFeature {
  list(): Promise<ReportListing>;
  get(name: string): Promise<ReportAnswer>;
}

const notComputed = (name: string) => new AppError('ReportNotComputed', `No sync has computed the report "${name}" yet; it is computed by each successful full or delta sync (POST /api/sync runs one)`, 404, { report: name });

function countReport(def: ReportDefinition & { dimension: CountDimension }, saved: SavedCounts): CountReport {
  const other = saved.other[def.dimension];
  return {
    report: def.name as CountReport['report'],
    generatedAt: saved.generatedAt,
    runId: saved.runId,
    total: saved.total,
    rows: saved.dimensions[def.dimension],
    ...(other > 0 ? { other } : {}),
    ...(def.dimension === 'os' ? { exactOs: saved.exactOs } : {}),
  };
}

export function createReports(a: { tenantId: string; sources: ReportSources; clock: Clock }): ReportsFeature {
  const { tenantId: t, sources } = a;
  const now = () => new Date(a.clock.now());

  async function staleByUser(): Promise<StaleByUserReport> {
    const s = await sources.getStaleByUser(t);
    if (!s) throw notComputed('stale-by-user');
    return {
      report: 'stale-by-user', generatedAt: s.generatedAt, runId: s.runId, staleAfterDays: s.staleAfterDays, users: s.users, devices: s.devices, rows: s.rows,
      ...(s.other.devices > 0 ? { other: s.other.devices, otherUsers: s.other.users } : {}),
    };
  }

  return {
    async list() {
      const [counts, stale] = await Promise.all([sources.getCounts(t), sources.getStaleByUser(t)]);
      const fromRun = (name: ReportName) => (name === 'stale-by-user' ? stale : name === 'policy-compliance' && !counts?.policyCompliance ? null : counts);
      return {
        reports: REPORTS.map((r) => {
          const run = r.source === 'sync' ? fromRun(r.name) : null;
          return { name: r.name, description: r.description, source: r.source, runId: run?.runId ?? null, generatedAt: run?.generatedAt ?? null };
        }),
      };
    },

    async get(name) {
      const def = REPORTS.find((r) => r.name === name);
      if (!def) throw new AppError('ReportNotFound', `There is no report "${name}"; the reports are ${REPORT_NAMES.join(', ')}`, 404, { report: name, knownReports: REPORT_NAMES });
      switch (def.name) {
        case 'policy-compliance': {
          const [saved, managed] = await Promise.all([sources.getCounts(t), sources.managedPolicies(t)]);
          // Counts saved before policies were counted carry no policyCompliance: not computed yet.
          if (!saved?.policyCompliance) throw notComputed(name);
          return policyComplianceReport({ ...saved, policyCompliance: saved.policyCompliance }, managed);
        }
        case 'wipes': {
          const at = now();
          return wipesReport(at, await sources.wipes(t, new Date(at.getTime() - WIPES_WINDOW_DAYS * 86_400_000).toISOString(), MAX_WIPE_ROWS));
        }
        case 'stale-by-user':
          return staleByUser();
        case 'sync-health': {
          const [runs, lease] = await Promise.all([sources.latestRuns(t, SYNC_HEALTH_RUNS), sources.syncLease(t)]);
          return syncHealthReport(now(), runs, lease);
        }
        default: {
          const saved = await sources.getCounts(t);
          if (!saved) throw notComputed(name);
          return countReport(def as ReportDefinition & { dimension: CountDimension }, saved);
        }
      }
    },
  };
}
