import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError, post } from '../../../lib/exo/http';

/** A raw server whose handler the test writes, to cut answers where a real network would. */
async function server(handler: http.RequestListener): Promise<{ url: URL; close(): Promise<void>; hits: () => number }> {
  let hits = 0;
  const s = http.createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/adminapi/beta/t/InvokeCommand`),
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

const send = (url: URL, timeoutMs = 2000) => post(url, { headers: { 'Content-Type': 'application/json' }, body: '{}', timeoutMs, agent: new http.Agent({ keepAlive: true }) });

describe('Exchange transport (axios)', () => {
  it('When Exchange answers a redirect, then it is returned as it is and never followed', async () => {
    const target = await server((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    try {
      const r = await send(target.url);
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe('http://127.0.0.1:1/elsewhere');
      expect(target.hits()).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('When Exchange answers 500 with a body, then the status and the raw bytes come back without an exception', async () => {
    const target = await server((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(Buffer.from([0, 0, 123, 125])));
    try {
      const r = await send(target.url);
      expect(r.status).toBe(500);
      expect(Buffer.isBuffer(r.body)).toBe(true);
      expect([...r.body]).toEqual([0, 0, 123, 125]);
    } finally {
      await target.close();
    }
  });

  it('When the connection drops in the middle of the answer, then it is a dropped connection, not a timeout', async () => {
    const target = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"value":[');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      const e = await send(target.url).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(NetworkError);
      expect(e).toMatchObject({ code: 'ECONNRESET', timedOut: false, aborted: false });
    } finally {
      await target.close();
    }
  });

  it('When no complete answer comes within the deadline, then it is a timeout', async () => {
    const target = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"value":['); // trickles, never ends
    });
    try {
      const e = await send(target.url, 150).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'ETIMEDOUT', timedOut: true });
    } finally {
      await target.close();
    }
  });

  it('When nothing listens, then the refusal keeps its code (never sent)', async () => {
    const target = await server(() => undefined);
    const url = target.url;
    await target.close();
    await expect(send(url)).rejects.toMatchObject({ code: 'ECONNREFUSED', timedOut: false });
  });
});
