/** What the emulator was asked, for tests to assert on: counters and the last calls. */
import type { CallCounters, CallLogEntry } from './types';

const LOG_SIZE = 1000;

const zero = (): CallCounters => ({
  total: 0,
  byCmdlet: {},
  throttled: 0,
  failed: 0,
  dropped: 0,
  afterExecute: 0,
  pages: 0,
  continuationPages: 0,
  unauthorized: 0,
  forbidden: 0,
  errors: 0,
  anchorMismatches: 0,
});

export class CallRecorder {
  private counters = zero();
  private log: CallLogEntry[] = [];

  record(e: CallLogEntry, o: { listingPage: boolean; anchorMismatch: boolean }): void {
    const c = this.counters;
    c.total++;
    if (e.cmdlet) c.byCmdlet[e.cmdlet] = (c.byCmdlet[e.cmdlet] ?? 0) + 1;
    if (e.outcome === 'throttled') c.throttled++;
    else if (e.outcome === 'failed') c.failed++;
    else if (e.outcome === 'dropped') c.dropped++;
    else if (e.outcome === 'unauthorized') c.unauthorized++;
    else if (e.outcome === 'forbidden') c.forbidden++;
    else if (e.outcome === 'error') c.errors++;
    if (e.afterExecute) c.afterExecute++;
    if (o.listingPage && e.status === 200) {
      c.pages++;
      if ((e.page ?? 1) > 1) c.continuationPages++;
    }
    if (o.anchorMismatch) c.anchorMismatches++;
    this.log.push(e);
    if (this.log.length > LOG_SIZE * 2) this.log = this.log.slice(-LOG_SIZE);
  }

  counts(): CallCounters {
    return { ...this.counters, byCmdlet: { ...this.counters.byCmdlet } };
  }

  entries(): CallLogEntry[] {
    return this.log.slice(-LOG_SIZE);
  }

  reset(): void {
    this.counters = zero();
    this.log = [];
  }
}
