/**
 * Bearer token checks as Exchange Online does them for app-only calls: RS256 signature
 * against the tenant's signing keys, issuer, audience (the resource URI with or without
 * a trailing slash, or Exchange's app id), tenant (`tid` must be the tenant the URL
 * names, by GUID or verified domain), lifetime, and the `roles` claim holding
 * Exchange.ManageAsApp. Tokens are checked against real time, not the data clock.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

/** The challenge EXO sends with every 401. */
export const WWW_AUTHENTICATE =
  `Bearer client_id="${EXCHANGE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ` +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"';

export interface Caller {
  appId: string;
  tenantId: string;
  roles: string[];
  /** How Exchange names the app in LastDeviceWipeRequestor and similar fields. */
  displayName: string;
}

export type AuthResult = { ok: true; caller: Caller } | { ok: false; status: 401 | 403; reason: string };

export interface TokenValidatorOptions {
  tenantId: string;
  tenantDomains: string[];
  jwksUri: string;
  issuers: string[];
  audience: string;
  requiredRole: string;
}

export function createTokenValidator(o: TokenValidatorOptions) {
  const keys = createRemoteJWKSet(new URL(o.jwksUri));
  const base = o.audience.replace(/\/+$/, '');
  const audiences = [base, `${base}/`, EXCHANGE_APP_ID];
  const tenantNames = new Set([o.tenantId, ...o.tenantDomains].map((t) => t.toLowerCase()));

  /** Whether the URL's tenant segment names the served tenant. */
  const servesTenant = (urlTenant: string) => tenantNames.has(urlTenant.toLowerCase());

  async function validate(authorization: string | undefined, urlTenant: string): Promise<AuthResult> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return { ok: false, status: 401, reason: 'The request has no bearer token.' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1], keys, { issuer: o.issuers, audience: audiences, algorithms: ['RS256'], requiredClaims: ['exp', 'tid'] }));
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'ERR_JWT_INVALID';
      return { ok: false, status: 401, reason: `The access token is invalid (${code}: ${(e as Error).message}).` };
    }
    const tid = String(payload.tid ?? '').toLowerCase();
    if (tid !== o.tenantId.toLowerCase() || !servesTenant(urlTenant)) {
      return { ok: false, status: 401, reason: `The access token's tenant '${tid}' does not match the tenant '${urlTenant}' in the request.` };
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    if (!roles.includes(o.requiredRole)) {
      return { ok: false, status: 403, reason: `The access token does not hold the role '${o.requiredRole}' the Exchange Online admin API requires.` };
    }
    const appId = String(payload.appid ?? payload.azp ?? 'unknown');
    const displayName = typeof payload.app_displayname === 'string' ? payload.app_displayname : `ServicePrincipal_${appId}`;
    return { ok: true, caller: { appId, tenantId: tid, roles, displayName } };
  }

  return { validate, servesTenant };
}

export type TokenValidator = ReturnType<typeof createTokenValidator>;
