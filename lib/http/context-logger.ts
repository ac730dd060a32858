/** The Logger port over a Functions InvocationContext, so use-case logs land in the invocation's log. */
import type { InvocationContext } from '@azure/functions';
import type { Logger, LogFields } from '../log';

export function contextLogger(context: InvocationContext): Logger {
  const fmt = (m: string, f?: LogFields) => (f && Object.keys(f).length ? `${m} ${JSON.stringify(f)}` : m);
  return {
    debug: (m, f) => context.debug(fmt(m, f)),
    info: (m, f) => context.info(fmt(m, f)),
    warn: (m, f) => context.warn(fmt(m, f)),
    error: (m, f) => context.error(fmt(m, f)),
  };
}
