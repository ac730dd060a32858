/** The plumbing both of the provider's servers share: JSON answers, a bounded body, listen and close. */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidRequest } from './entra-errors';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

/** Runs a handler; a failure it did not answer itself becomes a 500 (or a dropped connection once answering). */
export function serve(handler: Handler, req: http.IncomingMessage, res: http.ServerResponse): void {
  handler(req, res).catch((e: unknown) => {
    if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: e instanceof Error ? e.message : String(e) });
    else res.destroy();
  });
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw invalidRequest(900144, 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Clients keep connections alive; without this, close waits for them to time out.
    server.closeAllConnections();
  });
}
