/**
 * One page of a filtered device listing (DeviceRepository.queryPage): the bucket
 * partitions in order, each from the cursor's RowKey on. Scanning, Table Storage filters
 * the removed flag and the last-sync range and the caller's match the rest; through a
 * secondary index (device-index-store.ts), the index's entries are read in the same
 * order and each member's record is read and matched in full. Both orders are (bucket,
 * device key), so a continuation means the same in either.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { DeviceRecord } from '../domain/device';
import type { DeviceCursor, DeviceQueryPage } from '../app/inventory/query';
import { ValidationError } from '../errors';
import { guard, statusOf } from './errors';
import { recordFromEntity } from './device-entity';
import { DEVICE_ROWS, indexRangeFilter, parseIndexRowKey } from './device-index-store';

type PageResult = { records: DeviceRecord[]; next: DeviceCursor | null; entitiesRead: number };

/** Buckets whose first page of entries is asked for at once (most hold a few entries). */
const INDEX_WAVE = 8;

const partitionOf = (tenant: string, b: number) => `${tenant}-${b.toString(16).padStart(2, '0')}`;

export async function queryDevicePage(
  client: TableClient,
  tenant: string,
  buckets: number,
  onRead: ((n: number) => void) | undefined,
  q: DeviceQueryPage,
  index: { index: string; concurrency: number } | null = null,
): Promise<PageResult> {
  if (q.after && (!Number.isInteger(q.after.bucket) || q.after.bucket < 0 || q.after.bucket >= buckets)) throw ValidationError.of('continuation', 'points outside the inventory');
  return index ? indexPage(client, tenant, buckets, onRead, q, index) : scanPage(client, tenant, buckets, onRead, q);
}

async function scanPage(client: TableClient, tenant: string, buckets: number, onRead: ((n: number) => void) | undefined, q: DeviceQueryPage): Promise<PageResult> {
  const records: DeviceRecord[] = [];
  const positions: DeviceCursor[] = [];
  let read = 0;
  let cursor: DeviceCursor | null = q.after;
  for (let b = q.after?.bucket ?? 0; b < buckets; b++) {
    const pk = partitionOf(tenant, b);
    const after = cursor && cursor.bucket === b ? cursor.afterRowKey : null;
    let filter = odata`PartitionKey eq ${pk}` + ` and ${DEVICE_ROWS} and removed eq ${q.removed ? 'true' : 'false'}`;
    if (after !== null) filter += odata` and RowKey gt ${after}`;
    if (q.lastSuccessSyncBefore) filter += odata` and lastSuccessSync lt ${q.lastSuccessSyncBefore}`;
    if (q.lastSuccessSyncAfter) filter += odata` and lastSuccessSync gt ${q.lastSuccessSyncAfter}`;
    const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: 1000 });
    for (;;) {
      const page = await guard('query devices', () => pages.next());
      if (page.done) break;
      onRead?.(page.value.length);
      for (const e of page.value) {
        read++;
        cursor = { bucket: b, afterRowKey: String(e.rowKey) };
        const r = recordFromEntity(e);
        if (q.match(r)) {
          records.push(r);
          positions.push(cursor);
        }
        // One more than wanted tells that more remain; the next page starts after the last one given.
        if (records.length > q.want) {
          records.pop();
          positions.pop();
          return { records, next: positions[positions.length - 1] ?? q.after, entitiesRead: read };
        }
      }
      if (read >= q.maxEntities) return { records, next: cursor, entitiesRead: read };
    }
    cursor = { bucket: b + 1, afterRowKey: '' };
  }
  return { records, next: null, entitiesRead: read };
}

async function indexPage(
  client: TableClient,
  tenant: string,
  buckets: number,
  onRead: ((n: number) => void) | undefined,
  q: DeviceQueryPage,
  ix: { index: string; concurrency: number },
): Promise<PageResult> {
  const records: DeviceRecord[] = [];
  let read = 0;
  let last: DeviceCursor | null = q.after;
  // Entries asked per request: one more than wanted is enough unless some are stale.
  const pageSize = Math.min(1000, q.want + 1);
  const entryPages = (b: number) => {
    const after = q.after && q.after.bucket === b ? q.after.afterRowKey : null;
    return client.listEntities<Record<string, unknown>>({ queryOptions: { filter: indexRangeFilter(partitionOf(tenant, b), ix.index, after), select: ['RowKey'] } }).byPage({ maxPageSize: pageSize });
  };
  const start = q.after?.bucket ?? 0;
  for (let wave = start; wave < buckets; wave += INDEX_WAVE) {
    const inWave = Array.from({ length: Math.min(INDEX_WAVE, buckets - wave) }, (_, i) => wave + i);
    const iterators = inWave.map(entryPages);
    const firsts = await guard('query the device index', () => Promise.all(iterators.map((it) => it.next())));
    // Every page Table Storage returned counts, also those a short page never gets to.
    const counted = <P extends IteratorResult<unknown[]>>(page: P): P => {
      if (!page.done) {
        onRead?.(page.value.length);
        read += page.value.length;
      }
      return page;
    };
    firsts.forEach(counted);
    for (let i = 0; i < inWave.length; i++) {
      const b = inWave[i]!;
      const pk = partitionOf(tenant, b);
      for (let page = firsts[i]!; !page.done; page = counted(await guard('query the device index', () => iterators[i]!.next()))) {
        const keys = page.value.map((e) => parseIndexRowKey(String(e.rowKey))?.deviceKey).filter((k): k is string => k !== undefined);
        // Members read side by side, then taken in key order.
        const got = new Array<DeviceRecord | null>(keys.length).fill(null);
        let next = 0;
        await guard('read indexed devices', () =>
          Promise.all(
            Array.from({ length: Math.min(ix.concurrency, keys.length) }, async () => {
              while (next < keys.length) {
                const at = next++;
                try {
                  got[at] = recordFromEntity(await client.getEntity<Record<string, unknown>>(pk, keys[at]!));
                } catch (e) {
                  if (statusOf(e) !== 404) throw e; // an entry without a record: skipped
                }
              }
            }),
          ),
        );
        const found = got.filter((r) => r !== null).length;
        onRead?.(found);
        read += found;
        for (let k = 0; k < keys.length; k++) {
          const r = got[k];
          if (r && q.match(r)) {
            if (records.length === q.want) return { records, next: last, entitiesRead: read };
            records.push(r);
          }
          last = { bucket: b, afterRowKey: keys[k]! };
        }
        if (read >= q.maxEntities) return { records, next: last, entitiesRead: read };
      }
      last = { bucket: b + 1, afterRowKey: '' };
    }
  }
  return { records, next: null, entitiesRead: read };
}
