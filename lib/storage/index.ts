/**
 * Table Storage adapters: the only code that knows table names, partition keys, row
 * keys and ETags. The composition root calls createStorage once per process.
 */
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { createActionRepository, createWipeReader, type WipeReader } from './action-repository';
import { createBulkRepository } from './bulk-repository';
import { createPolicyRepository } from './policy-repository';
import { createCollectionRepository } from './collection-repository';
import { createAuditRepository, type AuditRepository } from './audit-repository';
import { createIdempotencyRepository } from './idempotency-repository';
import { createAccessRepository } from './access-repository';
import type { AccessStore } from '../app/access/ports';
import type { ActionStore, IdempotencyStore } from '../app/actions/ports';
import type { BulkStore } from '../app/actions/bulk-ports';
import type { PolicyStore } from '../app/policies/ports';
import type { CollectionStore } from '../app/collections/collections';
import { addStats, emptyStats, type BatchOptions, type WriteStats } from './batch';
import { createDeviceRepository, type DeviceRepository } from './device-repository';
import { createInventorySnapshotRepository, type InventorySnapshotRepository } from './inventory-snapshot';
import { createStateRepository, type StateRepository } from './state-repository';
import { createReportRepository, type ReportRepository } from './report-repository';
import { createSyncRunRepository, type SyncRunRepository } from './sync-run-repository';
import { createTableClients, type StorageTables, type TableClientsOptions } from './tables';

export * from './errors';
export * from './tables';
export * from './batch';
export * from './device-repository';
export * from './sync-run-repository';
export * from './state-repository';
export * from './report-repository';
export * from './lease-repository';
export * from './audit-repository';
export * from './inventory-snapshot';
export { DEFAULT_BUCKETS, MIN_BUCKETS, MAX_BUCKETS, bucketOf, invertedTime } from './keys';

export interface StorageOptions extends TableClientsOptions {
  /** Device buckets per tenant, 16..256 (default 64); fixed for a deployment's life. */
  bucketCount?: number;
  /** Batch writer settings for device writes (transactions in flight default 4). */
  batch?: BatchOptions;
  /** Point reads in flight in getMany (default 32). */
  readConcurrency?: number;
  log?: Logger;
  /** The clock for lease expiry and the times the state table stores (tests move a fake one). */
  clock?: Clock;
}

export interface Storage {
  tables: StorageTables;
  /**
   * The device inventory for every writer except the sync: each write invalidates the
   * inventory snapshot before and after it, so no snapshot can claim a state without it.
   */
  devices: DeviceRepository;
  /**
   * The same table without that guard, for the sync alone: it holds the tenant lease,
   * invalidates the snapshot before its first write and saves a new one after its last.
   */
  syncDevices: DeviceRepository;
  /** The compact copy of the stored summaries a sync loads instead of the device table. */
  snapshots: InventorySnapshotRepository;
  runs: SyncRunRepository;
  state: StateRepository;
  /** The count reports the last sync computed (state table). */
  reports: ReportRepository;
  audit: AuditRepository;
  /** Device actions, each device's wipe slot, the open actions (actions table). */
  actions: ActionStore;
  /** The open and recent wipe actions, read by key (the wipes report). */
  wipes: WipeReader;
  /** Bulk action jobs: the plan in chunks, each claimed before its calls (actions table). */
  bulks: BulkStore;
  /** Desired mailbox policies (policies table). */
  policies: PolicyStore;
  /** Saved inventory collections (state table). */
  collections: CollectionStore;
  /** Idempotency keys and the first answer given to each (actions table). */
  idempotency: IdempotencyStore;
  /** The desired access rules and organization settings (policies table). */
  access: AccessStore;
  /** Device writes since the process started (transactions, entities, retries). */
  readonly written: Readonly<WriteStats>;
  /** Device entities read since the process started (a sync's reads of the device table). */
  readonly read: Readonly<{ deviceEntities: number }>;
}

/** Wraps a device repository so every write invalidates the snapshot of its tenant(s) before and after. */
function guardedDevices(devices: DeviceRepository, snapshots: InventorySnapshotRepository): DeviceRepository {
  const invalidate = (tenants: Iterable<string>) => Promise.all([...new Set(tenants)].map((t) => snapshots.invalidate(t)));
  return {
    ...devices,
    async upsertMany(records) {
      if (records.length === 0) return devices.upsertMany(records);
      const tenants = records.map((r) => r.tenantId);
      await invalidate(tenants);
      try {
        return await devices.upsertMany(records);
      } finally {
        // Also after: a sync that read the head between the first invalidation and this write must not save over it.
        await invalidate(tenants);
      }
    },
    async markRemoved(tenantId, deviceGuids, at) {
      if (deviceGuids.length === 0) return devices.markRemoved(tenantId, deviceGuids, at);
      await invalidate([tenantId]);
      try {
        return await devices.markRemoved(tenantId, deviceGuids, at);
      } finally {
        await invalidate([tenantId]);
      }
    },
  };
}

export function createStorage(o: StorageOptions): Storage {
  const tables = createTableClients(o);
  const written = emptyStats();
  const read = { deviceEntities: 0 };
  const syncDevices = createDeviceRepository(tables.devices, {
    bucketCount: o.bucketCount,
    batch: o.batch,
    readConcurrency: o.readConcurrency,
    log: o.log,
    onWrite: (s) => addStats(written, s),
    onRead: (n) => (read.deviceEntities += n),
  });
  const snapshots = createInventorySnapshotRepository(tables.state);
  return {
    tables,
    devices: guardedDevices(syncDevices, snapshots),
    syncDevices,
    snapshots,
    read,
    runs: createSyncRunRepository(tables.syncruns),
    state: createStateRepository(tables.state, { clock: o.clock }),
    reports: createReportRepository(tables.state),
    audit: createAuditRepository(tables.audit),
    actions: createActionRepository(tables.actions),
    wipes: createWipeReader(tables.actions),
    bulks: createBulkRepository(tables.actions),
    policies: createPolicyRepository(tables.policies),
    collections: createCollectionRepository(tables.state),
    idempotency: createIdempotencyRepository(tables.actions, { clock: o.clock }),
    access: createAccessRepository(tables.policies),
    written,
  };
}
