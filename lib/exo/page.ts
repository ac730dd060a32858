/**
 * One InvokeCommand answer read as a page: objects without annotations, warnings,
 * non-terminating errors and the nextLink - checked, because it is followed with the
 * bearer token.
 */
import { ExoResponseError } from './errors';
import type { RawResponse } from './http';

/** One object as Exchange returns it, annotations (`X@odata.type`, `@odata.*`) removed. */
export type ExoObject = Record<string, unknown>;

export interface ExoPage<T> {
  items: T[];
  /** 1-based. */
  pageNumber: number;
  /** `@adminapi.warnings` of this page. */
  warnings: string[];
  /** `@adminapi.errors` (non-terminating errors) of this page, as text. */
  errors: string[];
  /** Exchange's request id for this page (or the client request id when Exchange gave none). */
  requestId: string;
}

/** Removes annotation keys (anything containing '@') at every depth; keeps unknown properties. */
export function stripAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAnnotations);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!k.includes('@')) out[k] = stripAnnotations(v);
    return out;
  }
  return value;
}

function nonTerminatingText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry !== null && typeof entry === 'object') {
    const o = entry as Record<string, unknown>;
    for (const k of ['message', 'Message', 'ErrorMessage']) if (typeof o[k] === 'string') return o[k] as string;
    const exception = o.Exception as Record<string, unknown> | undefined;
    if (exception && typeof exception.Message === 'string') return exception.Message;
  }
  return JSON.stringify(entry);
}

export interface PageContext {
  cmdlet: string;
  requestId: string;
  /** The URL this page was asked at (a nextLink repeating it is refused). */
  url: URL;
  /** The Exchange endpoint: a nextLink to another origin is refused. */
  endpoint: URL;
  pageNumber: number;
}

export function readPage<T>(response: RawResponse, at: PageContext): ExoPage<T> & { next: URL | null } {
const { cmdlet, requestId, url, endpoint, pageNumber } = at;
  const empty = { items: [] as T[], pageNumber, warnings: [], errors: [], requestId, next: null };
  // eslint-disable-next-line no-control-regex
  const text = response.body.toString('utf8').replace(/^[\s\u0000]+|[\s\u0000]+$/g, '');
  if (response.status === 204 || text === '') return empty;
  const bad = (what: string) => new ExoResponseError({ cmdlet: cmdlet, httpStatus: response.status, requestId, what });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw bad(`HTTP ${response.status} with a body that is not JSON (${JSON.stringify(text.slice(0, 80))})`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('the body is not a JSON object');
  const o = body as Record<string, unknown>;
  const value = o.value ?? [];
  if (!Array.isArray(value)) throw bad(`'value' is ${typeof value}, not an array`);
  const warnings = Array.isArray(o['@adminapi.warnings']) ? (o['@adminapi.warnings'] as unknown[]).map(String) : [];
  const errors = Array.isArray(o['@adminapi.errors']) ? (o['@adminapi.errors'] as unknown[]).map(nonTerminatingText) : [];
  let next: URL | null = null;
  const link = o['@odata.nextLink'];
  if (link !== undefined && link !== null) {
    if (typeof link !== 'string') throw bad(`'@odata.nextLink' is ${typeof link}, not a string`);
    try {
      next = new URL(link, endpoint);
    } catch {
      throw bad(`'@odata.nextLink' is not a URL`);
    }
    // The nextLink is followed with the bearer token: never to another origin.
    if (next.origin !== endpoint.origin) throw bad(`'@odata.nextLink' points to ${next.origin}, not ${endpoint.origin}; refused so the token is not sent there`);
    if (next.href === url.href) throw bad(`'@odata.nextLink' repeats the page just read`);
  }
  return { items: value.map(stripAnnotations) as T[], pageNumber, warnings, errors, requestId, next };
}
