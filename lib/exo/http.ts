import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * One raw HTTP POST, nothing more: no retries, no interpretation of the answer.
 * Built on node:http so that the client controls exactly what is sent (no redirects
 * followed - a redirect must never carry the bearer token elsewhere - and no proxy
 * picked up from the environment) and can tell a dropped connection from a timeout.
 */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The request got no HTTP answer: connection refused/reset, socket hang up, timeout, abort. */
export class NetworkError extends Error {
  readonly code: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;

  constructor(message: string, code: string, opts: { timedOut?: boolean; aborted?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'NetworkError';
    this.code = code;
    this.timedOut = opts.timedOut ?? false;
    this.aborted = opts.aborted ?? false;
  }
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  agent?: http.Agent;
  signal?: AbortSignal;
}

function decode(encoding: string | undefined, raw: Buffer): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(raw);
    case 'deflate':
      return zlib.inflateSync(raw);
    case 'br':
      return zlib.brotliDecompressSync(raw);
    default:
      return raw;
  }
}

export function post(url: URL, options: PostOptions): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new NetworkError('request aborted by the caller', 'ABORTED', { aborted: true, cause: options.signal.reason }));
      return;
    }
    const payload = Buffer.from(options.body, 'utf8');
    const transport = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };

    const req = transport.request(url, {
      method: 'POST',
      agent: options.agent,
      headers: { ...options.headers, 'content-length': String(payload.length), 'accept-encoding': 'gzip, deflate' },
    });

    // A deadline for the whole exchange, not an idle timeout: Exchange may trickle a slow answer.
    const timer = setTimeout(() => {
      const err = new NetworkError(`no complete answer within ${options.timeoutMs} ms`, 'ETIMEDOUT', { timedOut: true });
      finish(() => reject(err));
      req.destroy(err);
    }, options.timeoutMs);
    const onAbort = () => {
      const err = new NetworkError('request aborted by the caller', 'ABORTED', { aborted: true, cause: options.signal?.reason });
      finish(() => reject(err));
      req.destroy(err);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (e: NodeJS.ErrnoException) => {
      finish(() => reject(e instanceof NetworkError ? e : new NetworkError(e.message, e.code ?? 'ENETWORK', { cause: e })));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) => {
        finish(() => reject(new NetworkError(e.message, e.code ?? 'ECONNRESET', { cause: e })));
      });
      res.on('aborted', () => {
        finish(() => reject(new NetworkError('connection dropped while reading the answer', 'ECONNRESET')));
      });
      res.on('end', () => {
        if (!res.complete) {
          finish(() => reject(new NetworkError('connection dropped while reading the answer', 'ECONNRESET')));
          return;
        }
        let body: Buffer;
        try {
          body = decode(res.headers['content-encoding'], Buffer.concat(chunks));
        } catch (e) {
          finish(() => reject(new NetworkError(`answer could not be decompressed: ${(e as Error).message}`, 'EBADENCODING', { cause: e })));
          return;
        }
        finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
    });
    req.end(payload);
  });
}
