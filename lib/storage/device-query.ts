/**
 * One page of a filtered device listing (DeviceRepository.queryPage): the bucket
 * partitions in order, each from the cursor's RowKey on, Table Storage filtering the
 * removed flag and the last-sync range, the caller's match the rest.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { DeviceRecord } from '../domain/device';
import type { DeviceCursor, DeviceQueryPage } from '../app/inventory/query';
import { ValidationError } from '../errors';
import { guard } from './errors';
import { recordFromEntity } from './device-entity';

export async function queryDevicePage(client: TableClient, tenant: string, buckets: number, onRead: ((n: number) => void) | undefined, q: DeviceQueryPage): Promise<{ records: DeviceRecord[]; next: DeviceCursor | null; entitiesRead: number }> {
  const records: DeviceRecord[] = [];
  const positions: DeviceCursor[] = [];
  let read = 0;
  let cursor: DeviceCursor | null = q.after;
  if (q.after && (!Number.isInteger(q.after.bucket) || q.after.bucket < 0 || q.after.bucket >= buckets)) throw ValidationError.of('continuation', 'points outside the inventory');
  for (let b = q.after?.bucket ?? 0; b < buckets; b++) {
    const pk = `${tenant}-${b.toString(16).padStart(2, '0')}`;
    const after = cursor && cursor.bucket === b ? cursor.afterRowKey : null;
    let filter = odata`PartitionKey eq ${pk}` + ` and removed eq ${q.removed ? 'true' : 'false'}`;
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
