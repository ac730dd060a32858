/**
 * The project's small Functions host, for `npm start` and tests, because Azure
 * Functions Core Tools cannot be installed here. It loads the real `functions/`
 * registrations (app.http / app.timer from '@azure/functions'), serves HTTP triggers on
 * `http://127.0.0.1:<port>/api/<route>`, runs timers on their NCRONTAB schedules (UTC),
 * and runs any non-HTTP function now through `POST /admin/functions/<name>`, as the real
 * host's admin endpoint does. Function keys are not checked (as with `func start`);
 * every HTTP function that needs it checks the caller's Entra token itself.
 */
import http from 'node:http';
import { once } from 'node:events';
import Module from 'node:module';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit, type Timer } from '@azure/functions';
import type { Logger } from '../lib/log';

export interface FunctionRegistration {
  name: string;
  kind: 'http' | 'timer' | 'other';
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
  handler: (...args: unknown[]) => unknown;
}

interface CoreStub {
  registrations: { metadata: { name: string; bindings: Record<string, Record<string, unknown>> }; handler: (...args: unknown[]) => unknown }[];
}

let hookInstalled = false;

/**
 * Points '@azure/functions-core' at the recording stub, in plain node. (Under jest the
 * moduleNameMapper in jest.config.js does the same.) Must run before '@azure/functions'
 * registers anything.
 */
export function installCoreStub(): void {
  if (hookInstalled) return;
  const stubPath = path.join(__dirname, 'functions-core-stub.js');
  const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  mod._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return stubPath;
    return original.call(this, request, ...rest);
  };
  hookInstalled = true;
}

function coreStub(): CoreStub {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@azure/functions-core') as CoreStub;
}

/** The function modules of a folder: `functions/*.ts` under jest, `dist/functions/*.js` when built. */
export function functionFiles(dir: string, extension: '.ts' | '.js'): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(extension) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Loads function modules (paths) and returns every registration they made. */
export function loadRegistrations(files: string[]): FunctionRegistration[] {
  installCoreStub();
  for (const f of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(f);
  }
  return currentRegistrations();
}

/** Registrations recorded so far in this module registry. */
export function currentRegistrations(): FunctionRegistration[] {
  return coreStub().registrations.map(({ metadata, handler }) => {
    const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in' && String(b.type).endsWith('Trigger'));
    const type = String(trigger?.type ?? '');
    if (type === 'httpTrigger') {
      return {
        name: metadata.name,
        kind: 'http' as const,
        route: (trigger!.route as string | undefined) ?? metadata.name,
        methods: ((trigger!.methods as string[] | undefined) ?? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).map((m) => m.toUpperCase()),
        authLevel: trigger!.authLevel as string | undefined,
        handler,
      };
    }
    if (type === 'timerTrigger') {
      return { name: metadata.name, kind: 'timer' as const, schedule: String(trigger!.schedule), runOnStartup: Boolean(trigger!.runOnStartup), handler };
    }
    return { name: metadata.name, kind: 'other' as const, handler };
  });
}

interface RouteMatcher {
  registration: FunctionRegistration;
  match(pathname: string): Record<string, string> | null;
}

/** Functions route templates: literals, {name}, {name?}, {name:constraint}, {*rest}. */
/** A path segment decoded; a malformed escape (`%zz`) matches no route: 404 (choice: what the Functions host answers is not documented; never a 500). */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function compileRoute(registration: FunctionRegistration): RouteMatcher {
  const segments = (registration.route ?? registration.name).replace(/^\/+|\/+$/g, '').split('/');
  return {
    registration,
    match(pathname) {
      const parts = pathname.replace(/^\/+|\/+$/g, '').split('/').filter((p, _i, all) => !(p === "" && all.length === 1));
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i];
        const m = /^\{(\*)?([A-Za-z0-9_]+)(?::[^}?]+)?(\?)?\}$/.exec(seg);
        if (!m) {
          if (parts[i]?.toLowerCase() !== seg.toLowerCase()) return null;
          continue;
        }
        const [, catchAll, name, optional] = m;
        if (catchAll) {
          const rest = parts.slice(i).map(decodeSegment);
          if (rest.some((p) => p === null)) return null;
          params[name] = rest.join('/');
          return params;
        }
        if (parts[i] === undefined || parts[i] === '') {
          if (!optional) return null;
          continue;
        }
        const value = decodeSegment(parts[i]);
        if (value === null) return null;
        params[name] = value;
      }
      return parts.length <= segments.length ? params : null;
    },
  };
}

export interface LocalHost {
  url: string;
  port: number;
  registrations: FunctionRegistration[];
  /** Runs a non-HTTP function now and waits for it (timers get isPastDue=false). */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalHostOptions {
  registrations: FunctionRegistration[];
  port?: number;
  host?: string;
  log: Logger;
  /** Schedule timers (default true); tests usually run them with runNow instead. */
  runTimers?: boolean;
  routePrefix?: string;
}

function contextFor(name: string, log: Logger, triggerType: string): InvocationContext {
  const invocationId = randomUUID();
  return new InvocationContext({
    invocationId,
    functionName: name,
    options: { trigger: { type: triggerType, name: 'trigger' }, extraInputs: [], extraOutputs: [] },
    logHandler: (level, ...args) => {
      // contextLogger's one structured object: its message and fields kept apart, each once.
      const [only] = args;
      const structured = args.length === 1 && typeof only === 'object' && only !== null && !(only instanceof Error) && typeof (only as { message?: unknown }).message === 'string';
      const { message: text, ...given } = structured ? (only as { message: string }) : { message: '' };
      const message = structured ? text : args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a))).join(' ');
      const fields = { ...given, function: name, invocationId };
      if (level === 'error' || level === 'critical') log.error(message, fields);
      else if (level === 'warning') log.warn(message, fields);
      else if (level === 'debug' || level === 'trace') log.debug(message, fields);
      else log.info(message, fields);
    },
  });
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A body the handler gave whole (text, bytes, JSON): read whole and written in one go, as before. */
function isBufferedBody(init: HttpResponseInit): boolean {
  const b = init.body;
  return b === undefined || b === null || typeof b === 'string' || b instanceof ArrayBuffer || ArrayBuffer.isView(b) || init.jsonBody !== undefined;
}

/**
 * A streamed body (ReadableStream, Readable, AsyncIterable) written chunk by chunk as the
 * handler's stream yields it, chunked, never gathered: the next chunk is read only once
 * the socket took the last one ('drain'), so a slow client slows the producer instead
 * of filling the heap. A client that goes away cancels the stream (the producer's
 * `finally` runs). A stream that fails after the headers went out is logged and the
 * socket destroyed: the client sees a chunked body without its end, as from Azure.
 */
async function writeStreamed(res: http.ServerResponse, response: HttpResponse, headers: Record<string, string>, onError: (e: unknown) => void): Promise<void> {
  res.writeHead(response.status, headers);
  const body = response.body;
  if (!body) {
    res.end();
    return;
  }
  const reader = body.getReader();
  let gone = false;
  const closed = new Promise<void>((resolve) => res.once('close', () => ((gone = true), resolve())));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (gone) break;
      if (!res.write(value)) await Promise.race([once(res, 'drain'), closed]);
      if (gone) break;
    }
    if (gone) await reader.cancel().catch(() => undefined);
    else res.end();
  } catch (e) {
    onError(e);
    await reader.cancel(e).catch(() => undefined);
    res.destroy();
  }
}

export async function startLocalHost(o: LocalHostOptions): Promise<LocalHost> {
  const prefix = (o.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const routes = o.registrations.filter((r) => r.kind === 'http').map(compileRoute);
  const timers = o.registrations.filter((r) => r.kind !== 'http');
  const running = new Map<string, Promise<void>>();
  const handles: NodeJS.Timeout[] = [];
  let stopped = false;

  async function runFunction(reg: FunctionRegistration, isPastDue = false): Promise<void> {
    const inFlight = running.get(reg.name);
    if (inFlight) {
      // The real host holds a singleton lock per timer: an occurrence never overlaps the previous one.
      o.log.warn('Timer occurrence skipped: the previous one is still running', { function: reg.name });
      return inFlight;
    }
    const context = contextFor(reg.name, o.log, reg.kind === 'timer' ? 'timerTrigger' : 'unknown');
    const timer: Timer = { isPastDue, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
    const started = Date.now();
    const p = (async () => {
      try {
        await reg.handler(timer, context);
        o.log.info('Executed function', { function: reg.name, invocationId: context.invocationId, outcome: 'Succeeded', durationMs: Date.now() - started });
      } catch (e) {
        o.log.error('Executed function', { function: reg.name, invocationId: context.invocationId, outcome: 'Failed', durationMs: Date.now() - started, error: (e as Error).message });
        throw e;
      } finally {
        running.delete(reg.name);
      }
    })();
    running.set(reg.name, p);
    return p;
  }

  function schedule(reg: FunctionRegistration): void {
    if (stopped || !reg.schedule) return;
    const next = CronExpressionParser.parse(reg.schedule, { tz: 'UTC' }).next().getTime();
    // setTimeout takes at most 2^31-1 ms; re-arm in steps for far schedules.
    const wait = Math.min(next - Date.now(), 2 ** 31 - 1);
    const h = setTimeout(() => {
      if (Date.now() + 5 < next) return schedule(reg);
      runFunction(reg).catch(() => undefined);
      schedule(reg);
    }, Math.max(0, wait));
    h.unref();
    handles.push(h);
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const adminMatch = /^\/admin\/functions\/([^/]+)$/.exec(url.pathname);
      if (adminMatch && req.method === 'POST') {
        const reg = timers.find((t) => t.name.toLowerCase() === decodeURIComponent(adminMatch[1]).toLowerCase());
        if (!reg) {
          res.writeHead(404).end();
          return;
        }
        runFunction(reg).catch(() => undefined);
        res.writeHead(202).end();
        return;
      }
      const prefixPath = `/${prefix}/`;
      if (!url.pathname.startsWith(prefixPath) && url.pathname !== `/${prefix}`) {
        res.writeHead(404).end();
        return;
      }
      const rest = url.pathname.slice(prefixPath.length);
      let params: Record<string, string> | null = null;
      let methodMismatch = false;
      const route = routes.find((r) => {
        const p = r.match(rest);
        if (!p) return false;
        if (!r.registration.methods!.includes(req.method ?? 'GET')) {
          methodMismatch = true;
          return false;
        }
        params = p;
        return true;
      });
      if (!route) {
        res.writeHead(methodMismatch ? 405 : 404).end();
        return;
      }
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const request = new HttpRequest({
        method: req.method ?? 'GET',
        url: url.toString(),
        headers,
        query: Object.fromEntries(url.searchParams),
        params: params ?? {},
        body: body.length > 0 ? { bytes: new Uint8Array(body) } : undefined,
      });
      const context = contextFor(route.registration.name, o.log, 'httpTrigger');
      let result: unknown;
      try {
        result = await route.registration.handler(request, context);
      } catch (e) {
        // The real host answers an unhandled failure with a bare 500.
        o.log.error('Executed function', { function: route.registration.name, outcome: 'Failed', error: (e as Error).message });
        res.writeHead(500).end();
        return;
      }
      const init = (result ?? {}) as HttpResponseInit;
      const response = result instanceof HttpResponse ? result : new HttpResponse(init);
      const outHeaders: Record<string, string> = {};
      response.headers.forEach((v, k) => (outHeaders[k] = v));
      if (!(result instanceof HttpResponse) && isBufferedBody(init)) {
        // Small answers as before: read whole, written in one go.
        const out = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, outHeaders).end(out);
        return;
      }
      await writeStreamed(res, response, outHeaders, (e) =>
        o.log.error('A streamed answer failed mid-way; the response was cut short', { function: route.registration.name, error: (e as Error).message }),
      );
    } catch (e) {
      o.log.error('Local host failed to serve a request', { error: (e as Error).message });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 7071, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = `http://${o.host ?? '127.0.0.1'}:${port}`;

  if (o.runTimers !== false) {
    for (const t of timers) {
      if (t.kind !== 'timer') continue;
      schedule(t);
      if (t.runOnStartup) runFunction(t).catch(() => undefined);
    }
  }

  return {
    url,
    port,
    registrations: o.registrations,
    async runNow(name) {
      const reg = timers.find((t) => t.name === name);
      if (!reg) throw new Error(`No non-HTTP function named "${name}" (have: ${timers.map((t) => t.name).join(', ')})`);
      await runFunction(reg);
    },
    async stop() {
      stopped = true;
      handles.forEach(clearTimeout);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await Promise.allSettled(running.values());
    },
  };
}
