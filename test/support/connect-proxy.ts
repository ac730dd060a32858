/**
 * A small real forward proxy on 127.0.0.1 for tests: CONNECT tunnels (what https-proxy-agent
 * and MSAL's traffic through it use) and absolute-URI forwarding of plain http (what the
 * Azure SDK's http-proxy-agent uses for an http target such as Azurite). It counts, per
 * target host:port, the tunnels opened and the requests forwarded, and can demand
 * Proxy-Authorization.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectProxy {
  url: string;
  /** CONNECT tunnels opened, by `host:port`. */
  tunnels: Map<string, number>;
  /** Plain-http requests forwarded by absolute URI, by `host:port`. */
  forwarded: Map<string, number>;
  /** Every target the proxy carried traffic to, either way. */
  targets(): string[];
  /** Proxy-Authorization headers seen (to check credentials travel to the proxy, and only there). */
  authorizations: string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startConnectProxy(o: { requireAuth?: { user: string; password: string } } = {}): Promise<ConnectProxy> {
  const tunnels = new Map<string, number>();
  const forwarded = new Map<string, number>();
  const authorizations: string[] = [];
  const sockets = new Set<net.Socket>();
  const expected = o.requireAuth ? `Basic ${Buffer.from(`${o.requireAuth.user}:${o.requireAuth.password}`).toString('base64')}` : null;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const authorised = (headers: http.IncomingHttpHeaders): boolean => {
    const auth = headers['proxy-authorization'];
    if (auth) authorizations.push(auth);
    return expected === null || auth === expected;
  };

  const server = http.createServer((req, res) => {
    if (!authorised(req.headers)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI expected');
      return;
    }
    bump(forwarded, target.host);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end());
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!authorised(req.headers)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    bump(tunnels, `${host}:${port}`);
    const upstream = net.connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('close', () => upstream.destroy());
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    forwarded,
    authorizations,
    targets: () => [...new Set([...tunnels.keys(), ...forwarded.keys()])].sort(),
    reset() {
      tunnels.clear();
      forwarded.clear();
      authorizations.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
