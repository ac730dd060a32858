/**
 * MSAL's HTTP client for the outbound proxy. msal-node 3+ sends with the global fetch,
 * which has no agent and so no proxy; this client sends MSAL's requests with axios
 * through the agent lib/net/proxy.ts chose for the authority host.
 */
import type http from 'node:http';
import axios from 'axios';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Deadline of a token request when MSAL gives none (it gives one only for discovery GETs). */
const DEFAULT_TIMEOUT_MS = 30_000;

export function proxiedNetworkClient(agent: http.Agent): INetworkModule {
  async function send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeoutMs: number | undefined): Promise<NetworkResponse<T>> {
    let response;
    try {
      response = await axios.request<string>({
        url,
        method,
        headers: options?.headers,
        data: method === 'POST' ? (options?.body ?? '') : undefined,
        responseType: 'text',
        transformResponse: (d: string) => d,
        validateStatus: () => true,
        maxRedirects: 0,
        proxy: false,
        httpAgent: agent,
        httpsAgent: agent,
        signal: AbortSignal.timeout(timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (e) {
      throw new Error(`Network request failed: ${(e as Error).message}`, { cause: e });
    }
    let body: T;
    try {
      body = JSON.parse(response.data) as T;
    } catch {
      throw new Error(`Failed to parse response: HTTP ${response.status} with a body that is not JSON`);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    return { headers, body, status: response.status };
  }
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options, undefined),
  };
}
