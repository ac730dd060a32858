/** The inventory queries feature, composed from the runtime's device store. */
import type { Clock } from '../../clock';
import type { InventoryQuery } from '../../domain/inventory-query';
import { queryInventory, type InventoryPage, type InventoryReader } from './query';

export interface InventoryFeature {
  query(q: InventoryQuery, o: { top: number; continuation?: string }): Promise<InventoryPage>;
}

export function composeInventory(a: { tenantId: string; devices: InventoryReader; clock: Clock; staleAfterDays: number }): InventoryFeature {
  return { query: (q, o) => queryInventory(a, q, o) };
}
