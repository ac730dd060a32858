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
