/**
 * HTTP answers for errors: application/problem+json (RFC 9457) carrying the error's
 * code. Unknown failures answer 500 with a correlation id and no internals; the full
 * error goes to the log only.
 */
import type { HttpResponseInit } from '@azure/functions';
import { AppError, ValidationError } from '../errors';
import type { Logger } from '../log';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [extra: string]: unknown;
}

export function problemOf(error: unknown, correlationId?: string): Problem {
  if (error instanceof AppError) {
    const extra: Record<string, unknown> = {};
    if (error instanceof ValidationError) extra.errors = error.issues;
    else Object.assign(extra, error.details);
    return {
      type: `urn:exo-connector:error:${error.code}`,
      title: error.code,
      status: error.status,
      code: error.code,
      detail: error.message,
      ...extra,
      ...(correlationId ? { correlationId } : {}),
    };
  }
  return {
    type: 'urn:exo-connector:error:InternalError',
    title: 'InternalError',
    status: 500,
    code: 'InternalError',
    detail: 'The connector failed unexpectedly; the log holds the details under this correlation id.',
    ...(correlationId ? { correlationId } : {}),
  };
}

export function problemResponse(error: unknown, log: Logger, correlationId?: string): HttpResponseInit {
  const problem = problemOf(error, correlationId);
  if (problem.status >= 500) log.error('Request failed', { code: problem.code, correlationId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  else log.warn('Request refused', { code: problem.code, status: problem.status, detail: problem.detail, correlationId });
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (problem.status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
  return { status: problem.status, headers, body: JSON.stringify(problem) };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
