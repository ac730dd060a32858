import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRuntime } from '../lib/app/runtime';
import { contextLogger } from '../lib/functions/context-logger';

/** Every five minutes: one read when no action is open; otherwise the open actions move on from Exchange's statistics. */
const SCHEDULE = '0 */5 * * * *';

export async function actionFollowUp(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  try {
    const runtime = await getRuntime();
    const report = await runtime.actions.followUp(log);
    if (report && report.open > 0) log.info(`Action follow-up: ${report.open} open, ${report.changed} moved on, ${report.stillOpen} still open, ${report.mailboxesRead} mailboxes read, ${report.failures} failures`, { ...report });
  } catch (err) {
    context.error(err);
    throw err;
  }
}

app.timer('actionFollowUp', { schedule: SCHEDULE, handler: actionFollowUp });
