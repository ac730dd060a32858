/**
 * GET /api/devices?$orderby=<field> [asc|desc]: the selection in another order than the
 * table's keys. Table Storage sorts by key only, so each page reads the selection (through
 * its secondary index when the filters have one, else a projection of the fields the
 * filters and the sort need, the bucket partitions side by side), keeps the best `$top`
 * after the continuation's position in a bounded buffer (never the whole selection), and
 * reads those records in full. Keyset paging: the continuation is the last (value, device
 * key) given, bound to the query and the sort; ties go in device key order, unknown values
 * (an Outlook device's sync time) come last in either direction. A device whose sort value
 * changes between pages (a sync beside it) can move past the position or behind it; the
 * key-order listing (no $orderby) is the one that gives each device exactly once then.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors';
import type { DeviceRecord } from '../../domain/device';
import { indexForQuery } from '../../domain/device-index';
import { MATCH_FIELDS, matchesQuery, type InventoryQuery } from '../../domain/inventory-query';
import { queryInventory, type InventoryPage, type InventoryQueryDeps } from './query';

export const SORT_FIELDS = ['name', 'userUpn', 'deviceType', 'deviceModel', 'deviceOs', 'lastSuccessSync', 'lastSyncAttemptTime', 'firstSyncTime'] as const satisfies readonly (keyof DeviceRecord)[];
export type SortField = (typeof SORT_FIELDS)[number];
export interface SortOrder {
  field: SortField;
  desc: boolean;
}

/** Times are stored as ISO strings of one form and compare as text; the rest ignores case, as the filters do. */
const TIMES: ReadonlySet<SortField> = new Set(['lastSuccessSync', 'lastSyncAttemptTime', 'firstSyncTime']);

/** `lastSuccessSync desc` -> the order; a ValidationError naming `query.$orderby` otherwise. */
export function parseOrderBy(text: string): SortOrder {
  const m = /^([A-Za-z]+)(?:\s+(asc|desc))?$/i.exec(text.trim());
  const field = SORT_FIELDS.find((f) => f.toLowerCase() === m?.[1]?.toLowerCase());
  if (!m || !field) throw ValidationError.of('query.$orderby', `must be one of ${SORT_FIELDS.join(', ')}, optionally followed by asc or desc, got "${text}"`);
  return { field, desc: m[2]?.toLowerCase() === 'desc' };
}

type Position = { v: string | null; k: string };

const valueOf = (d: Pick<DeviceRecord, SortField>, s: SortOrder): string | null => {
  const v = d[s.field];
  if (v === null || v === undefined || v === '') return null;
  return TIMES.has(s.field) ? v : v.toLowerCase();
};

/** Negative when a comes first. */
function compare(a: Position, b: Position, s: SortOrder): number {
  if (a.v !== b.v) {
    if (a.v === null) return 1;
    if (b.v === null) return -1;
    const c = a.v < b.v ? -1 : 1;
    return s.desc ? -c : c;
  }
  return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
}

const VERSION = 1;
const refused = () => ValidationError.of('query.continuation', 'is not a continuation token of this query and order (take nextLink of the previous page as it is)');

function binding(tenantId: string, q: InventoryQuery, s: SortOrder, p: Position): string {
  const filters = Object.entries(q).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(['sorted', VERSION, tenantId.toLowerCase(), filters, s.field, s.desc, p.v, p.k])).digest('base64url').slice(0, 32);
}

function encode(tenantId: string, q: InventoryQuery, s: SortOrder, p: Position): string {
  return Buffer.from(JSON.stringify({ v: VERSION, s: `${s.field} ${s.desc ? 'desc' : 'asc'}`, p: [p.v, p.k], h: binding(tenantId, q, s, p) })).toString('base64url');
}

function decode(tenantId: string, q: InventoryQuery, s: SortOrder, token: string): Position {
  let t: { v?: unknown; p?: unknown; h?: unknown } | null;
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
  } catch {
    throw refused();
  }
  if (!t || typeof t !== 'object' || t.v !== VERSION || !Array.isArray(t.p) || t.p.length !== 2 || typeof t.h !== 'string') throw refused();
  const [v, k] = t.p as unknown[];
  if ((v !== null && typeof v !== 'string') || typeof k !== 'string') throw refused();
  const p = { v, k };
  if (t.h !== binding(tenantId, q, s, p)) throw refused();
  return p;
}

/** The store's part in a sorted listing: the key-order pages (index-served), a projection, and point reads. */
export interface SortedInventoryReader {
  listSelected<K extends keyof DeviceRecord>(tenantId: string, fields: readonly K[], o?: { includeRemoved?: boolean }): AsyncIterable<Pick<DeviceRecord, K>>;
  getMany(tenantId: string, deviceGuids: readonly string[]): Promise<Map<string, DeviceRecord>>;
}

/** The best `want` candidates seen so far, in order; trimmed as it grows, never holding the selection. */
class Best<T extends { p: Position }> {
  private items: T[] = [];
  constructor(
    private readonly want: number,
    private readonly s: SortOrder,
  ) {}
  add(x: T): void {
    this.items.push(x);
    if (this.items.length >= 4 * this.want + 1000) this.trim();
  }
  trim(): T[] {
    this.items.sort((a, b) => compare(a.p, b.p, this.s));
    this.items.length = Math.min(this.items.length, this.want);
    return this.items;
  }
}

export async function querySorted(deps: InventoryQueryDeps & { devices: InventoryQueryDeps['devices'] & SortedInventoryReader }, q: InventoryQuery, s: SortOrder, o: { top: number; continuation?: string }): Promise<InventoryPage> {
  // The token is checked before anything is read.
  const after = o.continuation ? decode(deps.tenantId, q, s, o.continuation) : null;
  const now = new Date(deps.clock.now());
  const beyond = (p: Position) => !after || compare(p, after, s) > 0;
  let read = 0;
  let page: DeviceRecord[];
  let more: boolean;
  let lastP: Position | undefined;
  if (indexForQuery(q)) {
    // The members through the index, in key order, whole records.
    const best = new Best<{ p: Position; r: DeviceRecord }>(o.top + 1, s);
    let token: string | undefined;
    do {
      const part = await queryInventory(deps, q, { top: 1000, continuation: token });
      read += part.entitiesRead;
      for (const r of part.devices) {
        const p = { v: valueOf(r, s), k: r.deviceGuid.toLowerCase() };
        if (beyond(p)) best.add({ p, r });
      }
      token = part.continuation;
    } while (token);
    const top = best.trim();
    more = top.length > o.top;
    page = top.slice(0, o.top).map((x) => x.r);
    lastP = top[Math.min(o.top, top.length) - 1]?.p;
  } else {
    const fields = [...new Set<keyof DeviceRecord>([...MATCH_FIELDS, 'deviceGuid', s.field])];
    const best = new Best<{ p: Position; guid: string }>(o.top + 1, s);
    for await (const d of deps.devices.listSelected(deps.tenantId, fields, { includeRemoved: q.removed === true })) {
      read++;
      if (!matchesQuery(d, q, now, deps.staleAfterDays)) continue;
      const p = { v: valueOf(d, s), k: d.deviceGuid.toLowerCase() };
      if (beyond(p)) best.add({ p, guid: d.deviceGuid });
    }
    const top = best.trim();
    more = top.length > o.top;
    const chosen = top.slice(0, o.top);
    lastP = chosen[chosen.length - 1]?.p;
    const records = await deps.devices.getMany(deps.tenantId, chosen.map((x) => x.guid));
    read += records.size;
    // A record changed since the projection is given as it is now if it still matches.
    page = chosen.map((x) => records.get(x.guid.toLowerCase())).filter((r): r is DeviceRecord => !!r && matchesQuery(r, q, now, deps.staleAfterDays));
  }
  // The position is the last chosen, also when its record changed and was left out.
  return { devices: page, entitiesRead: read, ...(more && lastP ? { continuation: encode(deps.tenantId, q, s, lastP) } : {}) };
}
