/**
 * Jest setup (every test file): the tests reach loopback only. A connection to any other
 * host fails at once with an error naming it, so a test that would depend on the
 * internet (or reach a real tenant by mistake) fails here instead of hanging or passing
 * by luck. Unix sockets and 127.0.0.0/8, ::1 and localhost are allowed.
 */
import net from 'node:net';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost)$/i;

/** The host a Socket#connect call names, or null for a path (unix socket) or none. */
function hostOf(args: unknown[]): string | null {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first && typeof first === 'object') {
    const o = first as { host?: unknown; path?: unknown };
    if (typeof o.path === 'string') return null;
    return typeof o.host === 'string' ? o.host : 'localhost';
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return null; // a path
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = hostOf(args);
  if (host !== null && !isLoopbackHost(host)) {
    const error = Object.assign(new Error(`tests reach loopback only: a connection to ${host} was refused (test/support/loopback-only.ts)`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
