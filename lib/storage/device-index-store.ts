/**
 * The inventory's secondary indexes in the `devices` table (which sets: the domain's
 * device-index.ts). An entry is an entity of the device's own bucket partition with
 * RowKey `~<index>~<device key>`: device RowKeys hold only [a-z0-9._:-], all below `~`,
 * so every scan of devices adds `RowKey lt '~'` (DEVICE_ROWS) and one index is the range
 * [`~<index>~`, `~<index>~~`). Being in the device's partition, an entry is written in
 * the same transaction as its record (device-repository.ts groups them).
 *
 * Writers only add entries (a record knows the sets it is in, not the ones it left), so
 * an entry can outlive its membership; a listing re-reads each member and matches it in
 * full, and `repair` (after each full sync) deletes such entries, each in a transaction
 * with an If-Match on the record it read, so an entry a writer has just made true again
 * is never deleted. The first repair of an index version also adds the entries of records
 * written before it, then saves a marker; until then listings scan (`ready`).
 */
import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { DEVICE_INDEX_VERSION, INDEXED_FIELDS, indexesOf, type IndexedFields } from '../domain/device-index';
import { silentLogger, type Logger } from '../log';
import { writeBatches, type BatchOptions, type EntityWrite } from './batch';
import { forEachConcurrent } from './concurrency';
import { pickFromEntity } from './device-entity';
import { guard, statusOf } from './errors';

/** The filter fragment that keeps a scan of a bucket partition to device records. */
export const DEVICE_ROWS = odata`RowKey lt ${'~'}`;

export function indexRowKey(index: string, deviceKey: string): string {
  return `~${index}~${deviceKey}`;
}

/** The index and device key of an entry's RowKey, or null for any other row. */
export function parseIndexRowKey(rowKey: string): { index: string; deviceKey: string } | null {
  const m = /^~([a-z0-9.-]+)~([a-z0-9][a-z0-9._:-]*)$/.exec(rowKey);
  return m ? { index: m[1]!, deviceKey: m[2]! } : null;
}

/** The filter of one index's entries in a partition, after a device key when given. */
export function indexRangeFilter(partitionKey: string, index: string, afterDeviceKey: string | null): string {
  const from = afterDeviceKey === null ? odata`RowKey ge ${indexRowKey(index, '')}` : odata`RowKey gt ${indexRowKey(index, afterDeviceKey)}`;
  return `${odata`PartitionKey eq ${partitionKey}`} and ${from} and ${odata`RowKey lt ${`~${index}~~`}`}`;
}

/** The entry upserts a record needs, in its group (the device's RowKey). */
export function indexWrites(partitionKey: string, deviceKey: string, record: IndexedFields): EntityWrite[] {
  return indexesOf(record).map((index) => ({ op: 'upsert', mode: 'Replace', group: deviceKey, entity: { partitionKey, rowKey: indexRowKey(index, deviceKey) } }));
}

export interface IndexRepairResult {
  /** `build`: the first repair of this index version (every record read); `prune`: the entries and their records read. */
  mode: 'build' | 'prune';
  devicesRead: number;
  entriesRead: number;
  added: number;
  removed: number;
  /** Left entries whose record changed while the repair ran (the next repair looks again). */
  skipped: number;
}

export interface DeviceIndexStore {
  /** Whether the tenant's entries are complete for this index version (cached once true). */
  ready(tenant: string): Promise<boolean>;
  /** Deletes entries their record no longer needs; on a new version first adds the missing ones and marks the index ready. */
  repair(tenant: string): Promise<IndexRepairResult>;
}

export interface DeviceIndexOptions {
  buckets: number;
  readConcurrency?: number;
  batch?: BatchOptions;
  log?: Logger;
  onRead?: (entities: number) => void;
}

/** The marker's place: a partition of its own, which no bucket scan reads. */
const markerKeys = (tenant: string) => ({ partitionKey: `${tenant}-index`, rowKey: 'version' });

export function createDeviceIndexStore(client: TableClient, o: DeviceIndexOptions): DeviceIndexStore {
  const log = o.log ?? silentLogger;
  const readyTenants = new Set<string>();
  const concurrency = o.readConcurrency ?? 32;
  const partitions = (tenant: string) => Array.from({ length: o.buckets }, (_, b) => `${tenant}-${b.toString(16).padStart(2, '0')}`);

  async function markerVersion(tenant: string): Promise<number | null> {
    const k = markerKeys(tenant);
    try {
      const e = await client.getEntity<{ version?: unknown }>(k.partitionKey, k.rowKey);
      return typeof e.version === 'number' ? e.version : null;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  async function list(filter: string, select?: string[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const page of client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } }).byPage({ maxPageSize: 1000 })) {
      o.onRead?.(page.length);
      out.push(...page);
    }
    return out;
  }

  /** Deletes an entry only while its record is as read: [Merge record If-Match, delete entry] in one transaction. */
  async function removeEntry(partitionKey: string, entryRowKey: string, device: { rowKey: string; etag: string }): Promise<boolean> {
    const actions: TransactionAction[] = [
      ['update', { partitionKey, rowKey: device.rowKey }, 'Merge', { etag: device.etag }],
      ['delete', { partitionKey, rowKey: entryRowKey }],
    ];
    try {
      await client.submitTransaction(actions);
      return true;
    } catch (e) {
      const s = statusOf(e);
      if (s === 412 || s === 404 || s === 409) return false;
      throw e;
    }
  }

  async function repairPartition(partitionKey: string, build: boolean, r: IndexRepairResult): Promise<void> {
    const entries = (await list(`${odata`PartitionKey eq ${partitionKey}`} and ${odata`RowKey ge ${'~'}`}`, ['RowKey']))
      .map((e) => String(e.rowKey))
      .filter((k) => parseIndexRowKey(k) !== null);
    r.entriesRead += entries.length;
    const devices = new Map<string, { etag: string; wants: Set<string> } | null>();
    const entryOf = (e: Record<string, unknown>) => ({ etag: String(e.etag), wants: new Set(indexesOf(pickFromEntity(e, INDEXED_FIELDS) as IndexedFields)) });
    if (build) {
      for (const e of await list(`${odata`PartitionKey eq ${partitionKey}`} and ${DEVICE_ROWS}`, ['RowKey', ...INDEXED_FIELDS])) devices.set(String(e.rowKey), entryOf(e));
      r.devicesRead += devices.size;
    } else {
      const keys = [...new Set(entries.map((k) => parseIndexRowKey(k)!.deviceKey))];
      await forEachConcurrent(keys, concurrency, async (key) => {
        try {
          devices.set(key, entryOf(await client.getEntity<Record<string, unknown>>(partitionKey, key, { queryOptions: { select: [...INDEXED_FIELDS] } })));
          o.onRead?.(1);
          r.devicesRead++;
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
          devices.set(key, null);
        }
      });
    }
    const present = new Set(entries);
    if (build) {
      const adds: EntityWrite[] = [];
      for (const [key, d] of devices) {
        for (const index of d?.wants ?? []) {
          const rowKey = indexRowKey(index, key);
          if (!present.has(rowKey)) adds.push({ op: 'upsert', mode: 'Replace', entity: { partitionKey, rowKey } });
        }
      }
      const written = await writeBatches(client, adds, { ...o.batch, log, concurrency: 1 });
      r.added += written.entities; // after the await: partitions run side by side
    }
    for (const rowKey of entries) {
      const { index, deviceKey } = parseIndexRowKey(rowKey)!;
      const d = devices.get(deviceKey) ?? null;
      if (d?.wants.has(index)) continue;
      // An entry without a record is left: records are never deleted, and nothing could
      // guard its delete against a writer creating the record with its entry meanwhile.
      // A listing skips it (its point read finds nothing).
      if (d && (await removeEntry(partitionKey, rowKey, { rowKey: deviceKey, etag: d.etag }))) r.removed++;
      else r.skipped++;
    }
  }

  return {
    async ready(tenant) {
      if (readyTenants.has(tenant)) return true;
      const v = await guard('read the device index marker', () => markerVersion(tenant));
      if (v === DEVICE_INDEX_VERSION) readyTenants.add(tenant);
      return readyTenants.has(tenant);
    },

    async repair(tenant) {
      const build = (await guard('read the device index marker', () => markerVersion(tenant))) !== DEVICE_INDEX_VERSION;
      const r: IndexRepairResult = { mode: build ? 'build' : 'prune', devicesRead: 0, entriesRead: 0, added: 0, removed: 0, skipped: 0 };
      await guard('repair the device index', () => forEachConcurrent(partitions(tenant), 4, (pk) => repairPartition(pk, build, r)));
      if (build) {
        const k = markerKeys(tenant);
        const marker: TableEntity = { ...k, version: DEVICE_INDEX_VERSION, builtAt: new Date().toISOString() };
        await guard('save the device index marker', () => client.upsertEntity(marker, 'Replace'));
        readyTenants.add(tenant);
      }
      return r;
    },
  };
}
