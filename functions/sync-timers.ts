import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadSchedules } from '../lib/config';
import { getRuntime } from '../lib/app/runtime';
import { summariseRun } from '../lib/app/sync/run-sync';
import { contextLogger } from '../lib/functions/context-logger';

/** Leaves a margin inside host.json's functionTimeout (10 min) to checkpoint and record the run. */
const TIME_BUDGET_MS = 8 * 60_000;

/** A full sync cut by its time budget is carried on this often, not at the next daily run. */
const CONTINUATION_SCHEDULE = '0 */10 * * * *';

async function timerSync(kind: 'full' | 'delta' | 'continue', timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  if (timer.isPastDue) log.warn(`The ${kind} sync timer is past due; running now`);
  try {
    const runtime = await getRuntime();
    const result = kind === 'continue' ? await runtime.sync.continue({ maxDurationMs: TIME_BUDGET_MS, log }) : await runtime.sync.run({ kind, maxDurationMs: TIME_BUDGET_MS, log });
    if (result) log.info(summariseRun(result.run));
  } catch (err) {
    context.error(err);
    throw err;
  }
}

export const fullSyncTimer = (timer: Timer, context: InvocationContext) => timerSync('full', timer, context);
export const deltaSyncTimer = (timer: Timer, context: InvocationContext) => timerSync('delta', timer, context);
export const fullSyncContinuationTimer = (timer: Timer, context: InvocationContext) => timerSync('continue', timer, context);

const schedules = loadSchedules();
app.timer('fullSync', { schedule: schedules.fullSync, handler: fullSyncTimer });
app.timer('deltaSync', { schedule: schedules.deltaSync, handler: deltaSyncTimer });
app.timer('fullSyncContinuation', { schedule: CONTINUATION_SCHEDULE, handler: fullSyncContinuationTimer });
