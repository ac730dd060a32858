/**
 * A tenant configured by domain (contoso.com, contoso.onmicrosoft.com) resolved to its
 * GUID from Entra's OpenID metadata (`<authority>/<domain>/v2.0/.well-known/openid-configuration`,
 * whose issuer and token_endpoint carry the GUID). Shared by the Exchange client (the
 * GUID goes into the InvokeCommand URL and the anchor: a nextLink names the backend of
 * page 1, and a vanity domain there makes page 2 fail) and the caller verification
 * (tokens carry the GUID in `tid`).
 */
import type http from 'node:http';
import axios from 'axios';
import { AppError, describeError } from '../errors';

export const TENANT_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export interface TenantDiscoveryOptions {
  /** e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** A GUID (returned as it is, lower case) or a domain. */
  tenant: string;
  /** Deadline of the metadata request; default 10 s. */
  timeoutMs?: number;
  /** Agent for the authority host (the outbound proxy, see lib/net/proxy.ts). */
  agent?: http.Agent;
}

/** The tenant's domain could not be resolved to its id. */
export class TenantResolutionError extends AppError {
  constructor(tenant: string, reason: string, options?: { cause?: unknown }) {
    super('TenantUnresolved', `The tenant ${tenant} could not be resolved to its tenant id: ${reason}`, 502, { tenant }, options);
  }
}

/** Fetches the tenant's OpenID metadata once and reads its GUID. */
export async function discoverTenantId(o: TenantDiscoveryOptions): Promise<string> {
  if (TENANT_GUID.test(o.tenant)) return o.tenant.toLowerCase();
  const url = `${o.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(o.tenant)}/v2.0/.well-known/openid-configuration`;
  let response;
  try {
    response = await axios.get<unknown>(url, {
      timeout: o.timeoutMs ?? 10_000,
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      // The proxy comes from the connector's settings (the agent), never from axios's environment lookup.
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
      httpAgent: o.agent,
      httpsAgent: o.agent,
      responseType: 'json',
    });
  } catch (e) {
    throw new TenantResolutionError(o.tenant, `${url} did not answer (${describeError(e)})`, { cause: e });
  }
  const body = (response.data ?? {}) as { issuer?: unknown; token_endpoint?: unknown; error_description?: unknown };
  if (response.status !== 200) {
    const why = typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : `HTTP ${response.status}`;
    throw new TenantResolutionError(o.tenant, `${url} answered ${why}`);
  }
  const id = GUID_IN_TEXT.exec(String(body.issuer ?? ''))?.[0] ?? GUID_IN_TEXT.exec(String(body.token_endpoint ?? ''))?.[0];
  if (!id) throw new TenantResolutionError(o.tenant, `no tenant id in the issuer "${String(body.issuer)}"`);
  return id.toLowerCase();
}

export interface TenantResolverOptions extends TenantDiscoveryOptions {
  /**
   * How long a failed resolution is answered from memory before Entra is asked again;
   * default 0: the next use asks again at once.
   */
  retryAfterFailureMs?: number;
  /** Clock (ms since epoch) for the failure window; Date.now unless set. */
  now?: () => number;
}

/**
 * A resolver that asks once and keeps the answer. A failure is kept only for
 * `retryAfterFailureMs` (Entra may have been unreachable for a moment, so it is asked
 * again after that, but a caller hammering a dead endpoint does not make every request
 * wait for its own timeout).
 */
export function createTenantResolver(o: TenantResolverOptions): () => Promise<string> {
  const retryAfter = o.retryAfterFailureMs ?? 0;
  const now = o.now ?? Date.now;
  let resolved: Promise<string> | null = null;
  let failedUntil: number | null = null;
  return () => {
    if (failedUntil !== null && now() >= failedUntil) {
      resolved = null;
      failedUntil = null;
    }
    if (!resolved) {
      const attempt = discoverTenantId(o);
      attempt.catch(() => {
        if (resolved !== attempt) return;
        if (retryAfter > 0) failedUntil = now() + retryAfter;
        else resolved = null;
      });
      resolved = attempt;
    }
    return resolved;
  };
}
