/** What a caller can set: once for a client (ExoClientOptions, checked by checkClientOptions), and per call (InvokeOptions). */
import type http from 'node:http';
import type https from 'node:https';
import { ValidationError, type FieldIssue } from '../errors';
import type { Logger } from '../log';
import type { ProxySettings } from '../net/proxy';
import { EXO_LIMITS } from './limits';
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

/** The numbers of a client's options, checked and defaulted, and its endpoint as a URL. */
export interface CheckedClientOptions {
  endpoint: URL;
  pageSize: number;
  maxRetries: number;
  timeoutMs: number;
  maxConcurrency: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Throws ValidationError naming every option that is off. */
export function checkClientOptions(options: ExoClientOptions): CheckedClientOptions {
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
  const checked = {
    pageSize: int('pageSize', options.pageSize, pageSize.default, pageSize.min, pageSize.max),
    maxRetries: int('maxRetries', options.maxRetries, maxRetries.default, maxRetries.min, maxRetries.max),
    timeoutMs: int('timeoutMs', options.timeoutMs, timeoutSeconds.default * 1000, 1, timeoutSeconds.max * 1000),
    maxConcurrency: int('maxConcurrency', options.maxConcurrency, maxConcurrency.default, maxConcurrency.min, maxConcurrency.max),
    baseBackoffMs: int('baseBackoffMs', options.baseBackoffMs, 2000, 0),
    maxBackoffMs: int('maxBackoffMs', options.maxBackoffMs, 60_000, 0),
    maxRetryAfterMs: int('maxRetryAfterMs', options.maxRetryAfterMs, 5 * 60_000, 0),
  };
  if (issues.length > 0 || !endpoint) throw new ValidationError(issues, `Invalid Exchange client options: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);
  return { endpoint, ...checked };
}
