import type http from 'node:http';
import type { Logger } from '../log';
import { agentFor } from '../net/proxy';
import { DEFAULT_USER_AGENT, isReadOnly, isTenantGuid, newCall, numericResultSize } from './call';
import { ExoError, ExoIncompleteListingError } from './errors';
import { judgePage, nonTerminatingFailure } from './judge';
import { checkClientOptions, type ExoClientOptions, type InvokeOptions } from './options';
import { readPage, type ExoObject, type ExoPage } from './page';
import { CallTally, callRecord, countCall, countFailure, type ExoCallStats } from './stats';
import { ExoTransport } from './transport';
import { systemClock, type Clock } from './ports';

export { stripAnnotations, type ExoObject, type ExoPage } from './page';

/** What every view of one client shares: the transport (connection, limiter, pause, token) and the tenant. */
interface Shared {
  options: ExoClientOptions;
  transport: ExoTransport;
  endpoint: URL;
  base: string;
  log: Logger;
  clock: Clock;
  pageSize: number;
  timeoutMs: number;
  userAgent: string;
  agent: http.Agent;
  ownsAgent: boolean;
  tenantId(): Promise<string>;
}

/** Options a view applies to every call that does not set them itself. */
export type ViewDefaults = Pick<InvokeOptions, 'signal' | 'maxWaitMs'>;

/**
 * The only code that speaks the Exchange Online admin API (`adminapi/beta/.../InvokeCommand`):
 * request shape and headers, paging by POSTed nextLinks, retries, throttling and error
 * mapping. Safe to share by all calls of one tenant: the adaptive concurrency limit and
 * the throttling pause are per client, because Exchange throttles per tenant. Views of a
 * client (withDefaults, view) share all of that and differ only in call defaults and in
 * which counters their calls go to.
 */
export class ExoClient {
  private readonly shared: Shared;
  private readonly tally: CallTally;
  private readonly defaults: ViewDefaults;

  /**
   * A client from its options. `viewOf` is for withDefaults() and view(): a view of that
   * client, which was built from the same `options`.
   */
  constructor(options: ExoClientOptions, viewOf?: { client: ExoClient; defaults?: ViewDefaults; ownCounters?: boolean }) {
    if (viewOf) {
      this.shared = viewOf.client.shared;
      this.tally = viewOf.ownCounters ? new CallTally(viewOf.client.tally) : viewOf.client.tally;
      this.defaults = { ...viewOf.client.defaults, ...viewOf.defaults };
      return;
    }
    const o = checkClientOptions(options);
    const given = o.endpoint.protocol === 'https:' ? options.httpsAgent : options.httpAgent;
    const agent = given ?? agentFor(options.proxy, o.endpoint);
    const clock = options.clock ?? systemClock;
    const transport = new ExoTransport({ ...o, agent, tokens: options.tokenProvider, log: options.log, clock, random: options.random ?? Math.random });
    this.shared = {
      options,
      transport,
      endpoint: o.endpoint,
      base: o.endpoint.href.replace(/\/+$/, ''),
      log: options.log,
      clock,
      pageSize: o.pageSize,
      timeoutMs: o.timeoutMs,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      agent,
      ownsAgent: !given,
      tenantId: tenantOnce(options.tenantId, options.resolveTenantId),
    };
    this.tally = new CallTally();
    this.defaults = {};
  }

  /**
   * The same client (connection, limiter, counters) with `defaults` applied to every call
   * that does not set them: how a sync hands its lease's signal and wait cap to the
   * cmdlet helpers without threading them through each one.
   */
  withDefaults(defaults: ViewDefaults): ExoClient {
    return new ExoClient(this.shared.options, { client: this, defaults });
  }

  /**
   * The same client (connection, limiter, throttling pause, token) with counters of its
   * own: a sync run's record counts its own calls only, not a health probe's made on the
   * shared client meanwhile. The client's totals still include the view's calls.
   */
  view(): ExoClient {
    return new ExoClient(this.shared.options, { client: this, ownCounters: true });
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
    const { transport, clock, log } = this.shared;
    options = { ...this.defaults, ...options };
    const tenant = await this.tenantId();
    const call = newCall(cmdlet, parameters, options, { tenant, pageSize: this.shared.pageSize, timeoutMs: this.shared.timeoutMs, userAgent: this.shared.userAgent });
    this.tally.count((c) => countCall(c, cmdlet));
    const started = clock.now();
    let url: URL | null = new URL(`${this.shared.base}/adminapi/beta/${encodeURIComponent(tenant)}/InvokeCommand`);
    const pageSize = options.pageSize ?? this.shared.pageSize;
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
        const response = await transport.send(call, url, this.tally);
        pageNumber++;
        const page: ExoPage<T> & { next: URL | null } = readPage<T>(response, { cmdlet: call.cmdlet, requestId: call.lastRequestId ?? call.clientRequestId, url, endpoint: this.shared.endpoint, pageNumber });
        const verdict = judgePage(page, remaining, asked, options.acceptTruncation);
        remaining = verdict.remaining;
        if (verdict.truncation) truncation = verdict.truncation;
        items += page.items.length;
        this.tally.count((c) => {
          c.pages++;
          c.items += page.items.length;
        });
        if (page.errors.length > 0) {
          if (!isReadOnly(cmdlet)) throw nonTerminatingFailure(cmdlet, page);
          log.warn('Exchange reported non-terminating errors', { cmdlet, pageNumber, count: page.errors.length, first: page.errors[0], requestId: page.requestId });
        }
        url = verdict.follow ? page.next : null;
        yield { items: page.items, pageNumber, warnings: page.warnings, errors: page.errors, requestId: page.requestId };
      }
      if (truncation) throw new ExoIncompleteListingError({ cmdlet, warning: truncation, itemsRead: items, pagesRead: pageNumber, requestId: call.lastRequestId });
      status = 'ok';
    } catch (e) {
      status = e instanceof ExoError ? e.code : 'error';
      this.tally.count((c) => countFailure(c, status));
      throw e;
    } finally {
      log.info('Exchange cmdlet invoked', callRecord(call, { status, durationMs: clock.now() - started, pages: pageNumber, items, parameters }));
    }
  }

  /** The tenant as it goes into the URL and the anchor: the GUID, resolved once from a configured domain. */
  tenantId(): Promise<string> {
    return this.shared.tenantId();
  }

  /** The counters of this client or view (a client's include its views' calls). */
  stats(): ExoCallStats {
    return { ...this.tally.snapshot(), concurrencyLimit: this.shared.transport.concurrencyLimit };
  }

  resetStats(): void {
    this.tally.reset();
  }

  /** Closes idle keep-alive connections of the agent this client created (not of a given one). */
  close(): void {
    if (this.shared.ownsAgent) this.shared.agent.destroy();
  }
}

/** The tenant as configured, or resolved from a domain once; a failed resolution is not kept, so the next call tries again. */
function tenantOnce(configured: string, resolve: (() => Promise<string>) | undefined): () => Promise<string> {
  if (isTenantGuid(configured) || !resolve) return () => Promise.resolve(configured);
  let tenant: Promise<string> | null = null;
  return () => {
    if (!tenant) {
      const attempt = resolve();
      attempt.catch(() => {
        if (tenant === attempt) tenant = null;
      });
      tenant = attempt;
    }
    return tenant;
  };
}
