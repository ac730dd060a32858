/** The record of one sync invocation: what it saw, changed and cost. */
export type SyncKind = 'full' | 'delta';
export type SyncOutcome = 'running' | 'succeeded' | 'failed' | 'partial' | 'skipped';

export interface SyncCounts {
  seen: number;
  new: number;
  changed: number;
  unchanged: number;
  removed: number;
  stale: number;
  outOfScope: number;
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
  /** The stored inventory when the run ended (partnerships kept, and marked removed). */
  inventory?: { active: number; removed: number };
}

export const emptyCounts = (): SyncCounts => ({ seen: 0, new: 0, changed: 0, unchanged: 0, removed: 0, stale: 0, outOfScope: 0 });
