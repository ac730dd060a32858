import { AppError } from '../errors';

/**
 * Typed errors for everything that can go wrong when invoking an Exchange Online cmdlet.
 * Every one says which cmdlet failed, in the words of the seed's EasDisc.log message
 * (`Invoking cmdlet <cmdlet> failed`), and keeps what Exchange said: HTTP status,
 * request id, .NET exception type and message.
 */
export interface ExoErrorInfo {
  cmdlet: string;
  httpStatus?: number | null;
  requestId?: string | null;
  exceptionType?: string | null;
  exchangeMessage?: string | null;
}

export class ExoError extends AppError {
  readonly cmdlet: string;
  readonly httpStatus: number | null;
  readonly requestId: string | null;
  readonly exceptionType: string | null;
  readonly exchangeMessage: string | null;

  constructor(
    code: string,
    message: string,
    status: number,
    info: ExoErrorInfo,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    const fields = {
      cmdlet: info.cmdlet,
      httpStatus: info.httpStatus ?? null,
      requestId: info.requestId ?? null,
      exceptionType: info.exceptionType ?? null,
      exchangeMessage: info.exchangeMessage ?? null,
    };
    super(code, message, status, { ...fields, ...details }, options);
    this.cmdlet = fields.cmdlet;
    this.httpStatus = fields.httpStatus;
    this.requestId = fields.requestId;
    this.exceptionType = fields.exceptionType;
    this.exchangeMessage = fields.exchangeMessage;
  }
}

/** The Exchange facts of an error, to build another error about the same answer. */
export function exoErrorInfo(e: ExoError): ExoErrorInfo {
  return { cmdlet: e.cmdlet, httpStatus: e.httpStatus, requestId: e.requestId, exceptionType: e.exceptionType, exchangeMessage: e.exchangeMessage };
}

function failed(cmdlet: string, what: string): string {
  return `Invoking cmdlet ${cmdlet} failed: ${what}`;
}

/** The object named by -Identity (device, mailbox, policy, rule) does not exist. */
export class ExoNotFoundError extends ExoError {
  constructor(info: ExoErrorInfo, options?: { cause?: unknown }) {
    super('ExoNotFound', failed(info.cmdlet, info.exchangeMessage ?? 'the object could not be found'), 404, info, {}, options);
  }
}

/** Unknown parameter, bad enum value, invalid parameter set, or a value Exchange's validation refused. */
export class ExoBadParameterError extends ExoError {
  constructor(info: ExoErrorInfo, options?: { cause?: unknown }) {
    super('ExoBadParameter', failed(info.cmdlet, info.exchangeMessage ?? 'Exchange refused the parameters'), 400, info, {}, options);
  }
}

/** New-* for an object that already exists (ManagementObjectAlreadyExistsException). */
export class ExoConflictError extends ExoError {
  constructor(info: ExoErrorInfo, options?: { cause?: unknown }) {
    super('ExoConflict', failed(info.cmdlet, info.exchangeMessage ?? 'the object already exists'), 409, info, {}, options);
  }
}

/**
 * HTTP 403: the app's service principal lacks an Exchange role holding the cmdlet, or the
 * cmdlet does not exist. A configuration error to report, never to retry. The body is
 * often NUL bytes; the only reason Exchange gives is the `x-ms-diagnostics` header.
 */
export class PermissionMissingError extends ExoError {
  readonly diagnostics: string | null;

  constructor(cmdlet: string, info: Omit<ExoErrorInfo, 'cmdlet'> & { diagnostics?: string | null } = {}) {
    const diagnostics = info.diagnostics ?? null;
    const status = info.httpStatus ?? 403;
    const why = [diagnostics, info.exchangeMessage].filter((s): s is string => !!s).join('; ');
    const message = failed(
      cmdlet,
      `the app is not allowed to run it (${why || `HTTP ${status} without diagnostics`}). ` +
        `Check that the app's service principal is in an Exchange role group holding ${cmdlet}.`,
    );
    super('PermissionMissing', message, 403, { ...info, cmdlet, httpStatus: status }, { diagnostics });
    this.diagnostics = diagnostics;
  }
}

/**
 * Exchange throttled the tenant: a 429 (budget), or the per-tenant concurrency text
 * (`tenantConcurrency`, with any status) - too many calls in flight, not too many calls.
 */
export class ExoThrottledError extends ExoError {
  readonly retryAfterMs: number | null;
  readonly attempts: number;
  readonly tenantConcurrency: boolean;

  constructor(
    info: ExoErrorInfo & { retryAfterMs?: number | null; attempts?: number; reason?: string; tenantConcurrency?: boolean },
    options?: { cause?: unknown },
  ) {
    const retryAfterMs = info.retryAfterMs ?? null;
    const attempts = info.attempts ?? 1;
    const tenantConcurrency = info.tenantConcurrency ?? false;
    const what = info.reason ?? `throttled by Exchange${info.exchangeMessage ? ` (${info.exchangeMessage})` : ''}`;
    super('ExoThrottled', failed(info.cmdlet, what), 503, info, { retryAfterMs, attempts, tenantConcurrency }, options);
    this.retryAfterMs = retryAfterMs;
    this.attempts = attempts;
    this.tenantConcurrency = tenantConcurrency;
  }
}

/** 502/503/504, a transient Exchange exception type, or a dropped connection; retries exhausted. */
export class ExoTransientError extends ExoError {
  readonly attempts: number;

  constructor(info: ExoErrorInfo & { attempts?: number; reason?: string }, options?: { cause?: unknown }) {
    const attempts = info.attempts ?? 1;
    const what = info.reason ?? info.exchangeMessage ?? `Exchange answered HTTP ${info.httpStatus ?? '?'}`;
    super('ExoTransient', failed(info.cmdlet, what), 503, info, { attempts }, options);
    this.attempts = attempts;
  }
}

/**
 * A cmdlet that changes state (Clear-, Remove-, Set-, New-...) lost its connection or
 * timed out after the request was sent: Exchange may or may not have acted. It is not
 * retried, so nothing is ever done twice; the caller checks the state before repeating.
 */
export class ExoOutcomeUnknownError extends ExoError {
  constructor(info: ExoErrorInfo & { reason: string }, options?: { cause?: unknown }) {
    super('ExoOutcomeUnknown', failed(info.cmdlet, `${info.reason}; Exchange may or may not have carried it out, so it was not sent again - check the object's state before repeating`), 502, info, {}, options);
  }
}

/** 401 after one forced token refresh, or no token could be acquired at all. */
export class ExoAuthError extends ExoError {
  constructor(info: ExoErrorInfo & { reason: string }, options?: { cause?: unknown }) {
    super('ExoAuth', failed(info.cmdlet, info.reason), 502, info, {}, options);
  }
}

/** No answer within the client's per-call time limit (retries exhausted). */
export class ExoTimeoutError extends ExoError {
  readonly timeoutMs: number;
  readonly attempts: number;

  constructor(info: ExoErrorInfo & { timeoutMs: number; attempts?: number }, options?: { cause?: unknown }) {
    const attempts = info.attempts ?? 1;
    super('ExoTimeout', failed(info.cmdlet, `no answer within ${info.timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`), 504, info, { timeoutMs: info.timeoutMs, attempts }, options);
    this.timeoutMs = info.timeoutMs;
    this.attempts = attempts;
  }
}

/** A nextLink expired or was replayed: the listing must restart from the first page. */
export class ExoPagingExpiredError extends ExoError {
  constructor(info: ExoErrorInfo, options?: { cause?: unknown }) {
    super('ExoPagingExpired', failed(info.cmdlet, `${info.exchangeMessage ?? 'the page link expired'} - restart the listing`), 503, info, {}, options);
  }
}

/** Exchange answered something the client cannot use; `what` names it. */
export class ExoResponseError extends ExoError {
  constructor(info: ExoErrorInfo & { what: string }, options?: { cause?: unknown }) {
    super('ExoBadResponse', failed(info.cmdlet, `unexpected answer from Exchange: ${info.what}`), 502, info, { what: info.what }, options);
  }
}

/**
 * The listing was cut short by ResultSize (warning `There are more results available than
 * are currently displayed...`). Whatever was read is real, but it is not every object:
 * nothing may be concluded from an absence (no device may be marked removed).
 */
export class ExoIncompleteListingError extends ExoError {
  readonly itemsRead: number;
  readonly pagesRead: number;

  constructor(info: ExoErrorInfo & { warning: string; itemsRead: number; pagesRead: number }) {
    super(
      'ExoIncompleteListing',
      failed(info.cmdlet, `the listing is incomplete after ${info.itemsRead} objects (${info.warning})`),
      502,
      { ...info, exchangeMessage: info.exchangeMessage ?? info.warning },
      { itemsRead: info.itemsRead, pagesRead: info.pagesRead },
    );
    this.itemsRead = info.itemsRead;
    this.pagesRead = info.pagesRead;
  }
}

/** The caller's AbortSignal fired. */
export class ExoCancelledError extends ExoError {
  constructor(info: ExoErrorInfo, options?: { cause?: unknown }) {
    super('ExoCancelled', failed(info.cmdlet, 'cancelled by the caller'), 499, info, {}, options);
  }
}

/** Any other failure Exchange reported (an error no class above describes). */
export class ExoFailedError extends ExoError {
  constructor(info: ExoErrorInfo, options?: { cause?: unknown }) {
    super('ExoFailed', failed(info.cmdlet, info.exchangeMessage ?? `Exchange answered HTTP ${info.httpStatus ?? '?'}`), 502, info, {}, options);
  }
}

// ---------------------------------------------------------------------------------------
// Reading Exchange's error answers
// ---------------------------------------------------------------------------------------

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
