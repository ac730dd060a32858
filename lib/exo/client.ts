import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { ValidationError, describeError, type FieldIssue } from '../errors';
import type { Logger } from '../log';
import {
  ExoAuthError,
  ExoCancelledError,
  ExoError,
  ExoIncompleteListingError,
  ExoThrottledError,
  ExoTransientError,
  classifyExchangeError,
  exoErrorInfo,
  headerValue,
  parseRetryAfter,
  requestIdOf,
} from './errors';
import { NetworkError, post, type RawResponse } from './http';
import { readPage, type ExoObject, type ExoPage } from './page';

export { stripAnnotations, type ExoObject, type ExoPage } from './page';
import { AdaptiveLimiter } from './limiter';
import { RETRY_RULES, type RetryLimits } from './retry-rules';
import { agentFor, type ProxySettings } from '../net/proxy';
import { EXO_LIMITS } from './limits';
import { systemClock, type Clock, type TokenProvider } from './ports';

export interface ExoClientOptions {
  /** e.g. https://outlook.office365.com, or http://127.0.0.1:<port> for the emulator (plain http only on loopback). */
  endpoint: string;
  /** The tenant GUID, or a domain (then give resolveTenantId, or the domain goes into the URL and anchor as it is). */
  tenantId: string;
  /**
   * Resolves a tenant configured by domain to its GUID, once, before the first call:
   * the nextLink of a listing names the backend of its first page, and a vanity domain
   * in the URL or anchor makes page 2 fail (public reports). Not called for a GUID.
   */
  resolveTenantId?: () => Promise<string>;
  tokenProvider: TokenProvider;
  log: Logger;
  /** `Prefer: odata.maxpagesize`; default and maximum 1000 (EXO_LIMITS.pageSize). */
  pageSize?: number;
  /** Retries per HTTP request for throttling, transient errors, dropped connections and timeouts; 0-10, default 5 (EXO_LIMITS.maxRetries). */
  maxRetries?: number;
  /** Deadline per HTTP request; default 120 s, at most 960 s (EXO_LIMITS.timeoutSeconds; Exchange itself may run a cmdlet up to ~15 min). */
  timeoutMs?: number;
  /** Upper bound of the adaptive concurrency limit; 1-32, default 12 (EXO_LIMITS.maxConcurrency). */
  maxConcurrency?: number;
  /** Backoff base: base x 2^(n-1) with full jitter; default 2000 ms. */
  baseBackoffMs?: number;
  /** Backoff cap; default 60 s. */
  maxBackoffMs?: number;
  /** A Retry-After longer than this is not waited for: ExoThrottledError at once. Default 5 min. */
  maxRetryAfterMs?: number;
  clock?: Clock;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** Outbound proxy (from lib/config); used when no agent is given. NO_PROXY applies to the endpoint. */
  proxy?: ProxySettings | null;
  userAgent?: string;
}

export interface InvokeOptions {
  /** A UPN (sent as `UPN:<upn>`) or a prefixed anchor (`UPN:`, `SMTP:`, `APP:`...). Default: the org-wide system mailbox. */
  anchorMailbox?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The longest single wait between attempts (a Retry-After, a backoff): a longer
   * Retry-After fails the call at once with ExoThrottledError. A sync passes what its
   * lease covers, so no wait outlasts the lease (the signal ends any wait, and the
   * request in flight, once the lease is lost).
   */
  maxWaitMs?: number;
  /** Overrides the client's page size for this call. */
  pageSize?: number;
  /**
   * Accept a listing that Exchange cut short (a last page, without a nextLink, carrying the
   * `There are more results available...` warning) instead of failing with
   * ExoIncompleteListingError. A numeric ResultSize that is reached is never an error, so
   * probes such as `-ResultSize 1` do not need this.
   */
  acceptTruncation?: boolean;
}

/** Counters since creation or the last resetStats(); for sync run records. */
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

/** The org-wide anchor the ExchangeOnlineManagement module uses for app-only calls. */
export const SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
export const TRUNCATION_WARNING = /There are more results available than are currently displayed/i;
export const DEFAULT_USER_AGENT = 'exo-mobile-connector/0.1 (Azure Functions; ExoClient)';

/** Below this share of Rate-Limit-Remaining / Rate-Limit-Limit the client slows down. */
const LOW_BUDGET_FRACTION = 0.1;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const READ_ONLY_VERB = /^(Get|Test|Search)-/i;
const TENANT_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A numeric ResultSize (number or digits), or null for Unlimited / none / anything Exchange must judge. */
function numericResultSize(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

interface CallState {
  cmdlet: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
  maxWaitMs?: number;
  clientRequestId: string;
  retries: number;
  throttled: number;
  waitMs: number;
  firstRequestId: string | null;
  lastRequestId: string | null;
}

function emptyStats(): ExoCallStats {
  return { calls: 0, callsByCmdlet: {}, requests: 0, pages: 0, items: 0, retries: 0, throttled: 0, waitMs: 0, failures: 0, failuresByCode: {}, concurrencyLimit: 0 };
}

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
    const call = this.startCall(cmdlet, parameters, options, tenant);
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
        if (remaining !== null) {
          if (page.items.length > remaining) page.items = page.items.slice(0, remaining);
          remaining -= page.items.length;
        }
        items += page.items.length;
        this.counters.items += page.items.length;
        const reached = remaining !== null && remaining <= 0;
        const follow = page.next !== null && (remaining === null || (!reached && page.items.length >= asked));
        // Exchange pages at odata.maxpagesize and warns "more results available" on every
        // page with a nextLink; only a last page (no link) that warns while the ResultSize
        // was not reached is cut short.
        const warning = page.warnings.find((w) => TRUNCATION_WARNING.test(w)) ?? null;
        if (follow) page.warnings = page.warnings.filter((w) => !TRUNCATION_WARNING.test(w));
        else if (warning && page.next === null && !reached && !options.acceptTruncation) truncation = warning;
        if (page.errors.length > 0) {
          if (!READ_ONLY_VERB.test(cmdlet)) {
            throw classifyExchangeError(400, { 'request-id': page.requestId }, { error: { details: [{ message: page.errors[0] }] } }, cmdlet);
          }
          this.log.warn('Exchange reported non-terminating errors', { cmdlet, pageNumber, count: page.errors.length, first: page.errors[0], requestId: page.requestId });
        }
        url = follow ? page.next : null;
        yield { items: page.items, pageNumber, warnings: page.warnings, errors: page.errors, requestId: page.requestId };
      }
      if (truncation) throw new ExoIncompleteListingError({ cmdlet, warning: truncation, itemsRead: items, pagesRead: pageNumber, requestId: call.lastRequestId });
      status = 'ok';
    } catch (e) {
      status = e instanceof ExoError ? e.code : 'error';
      this.counters.failures++;
      this.counters.failuresByCode[status] = (this.counters.failuresByCode[status] ?? 0) + 1;
      throw e;
    } finally {
      this.log.info('Exchange cmdlet invoked', {
        cmdlet,
        status,
        durationMs: this.clock.now() - started,
        pages: pageNumber,
        items,
        retries: call.retries,
        throttled: call.throttled,
        waitMs: call.waitMs,
        firstRequestId: call.firstRequestId,
        lastRequestId: call.lastRequestId,
        clientRequestId: call.clientRequestId,
        parameterNames: Object.keys(parameters),
      });
    }
  }

  /** The tenant as it goes into the URL and the anchor: the GUID, resolved once from a configured domain. */
  tenantId(): Promise<string> {
    if (TENANT_GUID.test(this.configuredTenant) || !this.resolveTenantId) return Promise.resolve(this.configuredTenant);
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

  private startCall(cmdlet: string, parameters: Record<string, unknown>, options: InvokeOptions, tenant: string): CallState {
    if (!/^[A-Za-z]+-[A-Za-z0-9]+$/.test(cmdlet)) throw ValidationError.of('cmdlet', `not a cmdlet name: ${cmdlet}`);
    if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) throw ValidationError.of('parameters', 'must be an object');
    const pageSize = options.pageSize ?? this.pageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw ValidationError.of('pageSize', 'must be an integer from 1 to 1000');
    const anchor = this.anchorFor(options.anchorMailbox, tenant);
    const clientRequestId = randomUUID();
    this.counters.calls++;
    this.counters.callsByCmdlet[cmdlet] = (this.counters.callsByCmdlet[cmdlet] ?? 0) + 1;
    return {
      cmdlet,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-AnchorMailbox': anchor,
        Prefer: `odata.maxpagesize=${pageSize}`,
        'X-CmdletName': cmdlet,
        'X-ClientRequestId': clientRequestId,
        'User-Agent': this.userAgent,
      },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
      maxWaitMs: options.maxWaitMs,
      clientRequestId,
      retries: 0,
      throttled: 0,
      waitMs: 0,
      firstRequestId: null,
      lastRequestId: null,
    };
  }

  private anchorFor(anchor: string | undefined, tenant: string): string {
    if (anchor === undefined || anchor === '') return `APP:${SYSTEM_MAILBOX}@${tenant}`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(anchor)) throw ValidationError.of('anchorMailbox', 'contains control characters');
    return /^(UPN|SMTP|APP|OID|PUID|SID):/i.test(anchor) ? anchor : `UPN:${anchor}`;
  }

  /** One HTTP request (one page) with its bounded retries (lib/exo/retry-rules.ts). Returns a 2xx answer or throws a typed error. */
  private async send(call: CallState, url: URL): Promise<RawResponse> {
    const state = { cmdlet: call.cmdlet, readOnly: READ_ONLY_VERB.test(call.cmdlet), timeoutMs: call.timeoutMs, attempts: 0, failures: 0, refreshedToken: false };
    let forceRefresh = false;
    for (;;) {
      if (call.signal?.aborted) throw new ExoCancelledError({ cmdlet: call.cmdlet }, { cause: call.signal.reason });
      state.attempts++;
      const outcome = await this.attempt(call, url, forceRefresh);
      forceRefresh = false;
      if (outcome.response && !outcome.error) return outcome.response;
      const error = outcome.error!;
      const rule = RETRY_RULES.find((r) => r.meetsConditions(error, state));
      if (!rule) throw error instanceof ExoError ? error : new ExoTransientError({ cmdlet: call.cmdlet, reason: error.message }, { cause: error });
      const limits = call.maxWaitMs === undefined ? this.retryLimits : { ...this.retryLimits, maxRetryAfterMs: Math.min(this.maxRetryAfterMs, call.maxWaitMs) };
      const decision = rule.decide(error, outcome.response, state, limits);
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
      const token = await this.token(call, forceRefresh);
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
      let error = classifyExchangeError(response.status, response.headers, response.body, call.cmdlet);
      if (error instanceof ExoThrottledError) {
        this.limiter.onThrottle(slot, error.tenantConcurrency ? 'tenantConcurrency' : 'budget');
        this.counters.throttled++;
        call.throttled++;
        // Parsed again with the client's clock: an HTTP-date Retry-After is relative to it.
        error = new ExoThrottledError({ ...exoErrorInfo(error), retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after'), this.clock.now()), tenantConcurrency: error.tenantConcurrency });
      }
      return { response, error };
    } finally {
      slot.release();
    }
  }

  private async token(call: CallState, forceRefresh: boolean): Promise<string> {
    try {
      const info = await this.tokens.getToken(forceRefresh ? { forceRefresh: true } : undefined);
      return info.token;
    } catch (e) {
      throw new ExoAuthError({ cmdlet: call.cmdlet, reason: `no access token could be acquired from ${this.tokens.describe()}: ${describeError(e)}` }, { cause: e });
    }
  }

  /**
   * Budget headers come with successful answers: slow down before the budget is gone.
   * Below 10 % remaining the concurrency is capped in proportion; with almost nothing
   * left, every call pauses until Rate-Limit-Reset (bounded by maxRetryAfterMs).
   */
  private observeBudget(call: CallState, headers: http.IncomingHttpHeaders): void {
    const limit = Number(headerValue(headers, 'rate-limit-limit'));
    const remainingText = headerValue(headers, 'rate-limit-remaining');
    const remaining = Number(remainingText);
    if (!(limit > 0) || remainingText === null || !Number.isFinite(remaining)) return;
    const fraction = remaining / limit;
    if (fraction >= LOW_BUDGET_FRACTION) {
      this.limiter.setBudgetCap(this.maxConcurrency);
      return;
    }
    this.limiter.setBudgetCap((this.maxConcurrency * fraction) / LOW_BUDGET_FRACTION);
    if (remaining > this.maxConcurrency) return;
    const reset = Date.parse(headerValue(headers, 'rate-limit-reset') ?? '');
    const untilReset = Number.isNaN(reset) ? this.baseBackoffMs : reset - this.clock.now();
    const waitMs = Math.min(Math.max(untilReset, 0), this.maxRetryAfterMs);
    const until = this.clock.now() + waitMs;
    if (waitMs > 0 && until > this.pausedUntil) {
      this.pausedUntil = until;
      this.log.warn('Exchange budget almost spent; pausing calls', { cmdlet: call.cmdlet, rateLimitRemaining: remaining, rateLimitLimit: limit, waitMs });
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
    this.log.warn('Exchange call will be retried', {
      cmdlet: call.cmdlet,
      attempt,
      reason: reason.code,
      detail: reason instanceof ExoError ? (reason.exchangeMessage ?? reason.message) : reason.message,
      httpStatus: reason instanceof ExoError ? reason.httpStatus : null,
      requestId: reason instanceof ExoError ? reason.requestId : null,
      waitMs,
      concurrencyLimit: this.limiter.limit,
    });
  }
}
