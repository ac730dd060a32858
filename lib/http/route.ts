/**
 * One route helper for every HTTP trigger: a route is declared once (method, path,
 * required app role, zod schemas for route parameters, query, headers and body, the
 * answers it gives) and `routeHandler` turns it into a Functions handler that, in this
 * order: refuses a request without a bearer token (before anything is loaded, so a
 * misconfigured connector still answers 401), verifies the caller and its role, caps the
 * body, refuses one not sent as application/json (415) and parses it, validates every
 * input, runs the handler and maps any error through the problem table. Declared routes
 * are collected for the OpenAPI document.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { AppError, UnauthorizedError, describeError } from '../errors';
import type { Logger } from '../log';
import type { Caller, CallerVerifier, Role } from './caller';
import { contextLogger } from '../functions/context-logger';
import { problemResponse } from './problem';
import { readBody, requireJsonBody } from './body';
import { parseJson, validate } from './validate';
import { streamedBody } from './streamed-body';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Bodies are small by default: a route that takes more says so. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

export interface RouteAnswer {
  status: number;
  /** Serialised as JSON. */
  body?: unknown;
  /**
   * Or a body produced while it is sent (e.g. `csvStream`), never held whole; the route
   * sets its content-type in `headers`. See `streamedBody` for errors.
   */
  stream?: AsyncIterable<string | Uint8Array>;
  headers?: Record<string, string>;
}

export interface RouteInput<R, P, Q, H, B> {
  runtime: R;
  caller: Caller;
  params: P;
  query: Q;
  headers: H;
  body: B;
  log: Logger;
  correlationId: string;
}

export interface AnswerSpec {
  description: string;
  schema?: z.ZodType;
  /** Also answered as text/csv (RFC 4180, a header row): what the CSV holds. */
  csv?: string;
}

export interface RouteSpec<R, P = Record<string, never>, Q = Record<string, never>, H = Record<string, never>, B = undefined> {
  /** The Functions function name. */
  name: string;
  method: Method;
  /** Functions route template under /api, e.g. `devices/{guid}`. */
  route: string;
  role: Role;
  summary: string;
  description?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** Over the request's headers with lower-case names (unknown headers are never refused). */
  headers?: z.ZodType<H>;
  body?: z.ZodType<B>;
  maxBodyBytes?: number;
  /** The Exchange feature and cmdlets the route invokes: refused (503 FeatureUnavailable) when the install check found any missing. */
  needs?: { feature: string; cmdlets: readonly string[] };
  /** The success answers (errors are problem+json, documented once). */
  answers: Record<number, AnswerSpec>;
  handle(input: RouteInput<R, P, Q, H, B>): Promise<RouteAnswer>;
}

/** What the route helper needs of the process: the caller check, and the rest the handler gets. */
export interface RouteRuntime {
  verifyCaller: CallerVerifier;
  /** Refuses a route whose cmdlets the install check found missing (lib/app/features/gate.ts). */
  featureGate?: { require(need: { feature: string; cmdlets: readonly string[] }): Promise<void> };
}

/** Every route declared in this process, for the OpenAPI document. */
export const declaredRoutes: RouteSpec<never, unknown, unknown, unknown, unknown>[] = [];

export function defineRoute<R extends RouteRuntime, P = Record<string, never>, Q = Record<string, never>, H = Record<string, never>, B = undefined>(
  spec: RouteSpec<R, P, Q, H, B>,
): RouteSpec<R, P, Q, H, B> {
  if (declaredRoutes.some((r) => r.name === spec.name)) throw new Error(`route ${spec.name} is declared twice`);
  declaredRoutes.push(spec as unknown as RouteSpec<never, unknown, unknown, unknown, unknown>);
  return spec;
}

const BEARER = /^Bearer\s+\S+$/i;

export function routeHandler<R extends RouteRuntime, P, Q, H, B>(
  spec: RouteSpec<R, P, Q, H, B>,
  getRuntime: () => Promise<R>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const log = contextLogger(context);
    const correlationId = context.invocationId;
    try {
      const authorization = request.headers.get('authorization');
      // Before the runtime: a caller without a token learns nothing about the connector's state.
      if (!authorization || !BEARER.test(authorization)) {
        throw new UnauthorizedError('A bearer token from Microsoft Entra ID is required (Authorization: Bearer <token>)', { reason: 'missing_token' });
      }
      let runtime: R;
      try {
        runtime = await getRuntime();
      } catch (e) {
        // Settings or storage at start-up: the log says which; the caller gets no values.
        log.error('The connector could not start for this request', { error: e instanceof AppError ? e.message : String(e), correlationId });
        if (e instanceof AppError && e.code !== 'ConfigError') throw e;
        throw new AppError('ConnectorMisconfigured', 'The connector is not configured correctly', 503);
      }
      const caller = await runtime.verifyCaller(authorization, spec.role);
      const params = spec.params ? validate(spec.params, request.params ?? {}, 'route') : ({} as P);
      // `code` is the Functions host's function key when sent in the query: the host's, never a route parameter.
      const query = spec.query ? validate(spec.query, Object.fromEntries([...request.query.entries()].filter(([k]) => k !== 'code')), 'query') : ({} as Q);
      const headers = spec.headers ? validate(spec.headers, Object.fromEntries(request.headers.entries()), 'header') : ({} as H);
      let body = undefined as B;
      if (spec.body) {
        const text = await readBody(request, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        requireJsonBody(request.headers.get('content-type'), text);
        body = validate(spec.body, parseJson(text), 'body');
      }
      // After validation: a bad request is told what is wrong with it whatever Exchange allows.
      if (spec.needs) await runtime.featureGate?.require(spec.needs);
      const answer = await spec.handle({ runtime, caller, params, query, headers, body, log, correlationId });
      if (answer.stream) {
        const response: HttpResponseInit = { status: answer.status, headers: { 'cache-control': 'no-store', ...answer.headers } };
        // Awaits the first chunk: a failure before it is still a problem+json answer (below).
        response.body = await streamedBody(answer.stream, (e) => log.error('A streamed answer failed after its first bytes; the response was cut short', { error: describeError(e), correlationId }));
        return response;
      }
      const answerHeaders: Record<string, string> = { 'cache-control': 'no-store', ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }), ...answer.headers };
      const response: HttpResponseInit = { status: answer.status, headers: answerHeaders };
      if (answer.body !== undefined) response.body = JSON.stringify(answer.body);
      return response;
    } catch (err) {
      return problemResponse(err, log, correlationId);
    }
  };
}
