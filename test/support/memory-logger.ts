/** A logger for tests: keeps entries in memory so tests can assert on what was logged. */
import type { LogFields, Logger } from '../../lib/log';

export interface MemoryLogger extends Logger {
  entries: { level: string; message: string; fields: LogFields }[];
}

export function memoryLogger(): MemoryLogger {
  const entries: MemoryLogger['entries'] = [];
  const push = (level: string) => (message: string, fields: LogFields = {}) => {
    entries.push({ level, message, fields });
  };
  return { entries, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}
