/**
 * Injected misbehaviour: throttling (429 with whole, fractional or no Retry-After, or the
 * per-tenant concurrency text under another status), failures (5xx, transient Exchange
 * exception types), dropped connections, latency, and the request budget Exchange
 * reports in Rate-Limit-* headers. Faults are decided before the cmdlet runs, so a
 * throttled or dropped page does not consume its nextLink: the client may retry it.
 * Two faults act after the cmdlet ran instead (dropAfterExecuteEveryK,
 * failAfterExecuteEveryK): its change is applied, the client gets no answer or a 5xx, so
 * it cannot know the outcome. Latency is spent before the cmdlet runs, and the cmdlet
 * still runs when the client gave up waiting meanwhile (the server cannot tell).
 * Wall-clock time is used here (not the emulator's data clock) because clients wait on
 * Retry-After in real time.
 */
import { ValidationError } from '../../lib/errors';
import { EXCHANGE_SERVER } from './exchange-errors';
import type { FaultSettings } from './types';
import { exchangeErrorReply, jsonReply, type Reply } from './wire';

export const CONCURRENCY_TEXT = 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again.';

/** What happens after the cmdlet ran (its change applied): the socket is destroyed, or a failure status answers. */
export type AfterExecute = { kind: 'drop' } | { kind: 'fail'; status: number; exceptionType: string | null; message?: string };

/** control.failNext: how the next calls of one cmdlet fail. */
export interface FailNextOptions {
  /** 400, 500, 503 or 504; default 503. */
  status?: number;
  /** Exchange exception type in the body (e.g. a transient one); default none (a plain 5xx body). */
  exceptionType?: string | null;
  /** The error text; default a transient-failure text. */
  message?: string;
  /** The cmdlet runs (its change is applied) before the failure answers. */
  afterExecute?: boolean;
}

export type FaultDecision =
  | { kind: 'none'; latencyMs: number; after?: AfterExecute }
  | { kind: 'drop'; latencyMs: number }
  | { kind: 'throttle'; latencyMs: number; status: number; retryAfterSeconds: number | null; concurrencyText: boolean }
  | { kind: 'fail'; latencyMs: number; status: number; exceptionType: string | null; message?: string };

const positiveInt = (field: string, v: unknown) => {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw ValidationError.of(field, 'must be a positive integer');
};
const nonNegative = (field: string, v: unknown) => {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw ValidationError.of(field, 'must be a number >= 0');
};

export function validateFaults(f: FaultSettings): void {
  positiveInt('throttleEveryK', f.throttleEveryK);
  positiveInt('failEveryK', f.failEveryK);
  positiveInt('dropEveryK', f.dropEveryK);
  positiveInt('dropAfterExecuteEveryK', f.dropAfterExecuteEveryK);
  positiveInt('failAfterExecuteEveryK', f.failAfterExecuteEveryK);
  nonNegative('failAfterCalls', f.failAfterCalls);
  nonNegative('throttleForMs', f.throttleForMs);
  nonNegative('latencyMs', f.latencyMs);
  if (f.retryAfterSeconds !== null) nonNegative('retryAfterSeconds', f.retryAfterSeconds);
  if (f.failStatus !== undefined && ![400, 500, 503, 504].includes(f.failStatus)) throw ValidationError.of('failStatus', 'must be 400, 500, 503 or 504');
  if (f.throttleStatus !== undefined && (!Number.isInteger(f.throttleStatus) || f.throttleStatus < 400 || f.throttleStatus > 599)) {
    throw ValidationError.of('throttleStatus', 'must be an HTTP error status');
  }
  if (f.throttleStatusText !== undefined && f.throttleStatusText !== 'concurrency') throw ValidationError.of('throttleStatusText', "must be 'concurrency'");
  if (f.onlyCmdlets !== undefined && (!Array.isArray(f.onlyCmdlets) || f.onlyCmdlets.some((c) => typeof c !== 'string'))) {
    throw ValidationError.of('onlyCmdlets', 'must be a list of cmdlet names');
  }
  if (f.budget !== undefined) {
    positiveInt('budget.limit', f.budget.limit);
    positiveInt('budget.windowMs', f.budget.windowMs);
  }
}

export class FaultInjector {
  private settings: FaultSettings = {};
  private matching = 0;
  private since = Date.now();
  /** Lower-cased cmdlet -> how many of its next calls fail, and how (control.failNext); independent of setFaults. */
  private readonly next = new Map<string, { left: number; how: Required<Omit<FailNextOptions, 'message'>> & { message?: string } }>();

  failNext(cmdlet: string, count: number, how: FailNextOptions = {}): void {
    positiveInt('count', count);
    const status = how.status ?? 503;
    if (![400, 500, 503, 504].includes(status)) throw ValidationError.of('status', 'must be 400, 500, 503 or 504');
    this.next.set(cmdlet.toLowerCase(), { left: count, how: { status, exceptionType: how.exceptionType ?? null, message: how.message, afterExecute: how.afterExecute ?? false } });
  }

  /** How many planned failures of each cmdlet are left. */
  pendingFailures(): Record<string, number> {
    return Object.fromEntries([...this.next].map(([k, v]) => [k, v.left]));
  }

  private takePlanned(cmdlet: string | null): FaultDecision | null {
    const key = cmdlet?.toLowerCase();
    const plan = key ? this.next.get(key) : undefined;
    if (!plan || !key) return null;
    if (--plan.left <= 0) this.next.delete(key);
    const { status, exceptionType, message, afterExecute } = plan.how;
    if (afterExecute) return { kind: 'none', latencyMs: 0, after: { kind: 'fail', status, exceptionType, message } };
    return { kind: 'fail', latencyMs: 0, status, exceptionType, message };
  }

  set(f: FaultSettings): void {
    validateFaults(f);
    this.settings = { ...f, onlyCmdlets: f.onlyCmdlets?.map((c) => c.toLowerCase()) };
    this.matching = 0;
    this.since = Date.now();
  }

  clear(): void {
    this.settings = {};
    this.matching = 0;
    this.next.clear();
  }

  decide(cmdlet: string | null): FaultDecision {
    const planned = this.takePlanned(cmdlet);
    if (planned) return planned;
    const s = this.settings;
    if (s.onlyCmdlets && (!cmdlet || !s.onlyCmdlets.includes(cmdlet.toLowerCase()))) return { kind: 'none', latencyMs: 0 };
    const n = ++this.matching;
    const latencyMs = s.latencyMs ?? 0;
    const concurrencyText = s.throttleStatusText === 'concurrency';
    const throttleStatus = s.throttleStatus ?? (concurrencyText ? 500 : 429);
    const fail = (): FaultDecision => ({ kind: 'fail', latencyMs, status: s.failStatus ?? 503, exceptionType: s.failExceptionType ?? null });

    if (s.dropEveryK && n % s.dropEveryK === 0) return { kind: 'drop', latencyMs };
    if (s.failAfterCalls !== undefined && n > s.failAfterCalls) return fail();
    const windowLeft = s.throttleForMs ? this.since + s.throttleForMs - Date.now() : 0;
    if (windowLeft > 0) {
      const retryAfterSeconds = s.retryAfterSeconds === undefined ? Math.ceil(windowLeft / 1000) : s.retryAfterSeconds;
      return { kind: 'throttle', latencyMs, status: throttleStatus, retryAfterSeconds, concurrencyText };
    }
    if (s.throttleEveryK && n % s.throttleEveryK === 0) {
      return { kind: 'throttle', latencyMs, status: throttleStatus, retryAfterSeconds: s.retryAfterSeconds === undefined ? 1 : s.retryAfterSeconds, concurrencyText };
    }
    if (s.failEveryK && n % s.failEveryK === 0) return fail();
    if (s.dropAfterExecuteEveryK && n % s.dropAfterExecuteEveryK === 0) return { kind: 'none', latencyMs, after: { kind: 'drop' } };
    if (s.failAfterExecuteEveryK && n % s.failAfterExecuteEveryK === 0) {
      return { kind: 'none', latencyMs, after: { kind: 'fail', status: s.failStatus ?? 504, exceptionType: s.failExceptionType ?? null } };
    }
    return { kind: 'none', latencyMs };
  }
}

export interface BudgetState {
  limit: number;
  remaining: number;
  resetAt: number;
  exhausted: boolean;
}

/** The per-app request budget behind Rate-Limit-Limit / -Remaining / -Reset. */
export class Budget {
  private limit = 30000;
  private windowMs = 3_600_000;
  private enforce = false;
  private used = 0;
  private windowStart = Date.now();

  configure(b: FaultSettings['budget']): void {
    this.limit = b?.limit ?? 30000;
    this.windowMs = b?.windowMs ?? 3_600_000;
    this.enforce = b?.enforce ?? false;
    this.used = 0;
    this.windowStart = Date.now();
  }

  consume(): BudgetState {
    const now = Date.now();
    if (now >= this.windowStart + this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetAt = this.windowStart + this.windowMs;
    if (this.used >= this.limit) return { limit: this.limit, remaining: 0, resetAt, exhausted: this.enforce };
    this.used++;
    return { limit: this.limit, remaining: this.limit - this.used, resetAt, exhausted: false };
  }
}

export const CONCURRENCY_REPLY_TYPE = 'Microsoft.Exchange.Admin.OData.Core.ThrottlingException';

/** The answer to a throttle or failure decision. */
export function faultReply(
  decision: { kind: 'throttle'; status: number; retryAfterSeconds: number | null; concurrencyText: boolean } | { kind: 'fail'; status: number; exceptionType: string | null; message?: string },
): Reply {
  if (decision.kind === 'throttle') {
    const headers: Record<string, string> = decision.retryAfterSeconds === null ? {} : { 'Retry-After': String(decision.retryAfterSeconds) };
    const reply = decision.concurrencyText
      ? exchangeErrorReply(decision.status, CONCURRENCY_REPLY_TYPE, CONCURRENCY_TEXT, { message: CONCURRENCY_TEXT, headers })
      : exchangeErrorReply(decision.status, CONCURRENCY_REPLY_TYPE, 'Too many requests. The application has exceeded its request budget; retry after the time given in Retry-After.', {
          code: 'TooManyRequests',
          headers,
        });
    reply.meta = { ...reply.meta, outcome: 'throttled' };
    return reply;
  }
  let reply: Reply;
  if (decision.exceptionType) {
    const short = decision.exceptionType.split('.').pop();
    reply = exchangeErrorReply(decision.status, decision.exceptionType, decision.message ?? `${short}: a transient failure occurred on ${EXCHANGE_SERVER}. Please try again later.`);
  } else {
    const text =
      decision.message ??
      (decision.status === 503 ? 'The service is currently unavailable. Please try again later.' : decision.status === 504 ? 'The gateway timed out waiting for the backend.' : 'An internal server error occurred. The operation failed.');
    const code = decision.status === 503 ? 'ServiceUnavailable' : decision.status === 504 ? 'GatewayTimeout' : decision.status === 400 ? 'BadRequest' : 'InternalServerError';
    reply = jsonReply(decision.status, { error: { code, message: text } });
  }
  reply.meta = { ...reply.meta, outcome: 'failed' };
  return reply;
}
