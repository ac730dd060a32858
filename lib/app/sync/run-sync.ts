/**
 * Entry points shared by the timers, the HTTP trigger and the CLI: run one sync with
 * the process runtime's ports and a time budget, and summarise it for people.
 */
import type { Logger } from '../../log';
import type { SyncRun } from '../../domain/sync-run';
import type { Runtime } from '../runtime';
import type { SyncProgress } from './ports';
import { runDeltaSync, runFullSync, type SyncResult } from './sync';

export interface RunSyncOptions {
  kind: 'full' | 'delta';
  /** Stop cleanly (checkpointed) after this long; the next run continues a full sync. */
  maxDurationMs?: number;
  log?: Logger;
  onProgress?: (p: SyncProgress) => void;
}

export async function runSync(runtime: Runtime, o: RunSyncOptions): Promise<SyncResult> {
  const deps = runtime.syncDeps({ log: o.log, onProgress: o.onProgress });
  return o.kind === 'full' ? runFullSync(deps, { maxDurationMs: o.maxDurationMs }) : runDeltaSync(deps, { maxDurationMs: o.maxDurationMs });
}

export function summariseRun(run: SyncRun): string {
  const c = run.counts;
  const seconds = run.endedAt ? ((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1) : '?';
  const calls = Object.entries(run.callsByCmdlet).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return (
    `${run.kind} sync ${run.runId || '(not run)'}: ${run.outcome} in ${seconds} s; ` +
    `seen ${c.seen}, new ${c.new}, changed ${c.changed}, unchanged ${c.unchanged}, removed ${c.removed}, stale ${c.stale}, out of scope ${c.outOfScope}; ` +
    `Exchange calls: ${calls} (${run.pages} pages, ${run.retries} retries, ${run.throttled} throttled); ` +
    `table transactions ${run.transactions} (${run.entitiesWritten} entities)`
  );
}
