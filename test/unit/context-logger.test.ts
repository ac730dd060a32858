/** The Functions log adapter, over a real InvocationContext (the host's log handler captured, as the worker would receive it). */
import { format } from 'node:util';
import { InvocationContext } from '@azure/functions';
import { contextLogger } from '../../lib/functions/context-logger';

function capture() {
  const calls: { level: string; args: unknown[] }[] = [];
  const context = new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'fullSync',
    options: { trigger: { type: 'timerTrigger', name: 'timer' }, extraInputs: [], extraOutputs: [] },
    logHandler: (level, ...args) => calls.push({ level, args }),
  });
  return { calls, log: contextLogger(context) };
}

describe('contextLogger', () => {
  test('When a use case logs a message with fields, then the host gets one structured object with the message once and each field once', () => {
    const { calls, log } = capture();
    log.warn('Full sync full-1 stops at its time budget', { runId: 'full-1', doneMailboxes: 12 });
    expect(calls).toEqual([{ level: 'warning', args: [{ message: 'Full sync full-1 stops at its time budget', runId: 'full-1', doneMailboxes: 12 }] }]);
    // As the worker formats it for the host log: each field once.
    const line = format(...calls[0].args);
    expect(line.match(/doneMailboxes/g)).toHaveLength(1);
    expect(line.match(/stops at its time budget/g)).toHaveLength(1);
  });

  test('When a message has no fields, then the host gets the plain message', () => {
    const { calls, log } = capture();
    log.info('Full sync full-1 succeeded');
    log.error('Sync failed', {});
    expect(calls).toEqual([
      { level: 'information', args: ['Full sync full-1 succeeded'] },
      { level: 'error', args: ['Sync failed'] },
    ]);
  });
});
