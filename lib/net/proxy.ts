/**
 * Outbound proxy: which proxy (if any) a target URL goes through, and the agents that
 * get it there. Every outbound client of the connector (Exchange, Entra, Table Storage,
 * the caller-token keys) takes its proxy from here, from the settings lib/config read;
 * nothing reads the environment itself.
 *
 * Tunnelling is by CONNECT for https and http targets alike (https-proxy-agent), so the
 * proxy never sees the bearer tokens and a plain-http loopback emulator works the same.
 */
import http from 'node:http';
import https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';

export interface ProxySettings {
  /** Proxy for https targets (CONNECTOR_PROXY_URL, else HTTPS_PROXY); null: direct. */
  httpsProxy: string | null;
  /** Proxy for plain-http targets (CONNECTOR_PROXY_URL, else HTTP_PROXY); null: direct. */
  httpProxy: string | null;
  /** NO_PROXY entries: `*`, a host, `.domain` / `*.domain` (the domain and its subdomains), each optionally `:port`. */
  noProxy: string[];
}

/** True when NO_PROXY says the target is reached directly. */
export function bypassesProxy(noProxy: readonly string[], target: URL): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy.some((raw) => {
    let entry = raw.trim().toLowerCase();
    if (entry === '') return false;
    if (entry === '*') return true;
    let entryPort: string | null = null;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (m) {
      entry = m[1].replace(/^\[|\]$/g, '');
      entryPort = m[2] ?? null;
    }
    if (entryPort !== null && entryPort !== port) return false;
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) return host === entry.slice(1) || host.endsWith(entry);
    return host === entry;
  });
}

/** The proxy URL for a target, or null for a direct connection. */
export function proxyFor(settings: ProxySettings | null | undefined, target: URL | string): URL | null {
  if (!settings) return null;
  const url = typeof target === 'string' ? new URL(target) : target;
  const proxy = url.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || bypassesProxy(settings.noProxy, url)) return null;
  return new URL(proxy);
}

/** A proxy URL fit for logs: any user name and password replaced. */
export function redactProxyUrl(url: string | null): string | null {
  if (!url) return url;
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.href.replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/**
 * A keep-alive agent for requests to `target`: through the proxy when one applies,
 * direct otherwise. One agent per client and target, so connections are reused.
 */
export function agentFor(settings: ProxySettings | null | undefined, target: URL | string, options: http.AgentOptions = {}): http.Agent {
  const url = typeof target === 'string' ? new URL(target) : target;
  const proxy = proxyFor(settings, url);
  const agentOptions = { keepAlive: true, ...options };
  if (proxy) return new HttpsProxyAgent(proxy, agentOptions);
  return url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
}

/** The proxy in the shape of the Azure SDK's `proxyOptions` (core-rest-pipeline), or undefined for direct. */
export function azureProxyOptions(settings: ProxySettings | null | undefined, target: URL | string): { host: string; port: number; username?: string; password?: string } | undefined {
  const proxy = proxyFor(settings, target);
  if (!proxy) return undefined;
  return {
    host: `${proxy.protocol}//${proxy.hostname}`,
    port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
    ...(proxy.username ? { username: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) } : {}),
  };
}
