/** What a caller can set: once for a client (ExoClientOptions), and per call (InvokeOptions). */
import type http from 'node:http';
import type https from 'node:https';
import type { Logger } from '../log';
import type { ProxySettings } from '../net/proxy';
import type { Clock, TokenProvider } from './ports';

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
  /** `Prefer: odata.maxpagesize`; default and maximum 1000. */
  pageSize?: number;
  /** Retries per HTTP request for throttling, transient errors, dropped connections and timeouts; default 5. */
  maxRetries?: number;
  /** Deadline per HTTP request; default 120 s (Exchange itself may run a cmdlet up to ~15 min). */
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
