/**
 * GET /api/devices: the inventory, filtered, a page at a time in key order. The
 * continuation token is base64url JSON of where the page ended plus a hash binding it to
 * the tenant and every filter, so a token only continues the query it came from (an
 * edited one is a 400, not a silently different page). Key order means a device that
 * exists for the whole listing is returned exactly once, even while a sync rewrites
 * records beside it. A request reads at most MAX_ENTITIES_PER_PAGE entities: a rare
 * filter answers a short (even empty) page with a nextLink instead of scanning the table
 * in one request.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../clock';
import { ValidationError } from '../../errors';
import type { DeviceRecord } from '../../domain/device';
import { MATCH_FIELDS, matchesQuery, serverSideOf, type InventoryQuery } from '../../domain/inventory-query';
import { indexForQuery } from '../../domain/device-index';

/** Where a filtered listing goes on: the bucket and the last RowKey read in it. */
export interface DeviceCursor {
  bucket: number;
  afterRowKey: string;
}

export interface DeviceQueryPage {
  removed: boolean;
  /** ISO times; stored times are ISO strings of one form, so they compare as strings. */
  lastSuccessSyncBefore?: string;
  lastSuccessSyncAfter?: string;
  after: DeviceCursor | null;
  want: number;
  maxEntities: number;
  match(r: DeviceRecord): boolean;
  /**
   * A secondary index whose members include every match (lib/domain/device-index.ts):
   * the store reads its members instead of scanning, once the index is built.
   */
  index?: string | null;
}

/** The device store's part in a listing (lib/storage/device-repository.ts). */
export interface InventoryReader {
  queryPage(tenantId: string, q: DeviceQueryPage): Promise<{ records: DeviceRecord[]; next: DeviceCursor | null; entitiesRead: number }>;
}

/** Entities one page may read (a few table pages). */
export const MAX_ENTITIES_PER_PAGE = 5_000;

export interface InventoryPage {
  devices: DeviceRecord[];
  /** The continuation of the next page; absent on the last. */
  continuation?: string;
  entitiesRead: number;
}

export interface InventoryQueryDeps {
  tenantId: string;
  devices: InventoryReader;
  clock: Clock;
  staleAfterDays: number;
}

const VERSION = 1;
const refused = () => ValidationError.of('query.continuation', 'is not a continuation token of this query (take nextLink of the previous page as it is)');

function binding(tenantId: string, q: InventoryQuery, c: DeviceCursor): string {
  const filters = Object.entries(q).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify([VERSION, tenantId.toLowerCase(), filters, c.bucket, c.afterRowKey])).digest('base64url').slice(0, 32);
}

export function encodeCursor(tenantId: string, q: InventoryQuery, c: DeviceCursor): string {
  return Buffer.from(JSON.stringify({ v: VERSION, b: c.bucket, k: c.afterRowKey, h: binding(tenantId, q, c) })).toString('base64url');
}

export function decodeCursor(tenantId: string, q: InventoryQuery, token: string): DeviceCursor {
  let t: { v?: unknown; b?: unknown; k?: unknown; h?: unknown } | null;
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
  } catch {
    throw refused();
  }
  if (!t || typeof t !== 'object' || t.v !== VERSION || typeof t.b !== 'number' || typeof t.k !== 'string' || typeof t.h !== 'string') throw refused();
  const c = { bucket: t.b, afterRowKey: t.k };
  if (t.h !== binding(tenantId, q, c)) throw refused();
  return c;
}

export async function queryInventory(deps: InventoryQueryDeps, q: InventoryQuery, o: { top: number; continuation?: string }): Promise<InventoryPage> {
  // The token is checked before anything is read.
  const after = o.continuation ? decodeCursor(deps.tenantId, q, o.continuation) : null;
  const now = new Date(deps.clock.now());
  const page = await deps.devices.queryPage(deps.tenantId, {
    ...serverSideOf(q, now, deps.staleAfterDays),
    after,
    want: o.top,
    maxEntities: MAX_ENTITIES_PER_PAGE,
    match: (r) => matchesQuery(r, q, now, deps.staleAfterDays),
    index: indexForQuery(q),
  });
  return { devices: page.records, entitiesRead: page.entitiesRead, ...(page.next ? { continuation: encodeCursor(deps.tenantId, q, page.next) } : {}) };
}

/** Every matching device, page after page of queryInventory (never all in memory): the CSV export. */
export async function* allMatching(deps: InventoryQueryDeps, q: InventoryQuery): AsyncIterable<DeviceRecord> {
  let continuation: string | undefined;
  do {
    const page = await queryInventory(deps, q, { top: 1000, continuation });
    yield* page.devices;
    continuation = page.continuation;
  } while (continuation);
}

/** What a whole selection reads of the device store besides pages: a projection of the table. */
export interface SelectionReader extends InventoryReader {
  listSelected<K extends keyof DeviceRecord>(tenantId: string, fields: readonly K[], o?: { includeRemoved?: boolean }): AsyncIterable<Pick<DeviceRecord, K>>;
}

/**
 * Every matching device for a caller that takes the whole selection at once (a bulk action):
 * through the secondary index when the filters have one (a rare state: its members only),
 * else one projection of the table (`fields` and what matching reads), matched here.
 */
export async function* selectMatching<K extends keyof DeviceRecord>(deps: InventoryQueryDeps & { devices: SelectionReader }, q: InventoryQuery, fields: readonly K[]): AsyncIterable<Pick<DeviceRecord, K>> {
  if (indexForQuery(q)) {
    yield* allMatching(deps, q);
    return;
  }
  const now = new Date(deps.clock.now());
  const read = [...new Set<K | (typeof MATCH_FIELDS)[number]>([...fields, ...MATCH_FIELDS])];
  for await (const d of deps.devices.listSelected(deps.tenantId, read, { includeRemoved: q.removed ?? false })) if (matchesQuery(d, q, now, deps.staleAfterDays)) yield d;
}

/** A record as the API answers it: without the tenant (the connector's own) and the change-detection hashes. */
export function deviceView(d: DeviceRecord): Omit<DeviceRecord, 'tenantId' | 'contentHash' | 'listingHash'> {
  const { tenantId: _t, contentHash: _c, listingHash: _l, ...rest } = d;
  return rest;
}
