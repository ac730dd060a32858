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
