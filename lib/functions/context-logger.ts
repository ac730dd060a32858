/**
 * The Logger port over a Functions InvocationContext, so use-case logs land in the
 * invocation's log. The message goes once, with its fields, as one structured object
 * (`{ message, ...fields }`): appending the fields' JSON to the message text made every
 * field appear twice where the host also records the arguments (the local host, and any
 * log handler that keeps structured arguments).
 */
import type { InvocationContext } from '@azure/functions';
import type { Logger, LogFields } from '../log';

export function contextLogger(context: InvocationContext): Logger {
  const entry = (m: string, f?: LogFields): string | Record<string, unknown> => (f && Object.keys(f).length ? { message: m, ...f } : m);
  return {
    debug: (m, f) => context.debug(entry(m, f)),
    info: (m, f) => context.info(entry(m, f)),
    warn: (m, f) => context.warn(entry(m, f)),
    error: (m, f) => context.error(entry(m, f)),
  };
}
