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
  /** One month (`YYYY-MM` or `YYYYMM`), newest first, at most `limit` (default 1,000). */
  list(tenantId: string, month: string, o?: { limit?: number }): Promise<StoredAuditEntry[]>;
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

function detailsJson(details: Record<string, unknown>): string {
  const json = JSON.stringify(details ?? {});
  if (json.length <= MAX_DETAILS_CHARS) return json;
  return JSON.stringify({ truncated: true, length: json.length, preview: json.slice(0, 2_000) });
}

export function createAuditRepository(client: TableClient): AuditRepository {
  return {
    async append(entry) {
      const tenant = tenantKey(entry.tenantId);
      const id = randomUUID();
      const entity: TableEntity = {
        partitionKey: `${tenant}-${monthOf(entry.at)}`,
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
      // createEntity, not upsert: the random id makes a collision impossible, and an
      // insert can never overwrite an existing entry.
      await guard('append audit entry', () => client.createEntity(entity));
      return { ...entry, id };
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
          let details: Record<string, unknown> = {};
          try {
            details = JSON.parse(String(e.details ?? '{}')) as Record<string, unknown>;
          } catch {
            details = { unreadable: String(e.details) };
          }
          out.push({
            id: String(e.id ?? ''),
            tenantId: String(e.tenantId ?? ''),
            at: String(e.at ?? ''),
            actor: String(e.actor ?? ''),
            action: String(e.action ?? ''),
            target: String(e.target ?? ''),
            outcome: String(e.outcome ?? ''),
            details,
          });
        }
      }
      return out;
    },
  };
}
