/**
 * sync-health: the last SYNC_HEALTH_RUNS sync runs as their records say (kind, start,
 * duration, outcome, Exchange calls, throttled and retried calls, failures) and the
 * mailboxes whose statistics the newest successful run could not get (a failed run may
 * have stopped before asking for them). Read when asked: the
 * syncruns table's newest entities (its RowKeys are inverted start times) and the sync
 * lease, which tells a run left `running` by a killed instance (shown `abandoned`, as by
 * GET /api/status).
 */
import { withAbandoned, type LeaseHolder, type SyncRun } from '../../domain/sync-run';
import type { RunRow, SyncHealthReport } from './schemas';

export const SYNC_HEALTH_RUNS = 10;

function row(r: SyncRun): RunRow {
  const ended = r.endedAt ? Date.parse(r.endedAt) : NaN;
  const c = r.counts;
  return {
    runId: r.runId,
    kind: r.kind,
    outcome: r.outcome,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: Number.isNaN(ended) ? null : Math.max(0, ended - Date.parse(r.startedAt)),
    activeMs: r.activeMs ?? null,
    invocations: r.invocations ?? 1,
    exchangeCalls: Object.values(r.callsByCmdlet).reduce((n, v) => n + v, 0),
    throttled: r.throttled,
    retries: r.retries,
    seen: c.seen,
    new: c.new,
    changed: c.changed,
    removed: c.removed,
    stale: c.stale,
    statisticsUnavailable: c.statisticsUnavailable,
    mailboxesWithoutStatistics: r.mailboxesWithoutStatistics?.count ?? 0,
    error: r.error ?? null,
    callsByCmdlet: r.callsByCmdlet,
  };
}

export function syncHealthReport(now: Date, stored: readonly SyncRun[], lease: LeaseHolder | null): SyncHealthReport {
  const runs = stored.map((r) => withAbandoned(r, lease, now));
  const last = runs.find((r) => r.outcome === 'succeeded');
  return {
    report: 'sync-health',
    generatedAt: now.toISOString(),
    failedRuns: runs.filter((r) => r.outcome === 'failed' || r.outcome === 'abandoned').length,
    rows: runs.map(row),
    mailboxesWithoutStatistics: last ? { runId: last.runId, count: last.mailboxesWithoutStatistics?.count ?? 0, first: last.mailboxesWithoutStatistics?.first ?? [] } : null,
  };
}
