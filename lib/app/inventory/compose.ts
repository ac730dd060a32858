/** The inventory queries feature, composed from the runtime's device store. */
import type { Clock } from '../../clock';
import type { DeviceRecord } from '../../domain/device';
import type { InventoryQuery } from '../../domain/inventory-query';
import { recordFromEntity } from '../../storage/device-entity';
import { allMatching, deviceView, queryInventory, type InventoryPage, type InventoryReader } from './query';
import { querySorted, type SortedInventoryReader, type SortOrder } from './sorted';

export interface InventoryFeature {
  /** One page, in key order, or by `orderBy` (sorted.ts: each page reads the selection). */
  query(q: InventoryQuery, o: { top: number; continuation?: string; orderBy?: SortOrder }): Promise<InventoryPage>;
  /** Every matching device, page after page (never all in memory): the CSV export. */
  all(q: InventoryQuery): AsyncIterable<DeviceRecord>;
  /** Every matching device as the API answers it (the CSV rows). */
  views(q: InventoryQuery): AsyncIterable<Record<string, unknown>>;
  /** The answered fields in their JSON order: the CSV's columns. */
  columns: readonly string[];
}

export function composeInventory(a: { tenantId: string; devices: InventoryReader & SortedInventoryReader; clock: Clock; staleAfterDays: number }): InventoryFeature {
  const all = (q: InventoryQuery) => allMatching(a, q);
  return {
    query: (q, o) => (o.orderBy ? querySorted(a, q, o.orderBy, o) : queryInventory(a, q, o)),
    all,
    async *views(q) {
      for await (const d of all(q)) yield deviceView(d) as Record<string, unknown>;
    },
    columns: Object.keys(deviceView(recordFromEntity({}))),
  };
}
