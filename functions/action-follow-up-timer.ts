import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRuntime } from '../lib/app/runtime';
import { contextLogger } from '../lib/functions/context-logger';

/** Every five minutes: two small reads when nothing is open; otherwise open actions move on from Exchange's statistics and running bulks carry on. */
const SCHEDULE = '0 */5 * * * *';

export async function actionFollowUp(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  try {
    const runtime = await getRuntime();
    const report = await runtime.actions.followUp(log);
    if (report && (report.open > 0 || report.bulks)) {
      log.info(`Action follow-up: ${report.open} open, ${report.changed} moved on, ${report.stillOpen} still open, ${report.mailboxesRead} mailboxes read; ${report.bulks ?? 0} bulks carried on, ${report.bulksRunning ?? 0} still running; ${report.failures} failures`, { ...report });
    }
  } catch (err) {
    context.error(err);
    throw err;
  }
}

app.timer('actionFollowUp', { schedule: SCHEDULE, handler: actionFollowUp });
