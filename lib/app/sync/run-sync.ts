/**
 * What the timers, the HTTP trigger and the CLI show of a sync: progress on long runs
 * and a summary for people (runs themselves: the sync feature, compose.ts).
 */
import type { Logger } from '../../log';
import type { SyncRun } from '../../domain/sync-run';
import type { SyncProgress } from './ports';

export type { RunSyncOptions } from './compose';

/** Logs progress every `everyMs` (long syncs in the Functions log). */
export function progressLogger(log: Logger, kind: string, everyMs = 15_000): (p: SyncProgress) => void {
  let last = 0;
  return (p) => {
    if (p.elapsedMs - last < everyMs) return;
    last = p.elapsedMs;
    const rate = p.elapsedMs > 0 ? Math.round((p.devices * 1000) / p.elapsedMs) : 0;
    log.info(`${kind} sync progress: ${p.pages} pages, ${p.devices} partnerships, ${p.mailboxesFetched} mailboxes' statistics, ${rate} partnerships/s`, { ...p, rate });
  };
}

export function summariseRun(run: SyncRun): string {
  const c = run.counts;
  const seconds = run.endedAt ? ((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1) : '?';
  const calls = Object.entries(run.callsByCmdlet).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return (
    `${run.kind} sync ${run.runId || '(not run)'}: ${run.outcome} in ${seconds} s` +
    ((run.invocations ?? 1) > 1 ? ` (${run.invocations} invocations, ${((run.activeMs ?? 0) / 1000).toFixed(1)} s syncing)` : '') +
    `; ` +
    `seen ${c.seen}, new ${c.new}, changed ${c.changed}, unchanged ${c.unchanged}, removed ${c.removed}, stale ${c.stale}, out of scope ${c.outOfScope}` +
    (run.mailboxesWithoutStatistics ? `, without statistics ${c.statisticsUnavailable} (${run.mailboxesWithoutStatistics.count} mailboxes, e.g. ${run.mailboxesWithoutStatistics.first[0]?.mailbox}: ${run.mailboxesWithoutStatistics.first[0]?.reason})` : '') +
    `; ` +
    `Exchange calls: ${calls} (${run.pages} pages, ${run.retries} retries, ${run.throttled} throttled); ` +
    `table transactions ${run.transactions} (${run.entitiesWritten} entities)`
  );
}
