/**
 * Reading the audit trail: a time range (the last 30 days unless given, at most 13
 * months, so a query reads at most 14 month partitions), optional filters, newest first,
 * a page at a time. The next page's query carries the resolved range, so a default range
 * does not move between pages.
 */
import type { Clock } from '../../clock';
import { ValidationError } from '../../errors';
import type { AuditRepository, StoredAuditEntry } from '../../storage/audit-repository';
import { decodeContinuation, encodeContinuation, type BoundQuery } from './continuation';

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_MONTHS = 13;

export interface AuditQueryInput {
  /** ISO 8601, inclusive. */
  from?: string;
  to?: string;
  /** A device guid: entries whose target is it. */
  device?: string;
  /** The caller id as audited (exact). */
  actor?: string;
  /** A prefix of the action, e.g. `wipe.`. */
  action?: string;
  top: number;
  continuation?: string;
}

/** The query of the next page, resolved (explicit range, continuation token). */
export type NextAuditQuery = Required<Pick<AuditQueryInput, 'from' | 'to' | 'top' | 'continuation'>> & Pick<AuditQueryInput, 'device' | 'actor' | 'action'>;

export interface AuditPageView {
  entries: StoredAuditEntry[];
  next?: NextAuditQuery;
}

export interface AuditQueryDeps {
  tenantId: string;
  audit: Pick<AuditRepository, 'query'>;
  clock: Pick<Clock, 'now'>;
}

const monthsBefore = (ms: number, months: number) => {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
};

/** The range asked for, or its defaults: `to` now, `from` 30 days before `to`. */
function rangeOf(q: AuditQueryInput, now: number): { from: string; to: string } {
  const toMs = q.to !== undefined ? Date.parse(q.to) : now;
  const fromMs = q.from !== undefined ? Date.parse(q.from) : toMs - DEFAULT_RANGE_DAYS * 86_400_000;
  if (!(toMs > fromMs)) throw ValidationError.of('query.to', `must be after from (${new Date(fromMs).toISOString()})`);
  if (fromMs < monthsBefore(toMs, MAX_RANGE_MONTHS)) throw ValidationError.of('query.from', `must be at most ${MAX_RANGE_MONTHS} months before to (${new Date(toMs).toISOString()})`);
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

export async function queryAudit(deps: AuditQueryDeps, q: AuditQueryInput): Promise<AuditPageView> {
  const range = rangeOf(q, deps.clock.now());
  const bound: BoundQuery = { tenantId: deps.tenantId, ...range, device: q.device, actor: q.actor, action: q.action };
  const after = q.continuation !== undefined ? decodeContinuation(bound, q.continuation) : undefined;
  // A device guid is audited as Exchange spells it (lower case); the other spellings cost nothing to match too.
  const targets = q.device !== undefined ? [...new Set([q.device, q.device.toLowerCase(), q.device.toUpperCase()])] : undefined;
  const page = await deps.audit.query(deps.tenantId, { ...range, after, targets, actor: q.actor, actionPrefix: q.action }, q.top);
  if (!page.next) return { entries: page.entries };
  const filters = { device: q.device, actor: q.actor, action: q.action };
  return { entries: page.entries, next: { ...range, ...filters, top: q.top, continuation: encodeContinuation(bound, page.next) } };
}
