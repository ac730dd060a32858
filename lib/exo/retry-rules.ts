/**
 * When a failed Exchange request is sent again, as small rules in the manner of
 * core-rest-pipeline's retry strategies: each says whether it applies to a failure
 * (`meetsConditions`) and what to do (`decide`). The first rule that applies decides;
 * a failure no rule covers is final. Rules never sleep or send: the client does that.
 */
import {
  ExoAuthError,
  ExoCancelledError,
  ExoError,
  ExoFailedError,
  ExoOutcomeUnknownError,
  ExoThrottledError,
  ExoTimeoutError,
  ExoTransientError,
  exoErrorInfo,
} from './errors';
import { headerValue, parseRetryAfter } from './classify';
import { NetworkError, type RawResponse } from './http';

export type Failure = ExoError | NetworkError;

export interface RetryState {
  cmdlet: string;
  /** Get-/Test-/Search-: sending it twice changes nothing. */
  readOnly: boolean;
  timeoutMs: number;
  /** Requests sent for this page so far, the failed one included. */
  attempts: number;
  /** Throttled or transient failures before this one. */
  failures: number;
  /** The token was already refreshed once for this page. */
  refreshedToken: boolean;
}

export interface RetryLimits {
  maxRetries: number;
  maxRetryAfterMs: number;
  baseBackoffMs: number;
  /** Exponential backoff with jitter for the n-th failure. */
  backoff(failure: number): number;
  now(): number;
  /** Who the tokens come from, for the final 401 message. */
  tokenSource(): string;
}

export type RetryDecision =
  | { retry: false; error: ExoError }
  | {
      retry: true;
      waitMs: number;
      /** Every call of the client waits (the tenant is throttled), not only this one. */
      pauseClient: boolean;
      refreshToken: boolean;
      /** Counts against maxRetries. */
      countsAsFailure: boolean;
    };

export interface RetryRule {
  readonly name: string;
  meetsConditions(failure: Failure, state: RetryState): boolean;
  decide(failure: Failure, response: RawResponse | null, state: RetryState, limits: RetryLimits): RetryDecision;
}

/** Connection failures that prove the request never reached Exchange: safe to send again, whatever the cmdlet. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const retry = (waitMs: number, o: Partial<Omit<Extract<RetryDecision, { retry: true }>, 'retry' | 'waitMs'>> = {}): RetryDecision => ({
  retry: true,
  waitMs,
  pauseClient: o.pauseClient ?? false,
  refreshToken: o.refreshToken ?? false,
  countsAsFailure: o.countsAsFailure ?? true,
});

/** 401: the token may have expired or been revoked; refresh it once, then give up. */
export const tokenRefreshRule: RetryRule = {
  name: 'tokenRefresh',
  meetsConditions: (f) => f instanceof ExoAuthError && f.httpStatus === 401,
  decide(f, _r, state, limits) {
    const error = f as ExoAuthError;
    if (state.refreshedToken) {
      return {
        retry: false,
        error: new ExoAuthError({
          ...exoErrorInfo(error),
          reason: `Exchange refused a freshly acquired token too (${error.exchangeMessage ?? 'HTTP 401'}); check Exchange.ManageAsApp and the token audience (${limits.tokenSource()})`,
        }),
      };
    }
    return retry(0, { refreshToken: true, countsAsFailure: false });
  },
};

/**
 * 429 and the per-tenant concurrency text. A budget throttle pauses every call of the
 * client (the tenant is out of budget); a concurrency throttle only says too many calls
 * were in flight, so only the refused call waits - the limiter has already lowered the
 * concurrency - and the others go on.
 */
export const throttlingRule: RetryRule = {
  name: 'throttling',
  meetsConditions: (f) => f instanceof ExoThrottledError,
  decide(f, _r, state, limits) {
    const error = f as ExoThrottledError;
    const retryAfterMs = error.retryAfterMs;
    const failures = state.failures + 1;
    if (retryAfterMs !== null && retryAfterMs > limits.maxRetryAfterMs) {
      return {
        retry: false,
        error: new ExoThrottledError(
          { ...exoErrorInfo(error), retryAfterMs, attempts: state.attempts, tenantConcurrency: error.tenantConcurrency, reason: `throttled; Exchange asks to wait ${retryAfterMs / 1000} s, longer than the ${limits.maxRetryAfterMs / 1000} s this client waits` },
          { cause: error },
        ),
      };
    }
    if (failures > limits.maxRetries) {
      return {
        retry: false,
        error: new ExoThrottledError({ ...exoErrorInfo(error), retryAfterMs, attempts: state.attempts, tenantConcurrency: error.tenantConcurrency, reason: `still throttled after ${state.attempts} attempts` }, { cause: error }),
      };
    }
    const waitMs = retryAfterMs ?? Math.max(limits.baseBackoffMs, limits.backoff(failures));
    return retry(waitMs, { pauseClient: !error.tenantConcurrency });
  },
};

/**
 * 502/503/504, transient exception types, dropped connections and timeouts - and, for a
 * read-only cmdlet, any HTTP 500 (the ExchangeOnlineManagement module retries those too).
 * A state-changing cmdlet whose request may have reached Exchange (a broken connection, a
 * timeout, a 504, a 500) is never sent again: its outcome is unknown, and a wipe or a
 * removal must not happen twice. A Retry-After on such an answer (503) is honoured.
 */
export const transientRule: RetryRule = {
  name: 'transient',
  meetsConditions: (f, state) =>
    f instanceof NetworkError || f instanceof ExoTransientError || (state.readOnly && f instanceof ExoFailedError && f.httpStatus === 500),
  decide(f, response, state, limits) {
    if (f instanceof NetworkError && f.aborted) return { retry: false, error: new ExoCancelledError({ cmdlet: state.cmdlet }, { cause: f }) };
    const ambiguous = f instanceof NetworkError ? !NEVER_SENT.has(f.code) : f.httpStatus === 504;
    if (ambiguous && !state.readOnly) {
      const reason = f instanceof NetworkError ? (f.timedOut ? `no answer within ${state.timeoutMs} ms` : `the connection broke (${f.code})`) : 'the gateway timed out (HTTP 504)';
      return { retry: false, error: new ExoOutcomeUnknownError({ ...(f instanceof ExoError ? exoErrorInfo(f) : { cmdlet: state.cmdlet }), reason }, { cause: f }) };
    }
    const failures = state.failures + 1;
    if (failures > limits.maxRetries) return { retry: false, error: exhausted(state, f) };
    const retryAfterMs = response ? parseRetryAfter(headerValue(response.headers, 'retry-after'), limits.now()) : null;
    if (retryAfterMs !== null && retryAfterMs > limits.maxRetryAfterMs) {
      return { retry: false, error: exhausted(state, f, `Exchange asks to wait ${retryAfterMs / 1000} s, longer than the ${limits.maxRetryAfterMs / 1000} s this client waits`) };
    }
    return retry(retryAfterMs ?? limits.backoff(failures));
  },
};

export const RETRY_RULES: readonly RetryRule[] = [tokenRefreshRule, throttlingRule, transientRule];

function exhausted(state: RetryState, error: Failure, why?: string): ExoError {
  const { attempts, cmdlet } = state;
  if (error instanceof ExoError) {
    return new ExoTransientError({ ...exoErrorInfo(error), attempts, reason: `${error.exchangeMessage ?? `HTTP ${error.httpStatus}`} (${why ?? `still failing after ${attempts} attempts`})` }, { cause: error });
  }
  if (error.timedOut) return new ExoTimeoutError({ cmdlet, timeoutMs: state.timeoutMs, attempts }, { cause: error });
  return new ExoTransientError({ cmdlet, attempts, reason: `connection failed (${error.code}: ${error.message}) after ${attempts} attempts` }, { cause: error });
}
