/** The record of one sync invocation: what it saw, changed and cost. */
export type SyncKind = 'full' | 'delta';
/** `abandoned`: recorded as running, but its lease ended without a finish (killed, or storage lost). */
export type SyncOutcome = 'running' | 'succeeded' | 'failed' | 'partial' | 'skipped' | 'abandoned';

export interface SyncCounts {
  seen: number;
  new: number;
  changed: number;
  unchanged: number;
  removed: number;
  stale: number;
  outOfScope: number;
  /** Partnerships stored without statistics because their mailbox's statistics failed. */
  statisticsUnavailable: number;
}

/** How many mailboxes gave no statistics in a run, and the first few with the reason. */
export interface MailboxesWithoutStatistics {
  count: number;
  first: { mailbox: string; reason: string }[];
}

export interface SyncRun {
  tenantId: string;
  runId: string;
  kind: SyncKind;
  startedAt: string;
  endedAt: string | null;
  outcome: SyncOutcome;
  counts: SyncCounts;
  /** Exchange calls by cmdlet (invocations; pages are counted in `pages`). */
  callsByCmdlet: Record<string, number>;
  retries: number;
  throttled: number;
  /** Exchange result pages read. */
  pages: number;
  /** Table transactions and entities written for devices. */
  transactions: number;
  entitiesWritten: number;
  error?: string;
  /** When the checkpoint this run continued from was saved. */
  resumedFrom?: string;
  /** Invocations this run took so far (a full sync cut short is continued); absent means 1. */
  invocations?: number;
  /** Time spent syncing over all invocations, ms (endedAt - startedAt also counts the gaps between them). */
  activeMs?: number;
  /** The connector instance that ran it. */
  instance: string;
  /** Mailboxes whose statistics failed (their partnerships were stored from the listing); absent when none. */
  mailboxesWithoutStatistics?: MailboxesWithoutStatistics;
  /** The stored inventory when the run ended (partnerships kept, and marked removed). */
  inventory?: { active: number; removed: number };
}

export const emptyCounts = (): SyncCounts => ({ seen: 0, new: 0, changed: 0, unchanged: 0, removed: 0, stale: 0, outOfScope: 0, statisticsUnavailable: 0 });

/** Who holds the tenant sync lease, as stored. */
export interface LeaseHolder {
  owner: string;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
  /** The holder's TTL: it renews every ttlMs/3. */
  ttlMs?: number;
}

/**
 * A run recorded as `running` is only running while its instance holds a live lease; a
 * kill or a storage outage leaves the record behind, and it is shown as `abandoned`.
 */
export function withAbandoned(run: SyncRun, lease: LeaseHolder | null, now: Date): SyncRun {
  if (run.outcome !== 'running') return run;
  const held = lease !== null && lease.owner === run.instance && Date.parse(lease.expiresAt) > now.getTime();
  return held ? run : { ...run, outcome: 'abandoned' };
}

/** What earlier invocations of a full sync did, carried in its checkpoint so the run record adds up. */
export interface RunTotals {
  counts: SyncCounts;
  callsByCmdlet: Record<string, number>;
  retries: number;
  throttled: number;
  pages: number;
  transactions: number;
  entitiesWritten: number;
  activeMs: number;
  invocations: number;
}

/**
 * Earlier invocations' totals plus this one's. Every invocation lists from the start, so
 * `seen` and `outOfScope` are the latest invocation's; the rest count each partnership in
 * the invocation that processed it, and add up.
 */
export function addTotals(before: RunTotals | undefined, now: RunTotals): RunTotals {
  if (!before) return now;
  const counts = { ...now.counts };
  for (const k of Object.keys(counts) as (keyof SyncCounts)[]) if (k !== 'seen' && k !== 'outOfScope') counts[k] += before.counts[k] ?? 0;
  const callsByCmdlet = { ...before.callsByCmdlet };
  for (const [k, v] of Object.entries(now.callsByCmdlet)) callsByCmdlet[k] = (callsByCmdlet[k] ?? 0) + v;
  return {
    counts,
    callsByCmdlet,
    retries: before.retries + now.retries,
    throttled: before.throttled + now.throttled,
    pages: before.pages + now.pages,
    transactions: before.transactions + now.transactions,
    entitiesWritten: before.entitiesWritten + now.entitiesWritten,
    activeMs: before.activeMs + now.activeMs,
    invocations: before.invocations + now.invocations,
  };
}
