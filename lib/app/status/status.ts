/** What GET /api/status shows: the connector status, the last sync runs and inventory counts. */
import type { ConnectorStatus } from '../../domain/connector-status';
import { withAbandoned, type LeaseHolder, type SyncRun } from '../../domain/sync-run';

export interface StatusDeps {
  tenantId: string;
  getStatus(tenantId: string): Promise<{ status: ConnectorStatus } | null>;
  latestRuns(tenantId: string, n: number): Promise<SyncRun[]>;
  countDevices(tenantId: string, o: { includeRemoved: boolean }): Promise<number>;
  getLease(tenantId: string): Promise<LeaseHolder | null>;
  now?: () => Date;
}

export interface StatusReport {
  tenantId: string;
  connector: ConnectorStatus | { state: 'notChecked' };
  devices: { active: number; removed: number; staleAtLastFullSync: number | null };
  lastFullSync: SyncRun | null;
  lastDeltaSync: SyncRun | null;
  recentRuns: SyncRun[];
  /** The instance syncing now and when it last renewed its lease (a heartbeat every ttl/3); null when none. */
  syncLease: (LeaseHolder & { live: boolean }) | null;
}

export async function connectorStatus(deps: StatusDeps): Promise<StatusReport> {
  const [status, stored, lease] = await Promise.all([deps.getStatus(deps.tenantId), deps.latestRuns(deps.tenantId, 20), deps.getLease(deps.tenantId)]);
  const now = deps.now?.() ?? new Date();
  const runs = stored.map((r) => withAbandoned(r, lease, now));
  const lastFullSync = runs.find((r) => r.kind === 'full' && r.outcome === 'succeeded') ?? null;
  // The last successful run recorded the inventory it left; counting the table is the
  // fallback (it reads every record, which takes seconds at 100,000 devices).
  let inventory = runs.find((r) => r.outcome === 'succeeded' && r.inventory)?.inventory;
  if (!inventory) {
    const [active, all] = await Promise.all([deps.countDevices(deps.tenantId, { includeRemoved: false }), deps.countDevices(deps.tenantId, { includeRemoved: true })]);
    inventory = { active, removed: all - active };
  }
  return {
    tenantId: deps.tenantId,
    connector: status?.status ?? { state: 'notChecked' },
    devices: { ...inventory, staleAtLastFullSync: lastFullSync?.counts.stale ?? null },
    lastFullSync,
    lastDeltaSync: runs.find((r) => r.kind === 'delta' && r.outcome === 'succeeded') ?? null,
    recentRuns: runs.slice(0, 5),
    syncLease: lease ? { ...lease, live: Date.parse(lease.expiresAt) > now.getTime() } : null,
  };
}
