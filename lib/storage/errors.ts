/**
 * Storage errors as values, and the one place that reads the Azure SDK's RestError
 * (HTTP status, OData error code, network error code) to decide what a failure means.
 */
import type { TableClient } from '@azure/data-tables';
import { AppError } from '../errors';

/** Table Storage cannot be reached or keeps failing (network, 500, 503 after retries). */
export class StorageUnavailableError extends AppError {
  constructor(operation: string, reason: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super('StorageUnavailable', `Table storage is unavailable (${operation}): ${reason}`, 503, { operation, reason, ...details }, { cause });
  }
}

/** Optimistic concurrency: the entity changed since it was read (HTTP 412 on If-Match). */
export class ConcurrencyError extends AppError {
  constructor(what: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super('ConcurrencyConflict', `${what} was changed by someone else since it was read; reload and retry`, 409, details, { cause });
  }
}

/** A tenant lease was taken over or removed: the holder must stop writing at once. */
export class LeaseLostError extends AppError {
  constructor(lease: { tenantId: string; name: string; owner: string }, cause?: unknown) {
    super('LeaseLost', `The ${lease.name} lease of tenant ${lease.tenantId} is no longer held by ${lease.owner}`, 409, { tenantId: lease.tenantId, lease: lease.name, owner: lease.owner }, { cause });
  }
}

/** Any other storage answer the connector does not expect (bad request, forbidden, ...). */
export class StorageError extends AppError {
  constructor(operation: string, reason: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super('StorageError', `Table storage rejected ${operation}: ${reason}`, 500, { operation, reason, ...details }, { cause });
  }
}

interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
  details?: { errorCode?: string; odataError?: { code?: string } };
}

function asRest(e: unknown): RestErrorLike | undefined {
  return typeof e === 'object' && e !== null ? (e as RestErrorLike) : undefined;
}

export function statusOf(e: unknown): number | undefined {
  const s = asRest(e)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** `EntityAlreadyExists`, `UpdateConditionNotSatisfied`, `TableNotFound`, ... */
export function odataCodeOf(e: unknown): string | undefined {
  const r = asRest(e);
  if (!r) return undefined;
  return r.details?.odataError?.code ?? r.details?.errorCode ?? (r.statusCode !== undefined ? r.code : undefined);
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** No HTTP answer at all: refused, reset, DNS, or our own timeout. */
export function isNetworkError(e: unknown): boolean {
  const r = asRest(e);
  if (!r || r.statusCode !== undefined) return false;
  return (r.code !== undefined && networkCodes.has(r.code)) || r.name === 'AbortError' || r.name === 'TimeoutError';
}

/** Worth retrying: the service was busy or the request may not have arrived. */
export function isTransient(e: unknown): boolean {
  const s = statusOf(e);
  return s === 408 || s === 429 || s === 500 || s === 502 || s === 503 || s === 504 || isNetworkError(e);
}

/**
 * A short description without secrets. SDK messages can echo request URLs, so any
 * account key, SAS signature or authorization header value is masked.
 */
export function describeStorageError(e: unknown): string {
  const r = asRest(e);
  if (!r) return String(e);
  if (r.name === 'AbortError' || r.name === 'TimeoutError') return 'no answer in time';
  const status = statusOf(e);
  const code = odataCodeOf(e) ?? r.code;
  let text: string;
  if (status !== undefined) {
    // Service errors carry the OData JSON body as the message; keep its first line only.
    const value = /"value":"([^"\\]*)/.exec(r.message ?? '')?.[1];
    text = `HTTP ${status}${code ? ` ${code}` : ''}${value ? `: ${value}` : ''}`;
  } else {
    text = `${code ? `${code}: ` : ''}${(r.message ?? '').split('\n')[0]}`;
  }
  return redact(text).slice(0, 300);
}

export function redact(text: string): string {
  return text
    .replace(/AccountKey=[^;"\s]+/gi, 'AccountKey=***')
    .replace(/([?&]sig=)[^&"\s]+/gi, '$1***')
    .replace(/SharedAccessSignature=[^;"\s]+/gi, 'SharedAccessSignature=***')
    .replace(/(SharedKey(?:Lite)? [^:\s]+:)[^\s",]+/g, '$1***')
    .replace(/(Bearer )[A-Za-z0-9._~+/=-]+/g, '$1***');
}

/**
 * Turns an SDK failure into the connector's error values. AppErrors pass unchanged;
 * a 412 becomes ConcurrencyError; no answer or 5xx becomes StorageUnavailableError.
 */
export function toStorageError(e: unknown, operation: string, what = 'The entity'): unknown {
  if (e instanceof AppError) return e;
  const r = asRest(e);
  if (!r || (r.name !== 'RestError' && !isNetworkError(e))) return e;
  const status = statusOf(e);
  const code = odataCodeOf(e);
  if (status === 412) return new ConcurrencyError(what, { operation, storageCode: code }, e);
  if (isTransient(e)) return new StorageUnavailableError(operation, describeStorageError(e), { status, storageCode: code }, e);
  return new StorageError(operation, describeStorageError(e), { status, storageCode: code }, e);
}

/** Runs one storage call and translates its failure (see toStorageError). */
export async function guard<T>(operation: string, fn: () => Promise<T>, what?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStorageError(e, operation, what);
  }
}

/** One entity by its keys; null when there is none (404). */
export async function getEntityOrNull(client: TableClient, pk: string, rk: string, operation: string): Promise<(Record<string, unknown> & { etag: string }) | null> {
  return guard(operation, async () => {
    try {
      return await client.getEntity<Record<string, unknown>>(pk, rk);
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  });
}
