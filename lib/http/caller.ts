/**
 * Who is calling the connector's HTTP API. Every protected route requires an Entra
 * access token (v1 or v2) for the connector's API audience, signed by the tenant's keys,
 * carrying the app role the route needs. Function keys alone are never enough.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { createTenantResolver } from '../auth/tenant-discovery';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { agentFor, type ProxySettings } from '../net/proxy';

/** App roles of the connector API (declared in the app registration's manifest). */
export const Roles = {
  Read: 'Devices.Read',
  Manage: 'Devices.Manage',
  Wipe: 'Devices.Wipe',
  Sync: 'Sync.Run',
  Policies: 'Policies.Manage',
} as const;
export type Role = (typeof Roles)[keyof typeof Roles];

export interface Caller {
  /** User principal name, or `app:<appid>` for an application caller. */
  id: string;
  kind: 'user' | 'app';
  objectId: string | null;
  tenantId: string;
  roles: string[];
  name: string | null;
}

export interface CallerVerifierOptions {
  authorityHost: string;
  tenantId: string;
  audience: string;
  /** Outbound proxy for the key and metadata requests. */
  proxy?: ProxySettings | null;
}

export type CallerVerifier = (authorization: string | null | undefined, required: Role) => Promise<Caller>;

export function createCallerVerifier(o: CallerVerifierOptions): CallerVerifier {
  const host = o.authorityHost.replace(/\/+$/, '');
  const agent = agentFor(o.proxy, host);
  const jwks = createRemoteJWKSet(new URL(`${host}/${o.tenantId}/discovery/v2.0/keys`), { cooldownDuration: 30_000, agent });
  const audiences = [o.audience, o.audience.replace(/^api:\/\//, '')];
  // Entra signs every tenant's tokens with the same keys, so the tenant (tid) must be
  // checked too; a tenant configured by domain name is resolved to its id once.
  const expectedTenant = createTenantResolver({ authorityHost: host, tenant: o.tenantId, agent });

  return async (authorization, required) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw new UnauthorizedError('A bearer token from Microsoft Entra ID is required (Authorization: Bearer <token>)');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1], jwks, { audience: audiences, clockTolerance: 120 }));
    } catch (e) {
      throw new UnauthorizedError(`The bearer token was refused: ${(e as Error).message}`);
    }
    const tid = String(payload.tid ?? '').toLowerCase();
    let expected: string;
    try {
      expected = await expectedTenant();
    } catch (e) {
      throw new UnauthorizedError(`The connector's tenant could not be resolved to verify the token: ${(e as Error).message}`);
    }
    // Accept v1 (sts.windows.net) and v2 (<authority>/<tid>/v2.0) issuers of the connector's tenant only.
    const issuers = [`https://sts.windows.net/${expected}/`, `${host}/${expected}/v2.0`];
    if (tid !== expected || !issuers.includes(String(payload.iss))) {
      throw new UnauthorizedError(`The bearer token was issued by ${String(payload.iss)} for tenant ${tid || '(none)'}, not by the connector's tenant`);
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
    const upn = (payload.upn ?? payload.preferred_username ?? payload.unique_name) as string | undefined;
    const appId = String(payload.appid ?? payload.azp ?? '');
    const caller: Caller = {
      id: upn ?? `app:${appId}`,
      kind: upn ? 'user' : 'app',
      objectId: (payload.oid as string | undefined) ?? null,
      tenantId: tid,
      roles,
      name: (payload.name as string | undefined) ?? null,
    };
    if (!roles.includes(required)) {
      throw new ForbiddenError(`The caller ${caller.id} lacks the app role ${required}`, { requiredRole: required });
    }
    return caller;
  };
}
