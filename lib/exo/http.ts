import type http from 'node:http';
import axios, { AxiosError, type AxiosResponse } from 'axios';

/**
 * One raw HTTP POST, nothing more: no retries, no interpretation of the answer. On
 * axios (the design's HTTP client), held to what the Exchange client needs: redirects
 * never followed (a redirect must never carry the bearer token elsewhere), no proxy
 * picked up from the environment (the proxy, if any, is the agent the client was given,
 * from the connector's settings), every status returned rather than thrown, the body as
 * bytes, and a dropped connection told apart from a timeout.
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

/** Codes axios gives to answers cut off mid-body (the connection dropped after the headers). */
const DROPPED_MID_ANSWER = new Set(['ERR_BAD_RESPONSE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * One axios instance with everything fixed merged once: per-request config merging is
 * most of axios's own cost, and the bench runs tens of thousands of calls.
 */
const transport = axios.create({
  method: 'POST',
  responseType: 'arraybuffer',
  // The body is judged by the client (JSON, NUL bytes, empty); axios must not touch it either way.
  transformRequest: [(data: unknown) => data],
  transformResponse: [(data: unknown) => data],
  validateStatus: () => true,
  maxRedirects: 0,
  proxy: false,
  decompress: true,
});

export async function post(url: URL, options: PostOptions): Promise<RawResponse> {
  if (options.signal?.aborted) throw new NetworkError('request aborted by the caller', 'ABORTED', { aborted: true, cause: options.signal.reason });
  // A deadline for the whole exchange, not an idle timeout (axios's `timeout` is one on
  // the socket): Exchange may trickle a slow answer.
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, options.timeoutMs);
  const onAbort = () => deadline.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let response: AxiosResponse<Buffer>;
  try {
    response = await transport.request<Buffer>({
      url: url.href,
      headers: { ...options.headers, 'Accept-Encoding': 'gzip, deflate' },
      data: Buffer.from(options.body, 'utf8'),
      httpAgent: options.agent,
      httpsAgent: options.agent,
      signal: deadline.signal,
    });
  } catch (e) {
    if (timedOut) throw new NetworkError(`no complete answer within ${options.timeoutMs} ms`, 'ETIMEDOUT', { timedOut: true, cause: e });
    if (options.signal?.aborted) throw new NetworkError('request aborted by the caller', 'ABORTED', { aborted: true, cause: options.signal.reason });
    throw toNetworkError(e);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  const body = Buffer.isBuffer(response.data) ? response.data : Buffer.from(response.data ?? '');
  return { status: response.status, headers: plainHeaders(response.headers), body };
}

function toNetworkError(e: unknown): NetworkError {
  if (e instanceof AxiosError) {
    const cause = e.cause as NodeJS.ErrnoException | undefined;
    const code = cause?.code ?? e.code ?? 'ENETWORK';
    if (/^Z_|ERR_.*DECOMPRESS|incorrect header check|unexpected end of file/i.test(`${code} ${e.message}`)) {
      return new NetworkError(`answer could not be decompressed: ${e.message}`, 'EBADENCODING', { cause: e });
    }
    if (DROPPED_MID_ANSWER.has(code) || /aborted|premature close/i.test(e.message)) {
      return new NetworkError('connection dropped while reading the answer', 'ECONNRESET', { cause: e });
    }
    return new NetworkError(e.message || code, code, { cause: e });
  }
  const err = e as NodeJS.ErrnoException;
  return new NetworkError(err?.message ?? String(e), err?.code ?? 'ENETWORK', { cause: e });
}

function plainHeaders(headers: AxiosResponse['headers']): http.IncomingHttpHeaders {
  const out: http.IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}
