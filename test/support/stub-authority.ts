/**
 * A stand-in authority host on https://127.0.0.1 (the local stack's certificate, trusted
 * through dev/with-ca.js) whose answers a test picks per request: pass on to the local
 * identity provider, fail, or accept the request and never answer. It counts requests
 * by kind, so a test can tell whether a call reached the network.
 */
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readLocalCertificate } from '../../dev/local-cert';

export type RequestKind = 'keys' | 'metadata' | 'other';
export type Answer = 'forward' | 'hang' | { status: number };

export interface StubAuthority {
  url: string;
  /** How the next requests of a kind are answered (forward, unless set). */
  answer: Record<RequestKind, Answer>;
  requests: Record<RequestKind, number>;
  stop(): Promise<void>;
}

function kindOf(pathname: string): RequestKind {
  if (/\/discovery(\/v2\.0)?\/keys$/.test(pathname)) return 'keys';
  if (/\/\.well-known\/openid-configuration$/.test(pathname)) return 'metadata';
  return 'other';
}

/** `forwardTo`: the identity provider's url, whose answers are passed on unchanged. */
export async function startStubAuthority(forwardTo: string): Promise<StubAuthority> {
  const answer: Record<RequestKind, Answer> = { keys: 'forward', metadata: 'forward', other: 'forward' };
  const requests: Record<RequestKind, number> = { keys: 0, metadata: 0, other: 0 };
  const tls = readLocalCertificate();
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const path = req.url ?? '/';
    const kind = kindOf(new URL(path, forwardTo).pathname);
    requests[kind]++;
    const a = answer[kind];
    if (a === 'hang') return; // accepted, never answered
    if (a !== 'forward') {
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'stub answer' }));
      return;
    }
    fetch(`${forwardTo}${path}`)
      .then(async (r) => {
        const body = await r.text();
        res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    answer,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging requests keep their connections open; close them too.
        server.closeAllConnections();
      }),
  };
}
