/**
 * Judging what Exchange answered, for the client to act on: a failed HTTP answer as the
 * typed error it means, one page of a listing against the ResultSize asked for (how much
 * of it counts, whether to follow its nextLink, whether Exchange cut the listing short),
 * the budget headers, and which retry rule decides about a failure. Nothing here sends,
 * sleeps, counts or logs: the client does that.
 */
import type http from 'node:http';
import { classifyExchangeError, headerValue, parseRetryAfter } from './classify';
import { ExoError, ExoThrottledError, ExoTransientError, exoErrorInfo } from './errors';
import type { RawResponse } from './http';
import type { ExoPage } from './page';
import { RETRY_RULES, type Failure, type RetryDecision, type RetryLimits, type RetryState } from './retry-rules';

export const TRUNCATION_WARNING = /There are more results available than are currently displayed/i;

/** Below this share of Rate-Limit-Remaining / Rate-Limit-Limit the client slows down. */
const LOW_BUDGET_FRACTION = 0.1;

/** A non-2xx answer as a typed error; `now` is the client's clock. */
export function judgeFailedAnswer(response: RawResponse, cmdlet: string, now: () => number): ExoError {
  const error = classifyExchangeError(response.status, response.headers, response.body, cmdlet);
  if (!(error instanceof ExoThrottledError)) return error;
  // Parsed again with the client's clock: an HTTP-date Retry-After is relative to it.
  return new ExoThrottledError({ ...exoErrorInfo(error), retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after'), now()), tenantConcurrency: error.tenantConcurrency });
}

/** The first non-terminating error of a page, as the typed error it means (for a cmdlet that changes state). */
export function nonTerminatingFailure(cmdlet: string, page: Pick<ExoPage<unknown>, 'errors' | 'requestId'>): ExoError {
  return classifyExchangeError(400, { 'request-id': page.requestId }, { error: { details: [{ message: page.errors[0] }] } }, cmdlet);
}

export interface PageVerdict {
  /** What is left of a numeric ResultSize after this page (null: no numeric ResultSize). */
  remaining: number | null;
  /** Whether the page's nextLink is to be followed. */
  follow: boolean;
  /** The truncation warning of a listing Exchange cut short; null when it is complete (or the caller accepts truncation). */
  truncation: string | null;
}

/**
 * One page against the ResultSize: items beyond what remains are dropped from the page,
 * and the truncation warning of a page that is followed is dropped from its warnings.
 * The official module asks each page for min(ResultSize remaining, page size) and
 * follows a link only while the page was full and the ResultSize is not reached.
 */
export function judgePage<T>(page: ExoPage<T> & { next: URL | null }, remaining: number | null, asked: number, acceptTruncation: boolean | undefined): PageVerdict {
  if (remaining !== null) {
    if (page.items.length > remaining) page.items = page.items.slice(0, remaining);
    remaining -= page.items.length;
  }
  const reached = remaining !== null && remaining <= 0;
  const follow = page.next !== null && (remaining === null || (!reached && page.items.length >= asked));
  // Exchange pages at odata.maxpagesize and warns "more results available" on every
  // page with a nextLink; only a last page (no link) that warns while the ResultSize
  // was not reached is cut short.
  const warning = page.warnings.find((w) => TRUNCATION_WARNING.test(w)) ?? null;
  let truncation: string | null = null;
  if (follow) page.warnings = page.warnings.filter((w) => !TRUNCATION_WARNING.test(w));
  else if (warning && page.next === null && !reached && !acceptTruncation) truncation = warning;
  return { remaining, follow, truncation };
}

export interface BudgetVerdict {
  limit: number;
  remaining: number;
  /** The cap on the concurrency limit. */
  cap: number;
  /** How long every call is to pause (until Rate-Limit-Reset); null: no pause. */
  waitMs: number | null;
}

/**
 * Budget headers come with successful answers: slow down before the budget is gone.
 * Below 10 % remaining the concurrency is capped in proportion; with almost nothing
 * left, every call pauses until Rate-Limit-Reset (bounded by maxRetryAfterMs). Null
 * when the answer carries no usable budget.
 */
export function judgeBudget(
  headers: http.IncomingHttpHeaders,
  limits: { maxConcurrency: number; baseBackoffMs: number; maxRetryAfterMs: number },
  now: () => number,
): BudgetVerdict | null {
  const limit = Number(headerValue(headers, 'rate-limit-limit'));
  const remainingText = headerValue(headers, 'rate-limit-remaining');
  const remaining = Number(remainingText);
  if (!(limit > 0) || remainingText === null || !Number.isFinite(remaining)) return null;
  const fraction = remaining / limit;
  if (fraction >= LOW_BUDGET_FRACTION) return { limit, remaining, cap: limits.maxConcurrency, waitMs: null };
  const cap = (limits.maxConcurrency * fraction) / LOW_BUDGET_FRACTION;
  if (remaining > limits.maxConcurrency) return { limit, remaining, cap, waitMs: null };
  const reset = Date.parse(headerValue(headers, 'rate-limit-reset') ?? '');
  const untilReset = Number.isNaN(reset) ? limits.baseBackoffMs : reset - now();
  return { limit, remaining, cap, waitMs: Math.min(Math.max(untilReset, 0), limits.maxRetryAfterMs) };
}

/**
 * What to do about a failed request (lib/exo/retry-rules.ts): the first rule that applies
 * decides, within the call's maxWaitMs; a failure no rule covers is final.
 */
export function decideRetry(failure: Failure, response: RawResponse | null, state: RetryState, limits: RetryLimits, maxWaitMs: number | undefined): RetryDecision {
  const rule = RETRY_RULES.find((r) => r.meetsConditions(failure, state));
  if (!rule) return { retry: false, error: failure instanceof ExoError ? failure : new ExoTransientError({ cmdlet: state.cmdlet, reason: failure.message }, { cause: failure }) };
  const capped = maxWaitMs === undefined ? limits : { ...limits, maxRetryAfterMs: Math.min(limits.maxRetryAfterMs, maxWaitMs) };
  return rule.decide(failure, response, state, capped);
}
