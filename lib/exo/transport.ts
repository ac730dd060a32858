/**
 * One HTTP request (one page) of a cmdlet call, with its bounded retries: the part of the
 * client that every view of it shares. The adaptive concurrency limit, the throttling
 * pause, the token and the connection live here once per client, because Exchange
 * throttles per tenant; what a request cost is counted into the tally of the view that
 * sent it.
 */
import type http from 'node:http';
import type { Logger } from '../log';
import { accessToken, isReadOnly, type CallState } from './call';
import { requestIdOf } from './classify';
import { ExoCancelledError, ExoThrottledError, type ExoError } from './errors';
import { NetworkError, post, type RawResponse } from './http';
import { decideRetry, judgeBudget, judgeFailedAnswer } from './judge';
import { AdaptiveLimiter } from './limiter';
import type { RetryLimits } from './retry-rules';
import { retryRecord, type CallTally } from './stats';
import type { Clock, TokenProvider } from './ports';

export interface TransportSettings {
  agent: http.Agent;
  tokens: TokenProvider;
  log: Logger;
  clock: Clock;
  random: () => number;
  maxRetries: number;
  maxConcurrency: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
}

export class ExoTransport {
  private readonly limiter: AdaptiveLimiter;
  private readonly retryLimits: RetryLimits;
  private pausedUntil = 0;

  constructor(private readonly s: TransportSettings) {
    this.limiter = new AdaptiveLimiter(s.maxConcurrency);
    this.retryLimits = {
      maxRetries: s.maxRetries,
      maxRetryAfterMs: s.maxRetryAfterMs,
      baseBackoffMs: s.baseBackoffMs,
      backoff: (n) => this.backoff(n),
      now: () => s.clock.now(),
      tokenSource: () => s.tokens.describe(),
    };
  }

  /** The adaptive concurrency limit now. */
  get concurrencyLimit(): number {
    return this.limiter.limit;
  }

  /** Sends one page request with its bounded retries (lib/exo/retry-rules.ts). Returns a 2xx answer or throws a typed error. */
  async send(call: CallState, url: URL, tally: CallTally): Promise<RawResponse> {
    const state = { cmdlet: call.cmdlet, readOnly: isReadOnly(call.cmdlet), timeoutMs: call.timeoutMs, attempts: 0, failures: 0, refreshedToken: false };
    let forceRefresh = false;
    for (;;) {
      if (call.signal?.aborted) throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: call.signal.reason });
      state.attempts++;
      const outcome = await this.attempt(call, url, forceRefresh, tally);
      forceRefresh = false;
      if (outcome.response && !outcome.error) return outcome.response;
      const error = outcome.error!;
      const decision = decideRetry(error, outcome.response, state, this.retryLimits, call.maxWaitMs);
      if (!decision.retry) throw decision.error;
      if (decision.countsAsFailure) state.failures++;
      if (decision.refreshToken) state.refreshedToken = forceRefresh = true;
      this.noteRetry(call, error, decision.waitMs, state.attempts, tally);
      const waitMs = Math.min(decision.waitMs, call.maxWaitMs ?? Infinity);
      if (decision.pauseClient) this.pausedUntil = Math.max(this.pausedUntil, this.s.clock.now() + waitMs);
      else await this.sleep(call, waitMs, tally);
    }
  }

  /**
   * Sends once and judges the answer while still holding the concurrency slot, so that a
   * throttle lowers the limit (and a low budget caps it) before the slot goes to another call.
   */
  private async attempt(call: CallState, url: URL, forceRefresh: boolean, tally: CallTally): Promise<{ response: RawResponse | null; error: ExoError | NetworkError | null }> {
    const slot = await this.limiter.acquire(call.signal).catch((e: unknown) => {
      throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: e });
    });
    try {
      await this.waitWhilePaused(call, tally);
      const token = await accessToken(this.s.tokens, call.cmdlet, forceRefresh);
      tally.count((c) => c.requests++);
      let response: RawResponse;
      try {
        response = await post(url, { headers: { ...call.headers, Authorization: `Bearer ${token}` }, body: call.body, timeoutMs: call.timeoutMs, agent: this.s.agent, signal: call.signal });
      } catch (e) {
        if (e instanceof NetworkError) return { response: null, error: e };
        throw e;
      }
      this.observeBudget(call, response.headers);
      const requestId = requestIdOf(response.headers) ?? call.clientRequestId;
      call.firstRequestId ??= requestId;
      call.lastRequestId = requestId;
      if (response.status >= 200 && response.status < 300) {
        this.limiter.onSuccess(slot);
        return { response, error: null };
      }
      const error = judgeFailedAnswer(response, call.cmdlet, () => this.s.clock.now());
      if (error instanceof ExoThrottledError) {
        this.limiter.onThrottle(slot, error.tenantConcurrency ? 'tenantConcurrency' : 'budget');
        tally.count((c) => c.throttled++);
        call.throttled++;
      }
      return { response, error };
    } finally {
      slot.release();
    }
  }

  /** Caps the concurrency, and pauses every call, as the budget headers of an answer say (lib/exo/judge.ts). */
  private observeBudget(call: CallState, headers: http.IncomingHttpHeaders): void {
    const budget = judgeBudget(headers, { maxConcurrency: this.s.maxConcurrency, baseBackoffMs: this.s.baseBackoffMs, maxRetryAfterMs: this.s.maxRetryAfterMs }, () => this.s.clock.now());
    if (!budget) return;
    this.limiter.setBudgetCap(budget.cap);
    if (budget.waitMs === null) return;
    const until = this.s.clock.now() + budget.waitMs;
    if (budget.waitMs > 0 && until > this.pausedUntil) {
      this.pausedUntil = until;
      this.s.log.warn('Exchange budget almost spent; pausing calls', { cmdlet: call.cmdlet, rateLimitRemaining: budget.remaining, rateLimitLimit: budget.limit, waitMs: budget.waitMs });
    }
  }

  private async waitWhilePaused(call: CallState, tally: CallTally): Promise<void> {
    // Re-check only when another call extended the pause, so a clock that does not advance cannot loop.
    let waitedFor = -1;
    for (;;) {
      const waitMs = this.pausedUntil - this.s.clock.now();
      if (waitMs <= 0 || this.pausedUntil === waitedFor) return;
      waitedFor = this.pausedUntil;
      await this.sleep(call, waitMs, tally);
    }
  }

  private async sleep(call: CallState, ms: number, tally: CallTally): Promise<void> {
    if (ms <= 0) return;
    call.waitMs += ms;
    tally.count((c) => (c.waitMs += ms));
    try {
      await this.s.clock.sleep(ms, call.signal);
    } catch (e) {
      throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: e });
    }
  }

  /** Exponential backoff with full jitter: random in [0, min(cap, base x 2^(n-1))]. */
  private backoff(failure: number): number {
    const ceiling = Math.min(this.s.maxBackoffMs, this.s.baseBackoffMs * 2 ** Math.max(0, failure - 1));
    return Math.round(this.s.random() * ceiling);
  }

  private noteRetry(call: CallState, reason: ExoError | NetworkError, waitMs: number, attempt: number, tally: CallTally): void {
    call.retries++;
    tally.count((c) => c.retries++);
    this.s.log.warn('Exchange call will be retried', retryRecord(call, reason, waitMs, attempt, this.limiter.limit));
  }
}
