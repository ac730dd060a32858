/**
 * The device inventory in the `devices` table.
 *
 * PartitionKey `<tenant>-<bucket>`, bucket = FNV-1a(lowercased guid) mod bucketCount as
 * two hex characters; RowKey = lowercased device guid. One partition of a real account
 * serves about 2,000 entities/s, so spreading a tenant over buckets multiplies write
 * throughput while keeping 100-entity transactions possible. The bucket count must stay
 * the same for the life of a deployment: changing it moves every device to another
 * partition, so stored records would no longer be found (it needs a rewrite of the table).
 *
 * How a record's properties are stored: device-entity.ts.
 */
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import type { DeviceRecord } from '../domain/device';
import type { DeviceCursor, DeviceQueryPage } from '../app/inventory/query';
import { queryDevicePage } from './device-query';
import { silentLogger, type Logger } from '../log';
import { addStats, emptyStats, writeBatches, type BatchOptions, type EntityWrite, type WriteStats } from './batch';
import { forEachConcurrent } from './concurrency';
import { ValidationError } from '../errors';
import { guard, statusOf } from './errors';
import { bucketOf, checkBucketCount, DEFAULT_BUCKETS, deviceKey, tenantKey } from './keys';
import { DEVICE_HASH_FIELDS, deviceProperties, hashFromEntity, pickFromEntity, recordFromEntity, type DeviceHash } from './device-entity';
import { createDeviceIndexStore, DEVICE_ROWS, indexRowKey, indexWrites, type IndexRepairResult } from './device-index-store';

export { recordFromEntity, type DeviceHash } from './device-entity';

export interface DeviceRepository {
  get(tenantId: string, deviceGuid: string): Promise<DeviceRecord | null>;
  /** Streams the tenant's records page by page (1,000 per request); never holds them all. */
  listAll(tenantId: string, o?: { includeRemoved?: boolean }): AsyncIterable<DeviceRecord>;
  /** Records by guid; the map's keys are the lowercased guids; missing devices are absent. */
  getMany(tenantId: string, deviceGuids: readonly string[]): Promise<Map<string, DeviceRecord>>;
  /** Every device of the tenant, removed ones included, as a small projection ($select). */
  listHashes(tenantId: string): AsyncIterable<DeviceHash>;
  /**
   * Only `fields` of every record ($select), removed ones left out unless asked; the
   * bucket partitions read `readConcurrency`-at-a-time, so the order is not the table's.
   */
  listSelected<K extends keyof DeviceRecord>(tenantId: string, fields: readonly K[], o?: { includeRemoved?: boolean }): AsyncIterable<Pick<DeviceRecord, K>>;
  /** Creates or fully replaces each record (Replace: a property that became null is cleared). */
  upsertMany(records: readonly DeviceRecord[]): Promise<WriteStats>;
  /** Sets removed = true and removedAt; keeps the record; unknown guids are skipped. */
  markRemoved(tenantId: string, deviceGuids: readonly string[], at: string): Promise<WriteStats>;
  count(tenantId: string, o?: { includeRemoved?: boolean }): Promise<number>;
  /**
   * One page of a filtered listing in key order (bucket, then guid): Table Storage filters
   * the removed flag and the last-sync range, `match` the rest. Stops at `want` matches or
   * after reading `maxEntities` (then `next` says where to go on, even with few matches).
   */
  queryPage(tenantId: string, q: DeviceQueryPage): Promise<{ records: DeviceRecord[]; next: DeviceCursor | null; entitiesRead: number }>;
  /**
   * The secondary indexes' repair (device-index-store.ts): deletes entries records no
   * longer need; the first time for an index version also adds the missing ones and
   * marks the index ready for listings.
   */
  repairIndex(tenantId: string): Promise<IndexRepairResult>;
}


export interface DeviceRepositoryOptions {
  /** Buckets per tenant, 16..256 (default 64). Fixed for the life of a deployment. */
  bucketCount?: number;
  /** Requests in flight in getMany and markRemoved's fallback (default 32). */
  readConcurrency?: number;
  /**
   * How getMany reads: 'point' (one GET per device, the default) or 'query' (per bucket
   * partition, up to 14 RowKeys per filter). Kept switchable for the comparison test.
   */
  getManyStrategy?: 'point' | 'query';
  /** Batch writer settings (transactions in flight default 4, retries). */
  batch?: BatchOptions;
  log?: Logger;
  /** Receives the stats of every write (cumulative counters for runs and benchmarks). */
  onWrite?: (stats: WriteStats) => void;
  /** Receives how many device entities each read returned (the bench's "device entities read"). */
  onRead?: (entities: number) => void;
}

export function createDeviceRepository(client: TableClient, o: DeviceRepositoryOptions = {}): DeviceRepository {
  const buckets = checkBucketCount(o.bucketCount ?? DEFAULT_BUCKETS);
  const readConcurrency = o.readConcurrency ?? 32;
  const log = o.log ?? silentLogger;
  const batch: BatchOptions = { log, ...o.batch };

  const partitionOf = (tenant: string, guidKey: string) => `${tenant}-${bucketOf(guidKey, buckets)}`;

  function toEntity(r: DeviceRecord): TableEntity {
    const tenant = tenantKey(r.tenantId);
    const rowKey = deviceKey(r.deviceGuid);
    return { partitionKey: partitionOf(tenant, rowKey), rowKey, ...deviceProperties(r) };
  }

  /**
   * Every entity of the tenant, one bucket partition after the other. In Azure an
   * equality query on PartitionKey is the cheapest query there is. Azurite scans and
   * sorts the whole table for every page, so one range query over all buckets gets slow
   * with size: for 100,000 devices 64 partition queries took 6.3 s where one range query
   * took 26 s (at 10,000: 0.5 s vs 0.3 s); test/integration/storage-compare.test.ts.
   */
  async function* tenantEntities(tenant: string, operation: string, removed: boolean | undefined, select?: string[]) {
    for (let b = 0; b < buckets; b++) {
      const pk = `${tenant}-${b.toString(16).padStart(2, '0')}`;
      const filter = odata`PartitionKey eq ${pk}` + ` and ${DEVICE_ROWS}` + (removed === undefined ? '' : ` and removed eq ${removed ? 'true' : 'false'}`);
      const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } }).byPage({ maxPageSize: 1000 });
      for (;;) {
        const page = await guard(operation, () => pages.next());
        if (page.done) break;
        o.onRead?.(page.value.length);
        yield page.value;
      }
    }
  }

  const index = createDeviceIndexStore(client, { buckets, readConcurrency, batch, log, onRead: o.onRead });

  const written = (s: WriteStats) => {
    o.onWrite?.(s);
    return s;
  };

  return {
    async get(tenantId, deviceGuid) {
      const tenant = tenantKey(tenantId);
      const rowKey = deviceKey(deviceGuid);
      return guard('read device', async () => {
        try {
          const entity = await client.getEntity(partitionOf(tenant, rowKey), rowKey);
          o.onRead?.(1);
          return recordFromEntity(entity);
        } catch (e) {
          if (statusOf(e) === 404) return null;
          throw e;
        }
      });
    },

    async *listAll(tenantId, opts = {}) {
      for await (const page of tenantEntities(tenantKey(tenantId), 'list devices', opts.includeRemoved ? undefined : false)) {
        for (const e of page) yield recordFromEntity(e);
      }
    },

    /**
     * Point reads at bounded concurrency by default. A point read is Azure's cheapest
     * operation, and per-partition queries are capped by Azure at 15 comparisons per
     * filter (14 guids), scan their partition, and on Azurite scan the whole table: for
     * a page of 1,000 among 100,000 stored devices point reads took 0.9-2.3 s and
     * queries 3.3-3.7 s; only on small tables (10,000) were queries faster (0.2-0.3 s vs
     * 0.4-0.8 s). Measured by test/integration/storage-compare.test.ts.
     */
    async getMany(tenantId, deviceGuids) {
      const tenant = tenantKey(tenantId);
      const keys = [...new Set(deviceGuids.map(deviceKey))];
      const found = new Map<string, DeviceRecord>();
      if ((o.getManyStrategy ?? 'point') === 'point') {
        await guard('read devices', () =>
          forEachConcurrent(keys, readConcurrency, async (rowKey) => {
            try {
              found.set(rowKey, recordFromEntity(await client.getEntity(partitionOf(tenant, rowKey), rowKey)));
            } catch (e) {
              if (statusOf(e) !== 404) throw e;
            }
          }),
        );
        o.onRead?.(found.size);
        return found;
      }
      // Azure allows at most 15 comparisons in a filter: one PartitionKey + 14 RowKeys.
      const byPartition = new Map<string, string[]>();
      for (const k of keys) {
        const pk = partitionOf(tenant, k);
        byPartition.set(pk, [...(byPartition.get(pk) ?? []), k]);
      }
      const queries: { pk: string; rows: string[] }[] = [];
      for (const [pk, rows] of byPartition) for (let i = 0; i < rows.length; i += 14) queries.push({ pk, rows: rows.slice(i, i + 14) });
      await guard('read devices', () =>
        forEachConcurrent(queries, readConcurrency, async ({ pk, rows }) => {
          const filter = `${odata`PartitionKey eq ${pk}`} and (${rows.map((r) => odata`RowKey eq ${r}`).join(' or ')})`;
          for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
            if (typeof e.rowKey === 'string') found.set(e.rowKey, recordFromEntity(e));
          }
        }),
      );
      o.onRead?.(found.size);
      return found;
    },

    async *listHashes(tenantId) {
      for await (const page of tenantEntities(tenantKey(tenantId), 'list device hashes', undefined, DEVICE_HASH_FIELDS)) {
        for (const e of page) yield hashFromEntity(e);
      }
    },

    async *listSelected(tenantId, fields, opts = {}) {
      const tenant = tenantKey(tenantId);
      const select = [...new Set<string>([...fields, 'removed'])];
      // Partitions side by side (Azure serves each on its own), their pages handed out as they come.
      const queue: Record<string, unknown>[][] = [];
      let wake: (() => void) | null = null;
      let failed: unknown = null;
      let running = buckets;
      const lanes = Math.min(8, buckets);
      let nextBucket = 0;
      const lane = async () => {
        while (nextBucket < buckets && !failed) {
          const pk = `${tenant}-${(nextBucket++).toString(16).padStart(2, '0')}`;
          const filter = odata`PartitionKey eq ${pk}` + ` and ${DEVICE_ROWS}` + (opts.includeRemoved ? '' : ' and removed eq false');
          try {
            for await (const page of client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } }).byPage({ maxPageSize: 1000 })) {
              o.onRead?.(page.length);
              queue.push(page);
              wake?.();
            }
          } catch (e) {
            failed ??= e;
          }
          running--;
          wake?.();
        }
      };
      const all = Promise.all(Array.from({ length: lanes }, lane));
      try {
        for (;;) {
          if (failed) await guard('list devices', () => Promise.reject(failed));
          const page = queue.shift();
          if (page) {
            for (const e of page) yield pickFromEntity(e, fields);
            continue;
          }
          if (running === 0) break;
          await new Promise<void>((r) => (wake = r));
          wake = null;
        }
      } finally {
        failed ??= new Error('listing stopped by its reader');
        await all;
      }
    },

    async upsertMany(records) {
      // Replace, not Merge: nulls are not stored, so a Merge would keep the old value
      // of a property that became null (a cleared wipe time, a removed user).
      // Each record with its index entries, one group: in one transaction, all or none.
      const writes: EntityWrite[] = records.flatMap((r) => {
        const entity = toEntity(r);
        return [{ op: 'upsert', mode: 'Replace', entity } as EntityWrite, ...indexWrites(entity.partitionKey, entity.rowKey, r)];
      });
      return written(await writeBatches(client, writes, batch));
    },

    async markRemoved(tenantId, deviceGuids, at) {
      const tenant = tenantKey(tenantId);
      if (Number.isNaN(Date.parse(at))) throw ValidationError.of('at', `must be an ISO 8601 time, got "${at}"`);
      // The record's flag and its `removed` index entry, one group (one transaction).
      const update = (rowKey: string): EntityWrite[] => {
        const partitionKey = partitionOf(tenant, rowKey);
        return [
          { op: 'update', mode: 'Merge', group: rowKey, entity: { partitionKey, rowKey, removed: true, removedAt: at } },
          { op: 'upsert', mode: 'Replace', group: rowKey, entity: { partitionKey, rowKey: indexRowKey('removed', rowKey) } },
        ];
      };
      const keys = [...new Set(deviceGuids.map(deviceKey))];
      try {
        // Merge with If-Match *: never creates a bare entity for an unknown guid.
        return written(await writeBatches(client, keys.flatMap(update), batch));
      } catch (e) {
        const storageCode = (e as { details?: { storageCode?: string } }).details?.storageCode;
        if (!/ResourceNotFound/.test(String(storageCode))) throw e;
        // One unknown guid fails its whole transaction. Rare (records are never
        // deleted), so fall back to single updates and skip the missing ones.
        log.warn('markRemoved: some devices do not exist; updating one by one', { tenant, devices: keys.length });
        const stats = emptyStats();
        await guard('mark devices removed', () =>
          forEachConcurrent(keys, readConcurrency, async (rowKey) => {
            try {
              const one = await writeBatches(client, update(rowKey), { ...batch, concurrency: 1 });
              addStats(stats, one);
            } catch (err) {
              if (!/ResourceNotFound/.test(String((err as { details?: { storageCode?: string } }).details?.storageCode))) throw err;
            }
          }),
        );
        return written(stats);
      }
    },

    async queryPage(tenantId, q) {
      const tenant = tenantKey(tenantId);
      const useIndex = q.index !== undefined && q.index !== null && (await index.ready(tenant));
      return queryDevicePage(client, tenant, buckets, o.onRead, q, useIndex ? { index: q.index!, concurrency: readConcurrency } : null);
    },

    repairIndex: (tenantId) => index.repair(tenantKey(tenantId)),

    async count(tenantId, opts = {}) {
      let n = 0;
      for await (const page of tenantEntities(tenantKey(tenantId), 'count devices', opts.includeRemoved ? undefined : false, ['removed'])) n += page.length;
      return n;
    },
  };
}
