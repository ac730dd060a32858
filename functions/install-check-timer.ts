import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadSchedules } from '../lib/config';
import { getRuntime } from '../lib/app/runtime';
import { contextLogger } from '../lib/functions/context-logger';

/** On start and hourly: checks the app's cmdlet permissions until the connector is installed (1015). */
export async function installCheck(_timer: Timer, context: InvocationContext): Promise<void> {
  try {
    const runtime = await getRuntime();
    await runtime.installCheck.run({ log: contextLogger(context) });
  } catch (err) {
    context.error(err);
    throw err;
  }
}

app.timer('installCheck', { schedule: loadSchedules().installCheck, runOnStartup: true, handler: installCheck });
