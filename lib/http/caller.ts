/**
 * Who is calling the connector's HTTP API. Every protected route requires an Entra
 * access token (v1 or v2) for the connector's API audience, signed by the tenant's keys,
 * carrying the app role the route needs. Function keys alone are never enough.
 * Tokens must be RS256-signed and carry exp, iss and tid; the issuer is the configured
 * cloud's (lib/auth/token-issuers.ts). Key and metadata requests have a deadline, so an
 * unreachable authority costs a caller seconds, not the host's timeout.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { createTenantResolver } from '../auth/tenant-discovery';
import { tokenIssuersFor } from '../auth/token-issuers';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { agentFor, type ProxySettings } from '../net/proxy';

/** App roles of the connector API (declared in the app registration's manifest). */
export const Roles = {
  Read: 'Devices.Read',
  Manage: 'Devices.Manage',
  Wipe: 'Devices.Wipe',
  WipeFull: 'Devices.WipeFull',
  Sync: 'Sync.Run',
  PoliciesRead: 'Policies.Read',
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
  /** The connector API's Application ID URI (v1.0 tokens carry it as `aud`), or its client id. */
  audience: string;
  /** The app registration's client id: v2.0 tokens carry it as `aud` instead of the URI. */
  clientId?: string;
  /** Outbound proxy for the key and metadata requests. */
  proxy?: ProxySettings | null;
  /** Deadline of each key or metadata request; default 5 s (a request waits for it). */
  fetchTimeoutMs?: number;
  /** How long a failed tenant resolution is answered from memory; default 30 s. */
  tenantRetryAfterMs?: number;
}

export type CallerVerifier = (authorization: string | null | undefined, required: Role) => Promise<Caller>;

// Entra signs access tokens with RS256 only; pinning it refuses a token whose header picks
// another algorithm for the same key (RS512) or an HMAC "signed" with the public key.
const ALGORITHMS = ['RS256'];
const REQUIRED_CLAIMS = ['exp', 'iss', 'tid'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createCallerVerifier(o: CallerVerifierOptions): CallerVerifier {
  const host = o.authorityHost.replace(/\/+$/, '');
  const agent = agentFor(o.proxy, host);
  const timeoutMs = o.fetchTimeoutMs ?? 5_000;
  const jwks = createRemoteJWKSet(new URL(`${host}/${o.tenantId}/discovery/v2.0/keys`), { cooldownDuration: 30_000, timeoutDuration: timeoutMs, agent });
  const audiences = audiencesOf(o.audience, o.clientId);
  // Entra signs every tenant's tokens with the same keys, so the tenant (tid) must be
  // checked too; a tenant configured by domain name is resolved to its id once.
  const expectedTenant = createTenantResolver({ authorityHost: host, tenant: o.tenantId, agent, timeoutMs, retryAfterFailureMs: o.tenantRetryAfterMs ?? 30_000 });

  return async (authorization, required) => {
    // No bearer scheme at all (none sent, or Basic) is "no token", which RFC 6750 answers without an error code.
    if (!/^Bearer(?:\s|$)/i.test(authorization ?? '')) {
      throw new UnauthorizedError('A bearer token from Microsoft Entra ID is required (Authorization: Bearer <token>)', { reason: 'missing_token' });
    }
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw new UnauthorizedError('The Authorization header is not "Bearer <token>"', { reason: 'invalid_token', description: 'The access token is malformed' });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1], jwks, { algorithms: ALGORITHMS, requiredClaims: REQUIRED_CLAIMS, audience: audiences, clockTolerance: 120 }));
    } catch (e) {
      throw new UnauthorizedError(`The bearer token was refused: ${(e as Error).message}`, { reason: 'invalid_token', description: describeRefusal(e) });
    }
    const tid = String(payload.tid).toLowerCase();
    let expected: string;
    try {
      expected = await expectedTenant();
    } catch (e) {
      throw new UnauthorizedError(`The connector's tenant could not be resolved to verify the token: ${(e as Error).message}`, {
        reason: 'invalid_token',
        description: "The connector's tenant could not be resolved to verify the access token",
      });
    }
    const issuers = tokenIssuersFor(host, expected);
    if (tid !== expected || ![...issuers.v1, ...issuers.v2].includes(String(payload.iss))) {
      throw new UnauthorizedError(`The bearer token was issued by ${String(payload.iss)} for tenant ${tid}, not by the connector's tenant`, {
        reason: 'invalid_token',
        description: "The access token was not issued by the connector's tenant",
      });
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

/** The Application ID URI, the client id it names (`api://<guid>`) and the configured client id. */
function audiencesOf(audience: string, clientId: string | undefined): string[] {
  const named = /^api:\/\/(.+)$/.exec(audience)?.[1];
  const ids = [named, clientId].filter((id): id is string => id !== undefined && GUID.test(id)).map((id) => id.toLowerCase());
  return [...new Set([audience, ...ids])];
}

/** A short sentence for the caller's challenge, from the refusal's kind only (never token content). */
function describeRefusal(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'The access token expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return 'The access token is for another audience';
    if (e.reason === 'missing' && REQUIRED_CLAIMS.includes(e.claim)) return `The access token lacks the ${e.claim} claim`;
    return "The access token's claims are not valid";
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'The access token is not signed with RS256';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey) {
    return "The access token is not signed by the tenant's keys";
  }
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid) return "The tenant's signing keys could not be fetched";
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'The access token is malformed';
  return 'The access token was refused';
}
