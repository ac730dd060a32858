/**
 * The audit query's continuation token: base64url JSON of where the last page ended and a
 * hash binding it to the tenant and the query (time range and filters), so a token is
 * only good for the query it came from. The tenant is never read from the token (it is
 * the connector's own), and the cursor's month and RowKey are checked by the storage
 * query against the query's range, so an edited token can neither leave the range nor
 * reach another tenant's partitions; the hash makes an edit a 400 instead of a silently
 * different page. `$top` is not bound: a caller may change the page size between pages.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors';
import type { AuditCursor } from '../../storage/audit-repository';

/** What a token is bound to: the tenant and every filter of the query. */
export interface BoundQuery {
  tenantId: string;
  from: string;
  to: string;
  device?: string;
  actor?: string;
  action?: string;
}

const VERSION = 1;
const refused = () => ValidationError.of('query.continuation', 'is not a continuation token of this query (take nextLink of the previous page as it is)');

function bindingOf(q: BoundQuery, c: AuditCursor): string {
  const fields = [VERSION, q.tenantId.toLowerCase(), q.from, q.to, q.device?.toLowerCase() ?? null, q.actor ?? null, q.action ?? null, c.month, c.afterRowKey];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 32);
}

export function encodeContinuation(q: BoundQuery, c: AuditCursor): string {
  return Buffer.from(JSON.stringify({ v: VERSION, m: c.month, k: c.afterRowKey, h: bindingOf(q, c) })).toString('base64url');
}

export function decodeContinuation(q: BoundQuery, token: string): AuditCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  const t = parsed as { v?: unknown; m?: unknown; k?: unknown; h?: unknown } | null;
  if (!t || typeof t !== 'object' || t.v !== VERSION || typeof t.m !== 'string' || typeof t.k !== 'string' || typeof t.h !== 'string') throw refused();
  const cursor = { month: t.m, afterRowKey: t.k };
  if (t.h !== bindingOf(q, cursor)) throw refused();
  return cursor;
}
