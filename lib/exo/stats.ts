/** What a client reports of its calls: counters for sync run records, and the log lines of a call and of a retry. */
import type { LogFields } from '../log';
import type { CallState } from './call';
import { ExoError } from './errors';
import type { NetworkError } from './http';

/** Counters of a client or view since its creation or its last resetStats(); for sync run records. */
export interface ExoCallStats {
  /** invoke()/pages() calls. */
  calls: number;
  callsByCmdlet: Record<string, number>;
  /** HTTP requests sent, retries included. */
  requests: number;
  pages: number;
  items: number;
  retries: number;
  /** Throttle answers received (429 or the per-tenant concurrency text). */
  throttled: number;
  /** Time calls spent waiting for backoff, Retry-After and budget pauses (summed over calls). */
  waitMs: number;
  /** Calls that ended in an error. */
  failures: number;
  failuresByCode: Record<string, number>;
  /** The adaptive concurrency limit now (not a counter; resetStats leaves it). */
  concurrencyLimit: number;
}

export function emptyStats(): ExoCallStats {
  return { calls: 0, callsByCmdlet: {}, requests: 0, pages: 0, items: 0, retries: 0, throttled: 0, waitMs: 0, failures: 0, failuresByCode: {}, concurrencyLimit: 0 };
}

/**
 * The counters of a client or of one of its views. A count goes to the tally the view
 * was made from as well, so a client's totals hold every view's calls while a view
 * (one sync run's) holds only its own.
 */
export class CallTally {
  private counters = emptyStats();

  constructor(private readonly parent: CallTally | null = null) {}

  count(add: (counters: ExoCallStats) => void): void {
    add(this.counters);
    this.parent?.count(add);
  }

  snapshot(): ExoCallStats {
    return structuredClone(this.counters);
  }

  /** Zeroes this tally only: the client a view was made from keeps its totals. */
  reset(): void {
    this.counters = emptyStats();
  }
}

/** One more invoke()/pages() call of `cmdlet`. */
export function countCall(stats: ExoCallStats, cmdlet: string): void {
  stats.calls++;
  stats.callsByCmdlet[cmdlet] = (stats.callsByCmdlet[cmdlet] ?? 0) + 1;
}

/** One more call that ended in an error (`code`: the ExoError code, or 'error'). */
export function countFailure(stats: ExoCallStats, code: string): void {
  stats.failures++;
  stats.failuresByCode[code] = (stats.failuresByCode[code] ?? 0) + 1;
}

/** The log line of a finished call: what it asked for and what it cost. */
export function callRecord(
  call: CallState,
  outcome: { status: string; durationMs: number; pages: number; items: number; parameters: Record<string, unknown> },
): LogFields {
  return {
    cmdlet: call.cmdlet,
    status: outcome.status,
    durationMs: outcome.durationMs,
    pages: outcome.pages,
    items: outcome.items,
    retries: call.retries,
    throttled: call.throttled,
    waitMs: call.waitMs,
    firstRequestId: call.firstRequestId,
    lastRequestId: call.lastRequestId,
    clientRequestId: call.clientRequestId,
    parameterNames: Object.keys(outcome.parameters),
  };
}

/** The log line of a request that will be sent again. */
export function retryRecord(call: CallState, reason: ExoError | NetworkError, waitMs: number, attempt: number, concurrencyLimit: number): LogFields {
  return {
    cmdlet: call.cmdlet,
    attempt,
    reason: reason.code,
    detail: reason instanceof ExoError ? (reason.exchangeMessage ?? reason.message) : reason.message,
    httpStatus: reason instanceof ExoError ? reason.httpStatus : null,
    requestId: reason instanceof ExoError ? reason.requestId : null,
    waitMs,
    concurrencyLimit,
  };
}
