/**
 * Table Storage adapters: the only code that knows table names, partition keys, row
 * keys and ETags. The composition root calls createStorage once per process.
 */
import type { Logger } from '../log';
import { createAuditRepository, type AuditRepository } from './audit-repository';
import { addStats, emptyStats, type BatchOptions, type WriteStats } from './batch';
import { createDeviceRepository, type DeviceRepository } from './device-repository';
import { createStateRepository, type StateRepository } from './state-repository';
import { createSyncRunRepository, type SyncRunRepository } from './sync-run-repository';
import { createTableClients, type StorageTables, type TableClientsOptions } from './tables';

export * from './errors';
export * from './tables';
export * from './batch';
export * from './device-repository';
export * from './sync-run-repository';
export * from './state-repository';
export * from './audit-repository';
export { DEFAULT_BUCKETS, MIN_BUCKETS, MAX_BUCKETS, bucketOf, invertedTime } from './keys';

export interface StorageOptions extends TableClientsOptions {
  /** Device buckets per tenant, 16..256 (default 64); fixed for a deployment's life. */
  bucketCount?: number;
  /** Batch writer settings for device writes (transactions in flight default 4). */
  batch?: BatchOptions;
  /** Point reads in flight in getMany (default 32). */
  readConcurrency?: number;
  log?: Logger;
  /** Clock for lease expiry (tests). */
  now?: () => number;
}

export interface Storage {
  tables: StorageTables;
  devices: DeviceRepository;
  runs: SyncRunRepository;
  state: StateRepository;
  audit: AuditRepository;
  /** Device writes since the process started (transactions, entities, retries). */
  readonly written: Readonly<WriteStats>;
}

export function createStorage(o: StorageOptions): Storage {
  const tables = createTableClients(o);
  const written = emptyStats();
  return {
    tables,
    devices: createDeviceRepository(tables.devices, {
      bucketCount: o.bucketCount,
      batch: o.batch,
      readConcurrency: o.readConcurrency,
      log: o.log,
      onWrite: (s) => addStats(written, s),
    }),
    runs: createSyncRunRepository(tables.syncruns),
    state: createStateRepository(tables.state, { now: o.now }),
    audit: createAuditRepository(tables.audit),
    written,
  };
}
