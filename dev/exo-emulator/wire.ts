/**
 * The admin API's wire format: answers as status + headers + bytes, the success body
 * with its OData annotations, and Exchange's error envelope.
 */
import { randomBytes } from 'node:crypto';

export type WireObject = Record<string, unknown>;

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** For the call log; never sent. */
  meta?: { outcome?: 'ok' | 'throttled' | 'failed' | 'dropped' | 'error' | 'forbidden' | 'unauthorized'; exceptionType?: string | null; listingId?: string | null; page?: number | null; afterExecute?: boolean };
}

export const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers }, body: Buffer.from(JSON.stringify(body), 'utf8') };
}

export function successBody(context: string, value: WireObject[], warnings: string[], nextLink?: string): WireObject {
  const body: WireObject = {
    '@odata.context': context,
    'adminapi.warnings@odata.type': '#Collection(String)',
    '@adminapi.warnings': warnings,
    value,
  };
  if (nextLink) body['@odata.nextLink'] = nextLink;
  return body;
}

/** Exchange prefixes the detail text with a short error id. */
const errorId = () => `Ex${randomBytes(3).toString('hex').toUpperCase()}`;

const defaultCode = (status: number) =>
  status === 400 ? 'BadRequest' : status === 401 ? 'Unauthorized' : status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : status === 504 ? 'GatewayTimeout' : 'InternalServerError';

export interface ErrorReplyOptions {
  code?: string;
  message?: string;
  headers?: Record<string, string>;
  /** Default true; false leaves `details` out (enum and paging errors). */
  details?: boolean;
  /** details[0].message as `|<type>|<text>`. */
  emptyId?: boolean;
  /** x-ExceptionType carries the type without its namespace. */
  shortTypeHeader?: boolean;
  /** With details false: error.message "Invalid Operation" and the text only in innererror.internalexception. */
  internalOnly?: boolean;
}

/**
 * `{"error":{"code","message","details":[{"code":"Client","target":"","message":"<id>|<type>|<text>"}],"innererror":{...}}}`
 * with x-ExceptionType / x-ExceptionTargetType repeating the type. Without details the
 * text is in error.message and innererror (message, type), the shape of Exchange's
 * "User is not allowed to call" answer.
 */
export function exchangeErrorReply(status: number, exceptionType: string, text: string, o: ErrorReplyOptions = {}): Reply {
  const withDetails = o.details ?? true;
  const generic = status === 400 && (withDetails || o.internalOnly) ? 'Invalid Operation' : text;
  const error: WireObject = { code: o.code ?? defaultCode(status), message: o.message ?? generic };
  if (withDetails) error.details = [{ code: 'Client', target: '', message: `${o.emptyId ? '' : errorId()}|${exceptionType}|${text}` }];
  if (withDetails || o.internalOnly) {
    // As live 400s show it: innererror is the OData layer's, the cmdlet's exception inside it.
    error.innererror = {
      message: generic,
      type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
      stacktrace: '',
      internalexception: { message: text, type: exceptionType, stacktrace: '' },
    };
  } else {
    error.innererror = { message: text, type: exceptionType, stacktrace: '' };
  }
  if (o.internalOnly) Object.assign(error, { 'adminapi.warnings@odata.type': '#Collection(String)', '@adminapi.warnings': [] });
  const headerType = o.shortTypeHeader ? (exceptionType.split('.').pop() ?? exceptionType) : exceptionType;
  const reply = jsonReply(status, { error }, { 'x-ExceptionType': headerType, 'x-ExceptionTargetType': headerType, ...o.headers });
  reply.meta = { exceptionType };
  return reply;
}

/** Exchange's 403: a body of NUL bytes, the reason only in x-ms-diagnostics. */
export function forbiddenReply(diagnostics: string): Reply {
  return { status: 403, headers: { 'x-ms-diagnostics': diagnostics }, body: Buffer.alloc(4), meta: { outcome: 'forbidden' } };
}

/**
 * The other way Exchange answers a cmdlet missing from the app's roles: 401 with JSON
 * naming the cmdlet, exactly as a public report shows it
 * (github.com/MicrosoftDocs/office-docs-powershell/issues/7970:
 * `{"error":{"code":"Unauthorized","message":"User is not allowed to call Get-Mailbox","innererror":{...ODataServiceException}}}`).
 * No WWW-Authenticate challenge: the token is fine (choice; the report shows no headers).
 */
export function notAllowedReply(cmdlet: string): Reply {
  const message = `User is not allowed to call ${cmdlet}`;
  const reply = jsonReply(401, { error: { code: 'Unauthorized', message, innererror: { message, type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' } } });
  reply.meta = { outcome: 'forbidden' };
  return reply;
}
