/**
 * Reading Exchange's error answers: the headers and body of a failed InvokeCommand answer
 * mapped to one of the typed errors of ./errors.
 */
import { ExoAuthError, ExoBadParameterError, ExoConflictError, ExoFailedError, ExoNotFoundError, ExoPagingExpiredError, ExoThrottledError, ExoTransientError, PermissionMissingError, type ExoError, type ExoErrorInfo } from './errors';

export type HeaderBag = Record<string, string | string[] | number | undefined>;

/** A header value by case-insensitive name (first value when repeated). */
export function headerValue(headers: HeaderBag | undefined, name: string): string | null {
  if (!headers) return null;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? (value[0] ?? null) : String(value);
  }
  return null;
}

/** Exchange's id for a request, for support cases and correlation in logs. */
export function requestIdOf(headers: HeaderBag | undefined): string | null {
  for (const name of ['request-id', 'x-request-id', 'x-ms-request-id', 'client-request-id']) {
    const v = headerValue(headers, name);
    if (v) return v;
  }
  return null;
}

/** `Retry-After` as milliseconds: seconds (possibly fractional) or an HTTP date; null when missing or unusable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

export interface ExchangeErrorText {
  /** The most specific message Exchange gave, or null. */
  message: string | null;
  /** The .NET exception type (from the body or the x-ExceptionType header), or null. */
  exceptionType: string | null;
}

function bodyText(body: unknown): string {
  if (body === null || body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return JSON.stringify(body);
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/**
 * Most specific first: `error.details[0].message` (`<id>|<exception type>|<text>`), then
 * `error.innererror.internalexception.message`, then `error.message`. A body that is not
 * JSON (a 403's NUL bytes, a gateway's HTML) yields its text, NULs removed.
 */
export function extractExchangeError(body: unknown, headers?: HeaderBag): ExchangeErrorText {
  let message: string | null = null;
  let exceptionType: string | null = null;
  // eslint-disable-next-line no-control-regex
  const text = bodyText(body).replace(/\u0000/g, '').trim();
  let parsed: unknown = null;
  if (text.startsWith('{')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  const error = asRecord(asRecord(parsed)?.error);
  if (error) {
    const details = Array.isArray(error.details) ? error.details : [];
    const detail = str(asRecord(details[0])?.message);
    if (detail) {
      const parts = detail.split('|');
      if (parts.length >= 3) {
        exceptionType = str(parts[1]);
        message = str(parts.slice(2).join('|'));
      } else if (parts.length === 2 && /Exception$/.test(parts[0].trim())) {
        exceptionType = str(parts[0]);
        message = str(parts[1]);
      } else {
        message = detail;
      }
    }
    const inner = asRecord(error.innererror);
    const internal = asRecord(inner?.internalexception);
    message ??= str(internal?.message);
    exceptionType ??= str(internal?.type) ?? str(inner?.type);
    message ??= str(error.message);
  } else if (text !== '') {
    message = text.length > 500 ? `${text.slice(0, 500)}...` : text;
  }
  exceptionType ??= headerValue(headers, 'x-exceptiontype');
  return { message, exceptionType };
}

const TRANSIENT_TYPES = [
  'DCOverloadedException',
  'SuitabilityDirectoryException',
  'ServerInMMException',
  'ADServerSettingsChangedException',
  'StorageTransientException',
];
const CONCURRENCY_TEXT = /maximum number of concurrent requests per tenant/i;
const PAGING_EXPIRED_TEXT = /Expired or Invalid pagination request/i;
// A mailbox deleted after the listing answers RecipientNotFoundException ("Couldn't find 'x' as a
// recipient."), a wrong recipient type RecipientNotValidException: both mean "no such object now".
const NOT_FOUND_TYPE = /ManagementObjectNotFoundException|RecipientNotFoundException|RecipientNotValidException/i;
const NOT_FOUND_TEXT = /couldn't be found|could not be found|Couldn't find '.*' as a recipient|does not represent a valid recipient/i;
// ParameterTransformationException: a bad enum value (comes without `details`);
// AmbiguousParameterSetException: an unknown parameter ("Parameter set cannot be resolved...").
const BAD_PARAMETER_TYPE = /ParameterBinding|ParameterTransformation|ArgumentException|ArgumentOutOfRange|ValidationException|DataValidation|ParameterSet|InvalidParameter/i;
/** A missing Exchange role can come back as 401 with this text: a permission, not a token, problem. */
const NOT_ALLOWED_TEXT = /is not allowed to call ([A-Za-z]+-[A-Za-z0-9]+)/i;
const BAD_PARAMETER_TEXT =
  /A parameter cannot be found that matches parameter name|Parameter set cannot be resolved|Cannot bind parameter|Cannot bind argument|Cannot validate argument|Cannot process argument|Cannot convert value/i;
const CONFLICT_TYPE = /ManagementObjectAlreadyExistsException/i;
const CONFLICT_TEXT = /already exists/i;

/**
 * Maps one failed Exchange answer to a typed error. Status codes alone do not classify
 * (not found, unknown parameter and bad values are all 400): the exception type and text
 * decide, except 401 (auth) and 403 (permission), which are decided by status.
 */
export function classifyExchangeError(status: number, headers: HeaderBag | undefined, body: unknown, cmdlet: string): ExoError {
  const { message, exceptionType } = extractExchangeError(body, headers);
  const info: ExoErrorInfo = {
    cmdlet,
    httpStatus: status,
    requestId: requestIdOf(headers),
    exceptionType,
    exchangeMessage: message,
  };
  // The header may carry the short type name while the body names a generic one (System.Exception): use both.
  const headerType = headerValue(headers, 'x-exceptiontype');
  const types = `${exceptionType ?? ''} ${headerType ?? ''}`;
  const both = `${types} ${message ?? ''}`;

  const notAllowed = NOT_ALLOWED_TEXT.exec(message ?? '');
  if (notAllowed && (status === 401 || status === 403)) {
    return new PermissionMissingError(notAllowed[1], { ...info, diagnostics: headerValue(headers, 'x-ms-diagnostics') });
  }
  if (status === 401) {
    const challenge = headerValue(headers, 'www-authenticate');
    return new ExoAuthError({ ...info, reason: `Exchange refused the access token (HTTP 401${challenge ? `, ${challenge}` : ''}${message ? `: ${message}` : ''})` });
  }
  if (status === 403) {
    return new PermissionMissingError(cmdlet, { ...info, diagnostics: headerValue(headers, 'x-ms-diagnostics') });
  }
  if (status === 429 || CONCURRENCY_TEXT.test(both)) {
    return new ExoThrottledError({ ...info, retryAfterMs: parseRetryAfter(headerValue(headers, 'retry-after'), Date.now()), tenantConcurrency: CONCURRENCY_TEXT.test(both) });
  }
  if (PAGING_EXPIRED_TEXT.test(both)) return new ExoPagingExpiredError(info);
  if (status === 502 || status === 503 || status === 504 || TRANSIENT_TYPES.some((t) => both.includes(t))) {
    return new ExoTransientError(info);
  }
  if (status === 404 || NOT_FOUND_TYPE.test(types) || NOT_FOUND_TEXT.test(message ?? '')) return new ExoNotFoundError(info);
  if (BAD_PARAMETER_TYPE.test(types) || BAD_PARAMETER_TEXT.test(message ?? '')) return new ExoBadParameterError(info);
  if (CONFLICT_TYPE.test(both) || CONFLICT_TEXT.test(message ?? '')) return new ExoConflictError(info);
  return new ExoFailedError(info);
}
