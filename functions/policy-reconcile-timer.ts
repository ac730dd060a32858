import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadSchedules } from '../lib/config';
import { getRuntime } from '../lib/app/runtime';
import { contextLogger } from '../lib/functions/context-logger';

/** Hourly by default: managed policies, access rules and organization settings against Exchange; drift recorded and repaired. */
export async function policyReconcile(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  try {
    const runtime = await getRuntime();
    const run = await runtime.reconcile.run(log);
    if (run.reports) log.info('Reconcile done', { reports: run.reports });
  } catch (err) {
    context.error(err);
    throw err;
  }
}

app.timer('policyReconcile', { schedule: loadSchedules().policyReconcile, handler: policyReconcile });
