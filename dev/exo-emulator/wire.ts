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
  meta?: { outcome?: 'ok' | 'throttled' | 'failed' | 'dropped' | 'error' | 'forbidden' | 'unauthorized'; exceptionType?: string | null; listingId?: string | null; page?: number | null };
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

/**
 * `{"error":{"code","message","details":[{"code":"Client","target":"","message":"<id>|<type>|<text>"}],"innererror":{...}}}`
 * with x-ExceptionType / x-ExceptionTargetType repeating the type.
 */
export function exchangeErrorReply(
  status: number,
  exceptionType: string,
  text: string,
  o: { code?: string; message?: string; headers?: Record<string, string> } = {},
): Reply {
  const body = {
    error: {
      code: o.code ?? (status === 400 ? 'BadRequest' : status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : status === 504 ? 'GatewayTimeout' : 'InternalServerError'),
      message: o.message ?? (status === 400 ? 'Invalid Operation' : text),
      details: [{ code: 'Client', target: '', message: `${errorId()}|${exceptionType}|${text}` }],
      innererror: {
        message: text,
        type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
        stacktrace: '',
        internalexception: { message: text, type: exceptionType, stacktrace: '' },
      },
    },
  };
  const reply = jsonReply(status, body, { 'x-ExceptionType': exceptionType, 'x-ExceptionTargetType': exceptionType, ...o.headers });
  reply.meta = { exceptionType };
  return reply;
}

/** Exchange's 403: a body of NUL bytes, the reason only in x-ms-diagnostics. */
export function forbiddenReply(diagnostics: string): Reply {
  return { status: 403, headers: { 'x-ms-diagnostics': diagnostics }, body: Buffer.alloc(4), meta: { outcome: 'forbidden' } };
}
