/**
 * The HTTP front: the admin API routes Exchange Online serves under /adminapi/beta/{tenant}/
 * (InvokeCommand, $batch, and the per-mailbox statistics GET), bearer checks, and the
 * control routes under /_emulator/. Plain http on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Caller, type TokenValidator, WWW_AUTHENTICATE } from './auth';
import type { ControlHttp } from './control-http';
import type { EmulatorCore } from './core';
import { commonHeaders, invokeCmdlet, parseCmdletInput } from './invoke';
import { exchangeErrorReply, forbiddenReply, jsonReply, type Reply } from './wire';

const MAX_BODY_BYTES = 20 * 1024 * 1024;
const MAX_BATCH = 10;
const STATISTICS_GET = /^mailbox\('([^']*)'\)\/MobileDevice\/Exchange\.GetMobileDeviceStatistics\(\)\/?$/i;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(buf: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (buf.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(buf.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

const headerOf = (headers: http.IncomingHttpHeaders) => (name: string) => {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
};

export interface ServerDeps {
  core: EmulatorCore;
  validator: TokenValidator;
  control: ControlHttp;
  port: number;
}

export async function startHttpServer(deps: ServerDeps): Promise<{ url: string; close(): Promise<void> }> {
  const { core, validator } = deps;

  function send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body ?? undefined);
  }

  function badJson(): Reply {
    return exchangeErrorReply(400, 'System.ArgumentException', 'The request body is not valid JSON.');
  }

  /** Auth failures are calls too: counted, logged, and carrying the usual headers. */
  function authFailure(requestId: string, status: 401 | 403, reason: string, cmdlet: string | null): Reply {
    const reply =
      status === 401
        ? jsonReply(401, { error: { code: 'InvalidAuthenticationToken', message: reason } }, { 'WWW-Authenticate': WWW_AUTHENTICATE })
        : forbiddenReply(`2000008;reason="${reason.replace(/"/g, "'")}";error_category="invalid_grant"`);
    core.recorder.record(
      {
        at: new Date().toISOString(),
        requestId,
        clientRequestId: null,
        cmdlet,
        anchorMailbox: null,
        status,
        outcome: status === 401 ? 'unauthorized' : 'forbidden',
        maxPageSize: null,
        listingId: null,
        page: null,
        exceptionType: null,
        durationMs: 0,
      },
      { listingPage: false, anchorMismatch: false },
    );
    return commonHeaders(core, reply, requestId, core.budget.consume());
  }

  async function batch(caller: Caller, tenant: string, outer: http.IncomingHttpHeaders, body: unknown): Promise<Reply> {
    const requests = (body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH) {
      return exchangeErrorReply(400, 'System.ArgumentException', `A batch carries from 1 to ${MAX_BATCH} requests.`);
    }
    const continueOnError = /odata\.continue-on-error/i.test(headerOf(outer)('prefer') ?? '');
    const responses: unknown[] = [];
    for (const raw of requests as Record<string, unknown>[]) {
      const id = String(raw?.id ?? responses.length + 1);
      const subHeaders: http.IncomingHttpHeaders = { ...outer };
      for (const [k, v] of Object.entries((raw?.headers as Record<string, string> | undefined) ?? {})) subHeaders[k.toLowerCase()] = String(v);
      const target = new URL(String(raw?.url ?? ''), `${core.baseUrl}/adminapi/beta/${tenant}/`);
      const subRequestId = randomUUID();
      let reply: Reply;
      if (String(raw?.method ?? 'POST').toUpperCase() !== 'POST' || !/\/InvokeCommand$/i.test(target.pathname)) {
        reply = exchangeErrorReply(400, 'System.ArgumentException', 'A batch part must be a POST to InvokeCommand.');
      } else {
        reply = await invokeCmdlet(core, caller, {
          tenant,
          skiptoken: target.searchParams.get('$skiptoken'),
          body: raw?.body,
          header: headerOf(subHeaders),
          requestId: subRequestId,
        });
      }
      if (reply.drop) return reply;
      const text = reply.body?.toString('utf8') ?? '';
      const parsed = text.trim().startsWith('{') ? JSON.parse(text) : null;
      responses.push({ id, status: reply.status, headers: reply.headers, body: parsed });
      if (reply.status >= 400 && !continueOnError) break;
    }
    return jsonReply(200, { responses });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/_emulator' || url.pathname.startsWith('/_emulator/')) {
      const bodyBuf = await readBody(req);
      send(req, res, await deps.control.handle(req.method ?? 'GET', url, bodyBuf));
      return;
    }
    const m = /^\/adminapi\/beta\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) {
      send(req, res, commonHeaders(core, jsonReply(404, { error: { code: 'NotFound', message: `No route for ${url.pathname}` } }), requestId, core.budget.consume()));
      return;
    }
    const tenant = decodeURIComponent(m[1]);
    const rest = decodeURIComponent(m[2]);
    const bodyBuf = await readBody(req);
    const json = parseJson(bodyBuf);
    const auth = await validator.validate(headerOf(req.headers)('authorization'), tenant);
    if (!auth.ok) {
      const cmdlet = json.ok ? (parseCmdletInput(json.value)?.name ?? null) : null;
      send(req, res, authFailure(requestId, auth.status, auth.reason, cmdlet));
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let reply: Reply;
    const stats = STATISTICS_GET.exec(rest);
    if (/^InvokeCommand$/i.test(rest)) {
      if (method !== 'POST') reply = jsonReply(405, { error: { code: 'MethodNotAllowed', message: 'InvokeCommand takes POST.' } }, { Allow: 'POST' });
      else if (!json.ok) reply = badJson();
      else {
        reply = await invokeCmdlet(core, auth.caller, { tenant, skiptoken: url.searchParams.get('$skiptoken'), body: json.value, header: headerOf(req.headers), requestId });
        send(req, res, reply);
        return;
      }
    } else if (rest === '$batch' && method === 'POST') {
      reply = json.ok ? await batch(auth.caller, tenant, req.headers, json.value) : badJson();
    } else if (stats && method === 'GET') {
      const encoded = /^true$/i.test(url.searchParams.get('IsEncoded') ?? '');
      const mailbox = encoded ? Buffer.from(stats[1], 'base64').toString('utf8') : stats[1];
      reply = await invokeCmdlet(core, auth.caller, {
        tenant,
        skiptoken: null,
        body: { CmdletInput: { CmdletName: 'Get-MobileDeviceStatistics', Parameters: { Mailbox: mailbox } } },
        header: headerOf(req.headers),
        requestId,
      });
      send(req, res, reply);
      return;
    } else {
      reply = jsonReply(404, { error: { code: 'NotFound', message: `No admin API route for ${rest}` } });
    }
    send(req, res, reply.drop ? reply : commonHeaders(core, reply, requestId, core.budget.consume()));
  }

  const server = http.createServer((req, res) => {
    core.inFlight++;
    let done = false;
    const release = () => {
      if (!done) {
        done = true;
        core.inFlight--;
      }
    };
    // A call stops counting as in flight when its answer is handed over: on 'close' alone,
    // a client that already read the answer and sent its next call could still be counted
    // twice, and the tenant concurrency limit would refuse a client that keeps exactly L in
    // flight. 'close' still covers dropped sockets.
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.end = ((...args: unknown[]) => {
      release();
      return end(...args);
    }) as typeof res.end;
    res.on('close', release);
    handle(req, res).catch((e: unknown) => {
      core.log.error('exo-emulator request failed', { error: String(e) });
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(e) } }));
      } else res.destroy();
    });
  });
  // Choice (nothing public gives Exchange Online's figure): its front end keeps an idle
  // connection well beyond Node's 5 s default. With 5 s, a test that paused a few seconds
  // under load raced the server closing a reused socket (ECONNRESET on a read with
  // retries off) - a race the real service makes rare.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
