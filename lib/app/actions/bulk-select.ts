/**
 * What a bulk action chooses: devices named by guid, or the inventory's filters (stale,
 * device type, OS, ActiveSync version, a collection's filter...). A dry run answers
 * exactly this selection, so the real run touches what the administrator saw.
 */
import { ValidationError } from '../../errors';
import type { InventoryQuery } from '../../domain/inventory-query';
import type { ActionDeps, BulkDevice } from './ports';
import type { DeviceResult } from './bulk-ports';

export type BulkKind = 'block' | 'allow' | 'remove' | 'wipe';

/**
 * The inventory's filters (lib/domain/inventory-query.ts, the same as GET /api/devices and
 * the collections), without `removed`: a bulk acts on partnerships Exchange still has.
 */
export type BulkFilter = Omit<InventoryQuery, 'removed'>;

/** The most devices one request may name or select. */
export const MAX_BULK_DEVICES = 10_000;

/**
 * From this many named devices the tenant's records are read as one projection of the
 * table (64 partition queries, a few fields each) instead of one point read per device.
 * A point read is Azure's cheapest operation, but 10,000 of them are 10,000 requests: on
 * Azurite 2.3 ms each (the bench's dry run of 10,000 named devices among 100,000 took
 * 22.9 s), where the projection of all 100,000 reads about 100 pages. Below this the
 * point reads win everywhere.
 */
export const NAMED_SCAN_FROM = 2_000;

/** The devices a bulk acts on, in the order named (or the inventory's); what it cannot act on goes into `skipped`. */
export async function selectDevices(deps: ActionDeps, r: { devices?: string[]; filter?: BulkFilter }, skipped: DeviceResult[]): Promise<BulkDevice[]> {
  if (r.devices) {
    const wanted = [...new Set(r.devices.map((g) => g.toLowerCase()))];
    let found: Map<string, BulkDevice>;
    if (wanted.length >= NAMED_SCAN_FROM) {
      const want = new Set(wanted);
      found = new Map();
      for await (const d of deps.inventory.listForBulk(deps.tenantId, { includeRemoved: true })) if (want.has(d.deviceGuid.toLowerCase())) found.set(d.deviceGuid.toLowerCase(), d);
    } else found = await deps.inventory.getMany(deps.tenantId, wanted);
    const out: BulkDevice[] = [];
    for (const g of wanted) {
      const d = found.get(g);
      if (!d) skipped.push({ deviceGuid: g, result: 'skipped', why: 'not in the inventory' });
      else if (d.removed) skipped.push({ deviceGuid: g, result: 'skipped', why: 'removed from Exchange already' });
      else out.push(d);
    }
    return out;
  }
  const out: BulkDevice[] = [];
  for await (const d of deps.inventory.selectForBulk(deps.tenantId, { ...r.filter, removed: false })) {
    out.push(d);
    if (out.length > MAX_BULK_DEVICES) throw ValidationError.of('filter', `selects more than ${MAX_BULK_DEVICES} devices; narrow it`);
  }
  return out;
}
