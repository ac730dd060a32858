import type http from 'node:http';
import { ValidationError, type FieldIssue } from '../errors';
import type { Logger } from '../log';
import { agentFor } from '../net/proxy';
import { DEFAULT_USER_AGENT, accessToken, isReadOnly, isTenantGuid, newCall, numericResultSize, type CallState } from './call';
import { requestIdOf } from './classify';
import { ExoCancelledError, ExoError, ExoIncompleteListingError, ExoThrottledError } from './errors';
import { NetworkError, post, type RawResponse } from './http';
import { decideRetry, judgeBudget, judgeFailedAnswer, judgePage, nonTerminatingFailure } from './judge';
import { AdaptiveLimiter } from './limiter';
import type { ExoClientOptions, InvokeOptions } from './options';
import { readPage, type ExoObject, type ExoPage } from './page';
import type { RetryLimits } from './retry-rules';
import { EXO_LIMITS } from './limits';
import { callRecord, countCall, countFailure, emptyStats, retryRecord, type ExoCallStats } from './stats';
import { systemClock, type Clock, type TokenProvider } from './ports';

export { stripAnnotations, type ExoObject, type ExoPage } from './page';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The only code that speaks the Exchange Online admin API (`adminapi/beta/.../InvokeCommand`):
 * request shape and headers, paging by POSTed nextLinks, retries, throttling and error
 * mapping. Safe to share by all calls of one tenant: the adaptive concurrency limit and
 * the throttling pause are per client, because Exchange throttles per tenant.
 */
export class ExoClient {
  private readonly endpoint: URL;
  private readonly base: string;
  private readonly configuredTenant: string;
  private readonly resolveTenantId?: () => Promise<string>;
  private tenant: Promise<string> | null = null;
  private readonly tokens: TokenProvider;
  private readonly log: Logger;
  private readonly pageSize: number;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly maxConcurrency: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly agent: http.Agent;
  private readonly ownsAgent: boolean;
  private readonly userAgent: string;
  private readonly limiter: AdaptiveLimiter;
  private readonly retryLimits: RetryLimits;
  private pausedUntil = 0;
  private counters: ExoCallStats = emptyStats();

  constructor(options: ExoClientOptions) {
    const issues: FieldIssue[] = [];
    let endpoint: URL | null = null;
    try {
      endpoint = new URL(options.endpoint);
      if (endpoint.protocol !== 'https:' && !(endpoint.protocol === 'http:' && LOOPBACK.has(endpoint.hostname))) {
        issues.push({ field: 'endpoint', reason: 'must be https (plain http only for a loopback emulator): the bearer token travels with every call' });
      }
    } catch {
      issues.push({ field: 'endpoint', reason: `not a URL: ${options.endpoint}` });
    }
    if (!options.tenantId || /[\s/?#]/.test(options.tenantId)) issues.push({ field: 'tenantId', reason: 'must be a tenant id or domain' });
    const int = (field: string, v: number | undefined, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
      if (v === undefined) return def;
      if (!Number.isFinite(v) || v < min || v > max) issues.push({ field, reason: `must be between ${min} and ${max}` });
      return v;
    };
    // The same bounds and defaults as the EXO_* settings (lib/exo/limits.ts). The one
    // exception is the timeout's floor: EXO_TIMEOUT_SECONDS keeps a deployment at 5 s or
    // more, while the client's own tests drive deadlines of 100 ms.
    const { pageSize, maxRetries, timeoutSeconds, maxConcurrency } = EXO_LIMITS;
    this.pageSize = int('pageSize', options.pageSize, pageSize.default, pageSize.min, pageSize.max);
    this.maxRetries = int('maxRetries', options.maxRetries, maxRetries.default, maxRetries.min, maxRetries.max);
    this.timeoutMs = int('timeoutMs', options.timeoutMs, timeoutSeconds.default * 1000, 1, timeoutSeconds.max * 1000);
    this.maxConcurrency = int('maxConcurrency', options.maxConcurrency, maxConcurrency.default, maxConcurrency.min, maxConcurrency.max);
    this.baseBackoffMs = int('baseBackoffMs', options.baseBackoffMs, 2000, 0);
    this.maxBackoffMs = int('maxBackoffMs', options.maxBackoffMs, 60_000, 0);
    this.maxRetryAfterMs = int('maxRetryAfterMs', options.maxRetryAfterMs, 5 * 60_000, 0);
    if (issues.length > 0 || !endpoint) throw new ValidationError(issues, `Invalid Exchange client options: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);

    this.endpoint = endpoint;
    this.base = endpoint.href.replace(/\/+$/, '');
    this.configuredTenant = options.tenantId;
    this.resolveTenantId = options.resolveTenantId;
    this.tokens = options.tokenProvider;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const given = endpoint.protocol === 'https:' ? options.httpsAgent : options.httpAgent;
    this.ownsAgent = !given;
    this.agent = given ?? agentFor(options.proxy, endpoint);
    this.limiter = new AdaptiveLimiter(this.maxConcurrency);
    this.retryLimits = {
      maxRetries: this.maxRetries,
      maxRetryAfterMs: this.maxRetryAfterMs,
      baseBackoffMs: this.baseBackoffMs,
      backoff: (n) => this.backoff(n),
      now: () => this.clock.now(),
      tokenSource: () => this.tokens.describe(),
    };
  }

  /**
   * The same client (connection, limiter, counters) with `defaults` applied to every call
   * that does not set them: how a sync hands its lease's signal and wait cap to the
   * cmdlet helpers without threading them through each one.
   */
  withDefaults(defaults: Pick<InvokeOptions, 'signal' | 'maxWaitMs'>): ExoClient {
    const view = Object.create(this) as ExoClient;
    view.pages = <T = ExoObject>(cmdlet: string, parameters: Record<string, unknown> = {}, options: InvokeOptions = {}) => this.pages<T>(cmdlet, parameters, { ...defaults, ...options });
    view.invoke = <T = ExoObject>(cmdlet: string, parameters: Record<string, unknown> = {}, options: InvokeOptions = {}) => this.invoke<T>(cmdlet, parameters, { ...defaults, ...options });
    return view;
  }

  /** Runs a cmdlet and collects every page. For small results; stream big listings with pages(). */
  async invoke<T = ExoObject>(cmdlet: string, parameters: Record<string, unknown> = {}, options: InvokeOptions = {}): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.pages<T>(cmdlet, parameters, options)) for (const item of page.items) items.push(item);
    return items;
  }

  /**
   * Runs a cmdlet and yields its answer page by page. Every page is requested with the
   * same body and headers (same anchor mailbox); a retried page retries the same link.
   *
   * Ends with an error, after the last page has been yielded, when the listing was
   * truncated (ExoIncompleteListingError) - so a `for await` loop never completes
   * normally on an incomplete listing. An expired page link ends it with
   * ExoPagingExpiredError: restart the listing, do not resume.
   *
   * A read-only cmdlet's non-terminating errors are in each page's `errors` (and logged);
   * for any other cmdlet the first one is thrown as a typed error, because the change it
   * asked for did not (fully) happen.
   */
  async *pages<T = ExoObject>(cmdlet: string, parameters: Record<string, unknown> = {}, options: InvokeOptions = {}): AsyncGenerator<ExoPage<T>, void, undefined> {
    const tenant = await this.tenantId();
    const call = newCall(cmdlet, parameters, options, { tenant, pageSize: this.pageSize, timeoutMs: this.timeoutMs, userAgent: this.userAgent });
    countCall(this.counters, cmdlet);
    const started = this.clock.now();
    let url: URL | null = new URL(`${this.base}/adminapi/beta/${encodeURIComponent(tenant)}/InvokeCommand`);
    const pageSize = options.pageSize ?? this.pageSize;
    // The official module asks each page for min(ResultSize remaining, page size) and
    // follows a link only while the page was full and the ResultSize is not reached.
    let remaining = numericResultSize(parameters.ResultSize);
    let pageNumber = 0;
    let items = 0;
    let truncation: string | null = null;
    let status = 'stopped';
    try {
      while (url) {
        const asked = remaining === null ? pageSize : Math.min(remaining, pageSize);
        call.headers.Prefer = `odata.maxpagesize=${asked}`;
        const response = await this.send(call, url);
        pageNumber++;
        this.counters.pages++;
        const page: ExoPage<T> & { next: URL | null } = readPage<T>(response, { cmdlet: call.cmdlet, requestId: call.lastRequestId ?? call.clientRequestId, url, endpoint: this.endpoint, pageNumber });
        const verdict = judgePage(page, remaining, asked, options.acceptTruncation);
        remaining = verdict.remaining;
        if (verdict.truncation) truncation = verdict.truncation;
        items += page.items.length;
        this.counters.items += page.items.length;
        if (page.errors.length > 0) {
          if (!isReadOnly(cmdlet)) throw nonTerminatingFailure(cmdlet, page);
          this.log.warn('Exchange reported non-terminating errors', { cmdlet, pageNumber, count: page.errors.length, first: page.errors[0], requestId: page.requestId });
        }
        url = verdict.follow ? page.next : null;
        yield { items: page.items, pageNumber, warnings: page.warnings, errors: page.errors, requestId: page.requestId };
      }
      if (truncation) throw new ExoIncompleteListingError({ cmdlet, warning: truncation, itemsRead: items, pagesRead: pageNumber, requestId: call.lastRequestId });
      status = 'ok';
    } catch (e) {
      status = e instanceof ExoError ? e.code : 'error';
      countFailure(this.counters, status);
      throw e;
    } finally {
      this.log.info('Exchange cmdlet invoked', callRecord(call, { status, durationMs: this.clock.now() - started, pages: pageNumber, items, parameters }));
    }
  }

  /** The tenant as it goes into the URL and the anchor: the GUID, resolved once from a configured domain. */
  tenantId(): Promise<string> {
    if (isTenantGuid(this.configuredTenant) || !this.resolveTenantId) return Promise.resolve(this.configuredTenant);
    if (!this.tenant) {
      const attempt = this.resolveTenantId();
      // A failed resolution is not kept: the next call tries again.
      attempt.catch(() => {
        if (this.tenant === attempt) this.tenant = null;
      });
      this.tenant = attempt;
    }
    return this.tenant;
  }

  stats(): ExoCallStats {
    return { ...structuredClone(this.counters), concurrencyLimit: this.limiter.limit };
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  /** Closes idle keep-alive connections of the agent this client created (not of a given one). */
  close(): void {
    if (this.ownsAgent) this.agent.destroy();
  }

  /** One HTTP request (one page) with its bounded retries (lib/exo/retry-rules.ts). Returns a 2xx answer or throws a typed error. */
  private async send(call: CallState, url: URL): Promise<RawResponse> {
    const state = { cmdlet: call.cmdlet, readOnly: isReadOnly(call.cmdlet), timeoutMs: call.timeoutMs, attempts: 0, failures: 0, refreshedToken: false };
    let forceRefresh = false;
    for (;;) {
      if (call.signal?.aborted) throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: call.signal.reason });
      state.attempts++;
      const outcome = await this.attempt(call, url, forceRefresh);
      forceRefresh = false;
      if (outcome.response && !outcome.error) return outcome.response;
      const error = outcome.error!;
      const decision = decideRetry(error, outcome.response, state, this.retryLimits, call.maxWaitMs);
      if (!decision.retry) throw decision.error;
      if (decision.countsAsFailure) state.failures++;
      if (decision.refreshToken) state.refreshedToken = forceRefresh = true;
      this.noteRetry(call, error, decision.waitMs, state.attempts);
      const waitMs = Math.min(decision.waitMs, call.maxWaitMs ?? Infinity);
      if (decision.pauseClient) this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + waitMs);
      else await this.sleep(call, waitMs);
    }
  }

  /**
   * Sends once and judges the answer while still holding the concurrency slot, so that a
   * throttle lowers the limit (and a low budget caps it) before the slot goes to another call.
   */
  private async attempt(call: CallState, url: URL, forceRefresh: boolean): Promise<{ response: RawResponse | null; error: ExoError | NetworkError | null }> {
    const slot = await this.limiter.acquire(call.signal).catch((e: unknown) => {
      throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: e });
    });
    try {
      await this.waitWhilePaused(call);
      const token = await accessToken(this.tokens, call.cmdlet, forceRefresh);
      this.counters.requests++;
      let response: RawResponse;
      try {
        response = await post(url, { headers: { ...call.headers, Authorization: `Bearer ${token}` }, body: call.body, timeoutMs: call.timeoutMs, agent: this.agent, signal: call.signal });
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
      const error = judgeFailedAnswer(response, call.cmdlet, () => this.clock.now());
      if (error instanceof ExoThrottledError) {
        this.limiter.onThrottle(slot, error.tenantConcurrency ? 'tenantConcurrency' : 'budget');
        this.counters.throttled++;
        call.throttled++;
      }
      return { response, error };
    } finally {
      slot.release();
    }
  }

  /** Caps the concurrency, and pauses every call, as the budget headers of an answer say (lib/exo/judge.ts). */
  private observeBudget(call: CallState, headers: http.IncomingHttpHeaders): void {
    const budget = judgeBudget(headers, { maxConcurrency: this.maxConcurrency, baseBackoffMs: this.baseBackoffMs, maxRetryAfterMs: this.maxRetryAfterMs }, () => this.clock.now());
    if (!budget) return;
    this.limiter.setBudgetCap(budget.cap);
    if (budget.waitMs === null) return;
    const until = this.clock.now() + budget.waitMs;
    if (budget.waitMs > 0 && until > this.pausedUntil) {
      this.pausedUntil = until;
      this.log.warn('Exchange budget almost spent; pausing calls', { cmdlet: call.cmdlet, rateLimitRemaining: budget.remaining, rateLimitLimit: budget.limit, waitMs: budget.waitMs });
    }
  }

  private async waitWhilePaused(call: CallState): Promise<void> {
    // Re-check only when another call extended the pause, so a clock that does not advance cannot loop.
    let waitedFor = -1;
    for (;;) {
      const waitMs = this.pausedUntil - this.clock.now();
      if (waitMs <= 0 || this.pausedUntil === waitedFor) return;
      waitedFor = this.pausedUntil;
      await this.sleep(call, waitMs);
    }
  }

  private async sleep(call: CallState, ms: number): Promise<void> {
    if (ms <= 0) return;
    call.waitMs += ms;
    this.counters.waitMs += ms;
    try {
      await this.clock.sleep(ms, call.signal);
    } catch (e) {
      throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: e });
    }
  }

  /** Exponential backoff with full jitter: random in [0, min(cap, base x 2^(n-1))]. */
  private backoff(failure: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.max(0, failure - 1));
    return Math.round(this.random() * ceiling);
  }

  private noteRetry(call: CallState, reason: ExoError | NetworkError, waitMs: number, attempt: number): void {
    call.retries++;
    this.counters.retries++;
    this.log.warn('Exchange call will be retried', retryRecord(call, reason, waitMs, attempt, this.limiter.limit));
  }
}
