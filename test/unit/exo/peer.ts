import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryLogger, type MemoryLogger } from '../../support/memory-logger';
import { ExoClient } from '../../../lib/exo/client';
import type { ExoClientOptions } from '../../../lib/exo/options';
import type { Clock, TokenProvider } from '../../../lib/exo/ports';

/**
 * A tiny InvokeCommand peer on 127.0.0.1 for the client's unit tests: each test scripts the
 * answers. (The full Exchange Online emulator is the peer of the integration tests.)
 */
export interface PeerRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { CmdletInput?: { CmdletName?: string; Parameters?: Record<string, unknown> } } | null;
  /** Requests being served (this one included) when it arrived. */
  inFlight: number;
}

export interface PeerReply {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings and buffers as they are. */
  body?: unknown;
  /** Real milliseconds to hold the answer. */
  delayMs?: number;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

export type PeerHandler = (req: PeerRequest, index: number) => PeerReply | Promise<PeerReply>;

export interface Peer {
  url: string;
  requests: PeerRequest[];
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startPeer(handler: PeerHandler): Promise<Peer> {
  const requests: PeerRequest[] = [];
  let inFlight = 0;
  const peer = { url: '', requests, maxInFlight: 0 } as Peer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      inFlight++;
      peer.maxInFlight = Math.max(peer.maxInFlight, inFlight);
      const body = Buffer.concat(chunks).toString('utf8');
      let json: PeerRequest['json'] = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const record: PeerRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json, inFlight };
      const index = requests.push(record) - 1;
      try {
        const reply = await handler(record, index);
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply.hang) return;
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        const payload =
          reply.body === undefined ? '' : typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      } finally {
        inFlight--;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return peer;
}

/** A successful InvokeCommand answer. */
export function ok(value: unknown[], extra: Record<string, unknown> = {}): PeerReply {
  return {
    body: {
      '@odata.context': 'https://outlook.office365.com/adminapi/beta/t/$metadata#Collection(Exchange.GenericHashTable)',
      'adminapi.warnings@odata.type': '#Collection(String)',
      '@adminapi.warnings': [],
      value,
      ...extra,
    },
  };
}

/** Exchange's error envelope. */
export function exchangeError(status: number, type: string, text: string, headers: Record<string, string> = {}): PeerReply {
  return {
    status,
    headers: { 'x-ExceptionType': type, ...headers },
    body: {
      error: {
        code: status === 400 ? 'BadRequest' : 'InternalServerError',
        message: 'Invalid Operation',
        details: [{ code: 'Client', target: '', message: `ex6F9304|Microsoft.Exchange.Management.${type}|${text}` }],
        innererror: { type: `Microsoft.Exchange.Management.${type}`, internalexception: { message: text, type } },
      },
    },
  };
}

/**
 * Time under the test's control. `auto`: every sleep is recorded and returns at once,
 * moving the clock on. `manual`: sleeps wait until the test calls advance().
 */
export class FakeClock implements Clock {
  t = Date.UTC(2025, 0, 1);
  readonly sleeps: number[] = [];
  private pending: { until: number; resolve: () => void }[] = [];

  constructor(private readonly mode: 'auto' | 'manual' = 'auto') {}

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (this.mode === 'auto') {
      this.t += ms;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.pending.push({ until: this.t + ms, resolve }));
  }

  get sleeping(): number {
    return this.pending.length;
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.pending.filter((p) => p.until <= this.t);
    this.pending = this.pending.filter((p) => p.until > this.t);
    for (const p of due) p.resolve();
  }
}

/** Caches like MSAL: the same token until a forced refresh gives the next one. */
export class FakeTokens implements TokenProvider {
  requests = 0;
  forcedRefreshes = 0;
  fail: Error | null = null;

  async getToken(options?: { forceRefresh?: boolean }) {
    this.requests++;
    if (this.fail) throw this.fail;
    if (options?.forceRefresh) this.forcedRefreshes++;
    return { token: `token-${this.forcedRefreshes + 1}`, expiresOn: new Date(Date.now() + 3600_000) };
  }

  describe(): string {
    return 'fake token provider';
  }
}

export interface TestClient {
  client: ExoClient;
  clock: FakeClock;
  tokens: FakeTokens;
  log: MemoryLogger;
}

export function testClient(peer: Peer, overrides: Partial<ExoClientOptions> & { clock?: FakeClock } = {}): TestClient {
  const clock = overrides.clock ?? new FakeClock();
  const tokens = new FakeTokens();
  const log = memoryLogger();
  const client = new ExoClient({
    endpoint: peer.url,
    tenantId: 'contoso.onmicrosoft.com',
    tokenProvider: tokens,
    log,
    random: () => 1,
    ...overrides,
    clock,
  });
  return { client, clock, tokens, log };
}

/** Waits (real time, briefly) until a condition holds. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}
