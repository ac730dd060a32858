/**
 * The append-only audit trail in the `audit` table: PartitionKey `<tenant>-<yyyymm>` (a
 * month per partition keeps partitions bounded and lets old months be dropped whole),
 * RowKey = inverted time + id, so a month lists newest first.
 */
import { randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import { ValidationError } from '../errors';
import { guard } from './errors';
import { invertedTime, tenantKey } from './keys';
import type { AuditEntry } from '../domain/audit';

export type { AuditEntry } from '../domain/audit';

export interface StoredAuditEntry extends AuditEntry {
  id: string;
}

export interface AuditRepository {
  /** Inserts only; an entry is never changed afterwards. */
  append(entry: AuditEntry): Promise<StoredAuditEntry>;
  /** Inserts many, 100 to a transaction of one month's partition (a bulk's per-device entries). */
  appendMany(entries: readonly AuditEntry[]): Promise<void>;
  /** One month (`YYYY-MM` or `YYYYMM`), newest first, at most `limit` (default 1,000). */
  list(tenantId: string, month: string, o?: { limit?: number }): Promise<StoredAuditEntry[]>;
  /** Entries from `from` to `to` (both inclusive), newest first across months, at most `limit` (1..1,000). */
  query(tenantId: string, q: AuditQuery, limit: number): Promise<AuditPage>;
}

/** Where a page ended: a month partition and the last RowKey read in it. */
export interface AuditCursor {
  month: string;
  afterRowKey: string;
}

export interface AuditQuery {
  /** ISO 8601 times; `to` not before `from`. */
  from: string;
  to: string;
  /** Resume after this cursor (of the same query's previous page). */
  after?: AuditCursor;
  /** Entries whose target is one of these (exact). */
  targets?: string[];
  /** Entries of this actor (exact). */
  actor?: string;
  /** Entries whose action starts with this. */
  actionPrefix?: string;
}

export interface AuditPage {
  entries: StoredAuditEntry[];
  /** Set when entries remain after this page. */
  next?: AuditCursor;
}

/** Details beyond this are cut to a preview: an audit write must not fail on size. */
const MAX_DETAILS_CHARS = 30_000;

function monthOf(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw ValidationError.of('at', `must be an ISO 8601 time, got "${at}"`);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function normalizeMonth(month: string): string {
  const m = /^(\d{4})-?(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw ValidationError.of('month', `must be YYYY-MM, got "${month}"`);
  return `${m[1]}${m[2]}`;
}

/** The month partitions from `to` back to `from` (newest first), `YYYYMM`. */
function monthsBetween(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  const d = new Date(toMs);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth();
  const first = new Date(fromMs);
  const stop = first.getUTCFullYear() * 12 + first.getUTCMonth();
  while (y * 12 + m >= stop) {
    out.push(`${y}${String(m + 1).padStart(2, '0')}`);
    if (--m < 0) [y, m] = [y - 1, 11];
  }
  return out;
}

const ROW_KEY = /^\d{13}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The filter of one month partition: the RowKey range of the time range (and cursor), then the other fields. */
function monthFilter(pk: string, q: AuditQuery, after: string | undefined): string {
  // RowKey = inverted time + '-' + id: `to` gives the lower bound; '.' sorts just after '-',
  // so `<inverted from>.` is above every entry of the `from` millisecond.
  const parts = [odata`PartitionKey eq ${pk}`, odata`RowKey ge ${invertedTime(q.to, 'to')}`, odata`RowKey lt ${`${invertedTime(q.from, 'from')}.`}`];
  if (after) parts.push(odata`RowKey gt ${after}`);
  if (q.targets?.length) parts.push(`(${q.targets.map((t) => odata`target eq ${t}`).join(' or ')})`);
  if (q.actor !== undefined) parts.push(odata`actor eq ${q.actor}`);
  if (q.actionPrefix) {
    // Table storage has no startswith: a prefix is the range [prefix, prefix with its last character + 1).
    const p = q.actionPrefix;
    const end = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
    parts.push(odata`action ge ${p}`, odata`action lt ${end}`);
  }
  return parts.join(' and ');
}

function entryOf(e: Record<string, unknown>): StoredAuditEntry {
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(String(e.details ?? '{}')) as Record<string, unknown>;
  } catch {
    details = { unreadable: String(e.details) };
  }
  return {
    id: String(e.id ?? ''),
    tenantId: String(e.tenantId ?? ''),
    at: String(e.at ?? ''),
    actor: String(e.actor ?? ''),
    action: String(e.action ?? ''),
    target: String(e.target ?? ''),
    outcome: String(e.outcome ?? ''),
    details,
  };
}

function detailsJson(details: Record<string, unknown>): string {
  const json = JSON.stringify(details ?? {});
  if (json.length <= MAX_DETAILS_CHARS) return json;
  return JSON.stringify({ truncated: true, length: json.length, preview: json.slice(0, 2_000) });
}

function toEntity(entry: AuditEntry, id: string): TableEntity {
  return {
    partitionKey: `${tenantKey(entry.tenantId)}-${monthOf(entry.at)}`,
    rowKey: `${invertedTime(entry.at)}-${id}`,
    id,
    tenantId: entry.tenantId,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    outcome: entry.outcome,
    details: detailsJson(entry.details),
  };
}

export function createAuditRepository(client: TableClient): AuditRepository {
  return {
    async append(entry) {
      const id = randomUUID();
      // createEntity, not upsert: the random id makes a collision impossible, and an
      // insert can never overwrite an existing entry.
      await guard('append audit entry', () => client.createEntity(toEntity(entry, id)));
      return { ...entry, id };
    },

    async appendMany(entries) {
      const byPartition = new Map<string, TableEntity[]>();
      for (const e of entries) {
        const entity = toEntity(e, randomUUID());
        const group = byPartition.get(entity.partitionKey);
        if (group) group.push(entity);
        else byPartition.set(entity.partitionKey, [entity]);
      }
      for (const [, group] of byPartition) {
        for (let i = 0; i < group.length; i += 100) {
          const slice = group.slice(i, i + 100);
          // Inserts again: a transaction is all or nothing, and never overwrites an entry.
          await guard('append audit entries', () => client.submitTransaction(slice.map((x) => ['create', x] as const)));
        }
      }
    },

    async list(tenantId, month, o = {}) {
      const limit = o.limit ?? 1_000;
      if (!Number.isInteger(limit) || limit < 1) throw ValidationError.of('limit', `must be a positive whole number, got ${limit}`);
      const pk = `${tenantKey(tenantId)}-${normalizeMonth(month)}`;
      const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk}` } }).byPage({ maxPageSize: Math.min(limit, 1_000) });
      const out: StoredAuditEntry[] = [];
      while (out.length < limit) {
        const page = await guard('list audit entries', () => pages.next());
        if (page.done) break;
        for (const e of page.value) {
          if (out.length >= limit) break;
          out.push(entryOf(e));
        }
      }
      return out;
    },

    async query(tenantId, q, limit) {
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw ValidationError.of('limit', `must be a whole number from 1 to 1000, got ${limit}`);
      const fromMs = Date.parse(q.from);
      const toMs = Date.parse(q.to);
      if (!(fromMs <= toMs)) throw ValidationError.of('to', `must not be before from (${q.from}), got "${q.to}"`);
      const tenant = tenantKey(tenantId);
      const months = monthsBetween(fromMs, toMs);
      let start = 0;
      if (q.after) {
        start = months.indexOf(q.after.month);
        if (start < 0 || !ROW_KEY.test(q.after.afterRowKey)) throw ValidationError.of('continuation', 'does not belong to this time range');
      }
      // One more than asked: whether a next page exists is known without an empty last page.
      const found: { entry: StoredAuditEntry; month: string; rowKey: string }[] = [];
      for (let i = start; i < months.length && found.length <= limit; i++) {
        const month = months[i];
        const after = i === start ? q.after?.afterRowKey : undefined;
        const filter = monthFilter(`${tenant}-${month}`, q, after);
        const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limit + 1, 1_000) });
        while (found.length <= limit) {
          const page = await guard('query audit entries', () => pages.next());
          if (page.done) break;
          for (const e of page.value) {
            if (found.length > limit) break;
            found.push({ entry: entryOf(e), month, rowKey: String(e.rowKey) });
          }
        }
      }
      if (found.length <= limit) return { entries: found.map((f) => f.entry) };
      const last = found[limit - 1];
      return { entries: found.slice(0, limit).map((f) => f.entry), next: { month: last.month, afterRowKey: last.rowKey } };
    },
  };
}
