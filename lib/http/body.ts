/**
 * Request bodies, capped: a body over the route's limit is refused with 413 before it is
 * parsed (by its Content-Length when it states one, else as soon as the bytes read pass
 * the limit), so one large request can neither fill the memory nor stall the others.
 * A body is JSON only when it says so: any other media type (or none) is refused with 415.
 */
import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors';

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('PayloadTooLarge', `The request body is larger than the ${limitBytes} bytes this route accepts`, 413, { limitBytes });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('UnsupportedMediaType', 'The request body must be JSON, sent with Content-Type: application/json', 415);
  }
}

const JSON_MEDIA_TYPE = /^\s*application\/json\s*(?:;.*)?$/i;

/** A non-empty body must be declared application/json (parameters such as charset allowed). */
export function requireJsonBody(contentType: string | null, text: string): void {
  if (text.trim() !== '' && !JSON_MEDIA_TYPE.test(contentType ?? '')) throw new UnsupportedMediaTypeError();
}

export async function readBody(request: HttpRequest, limitBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw new PayloadTooLargeError(limitBytes);
  const stream = request.body;
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
