/**
 * The tokens the provider issues: RS256 JWTs with Entra's header (kid and x5t the
 * signing certificate's thumbprint) and Entra's v1 claims for app-only and user tokens,
 * with ways to deviate from them for the tests of inbound validation.
 */
import { createHash, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Ways to mint a token Entra would never issue, to test that it is refused. */
export interface MintDeviations {
  /** signs with RS512 instead of Entra's RS256 (same key, same kid) */
  algorithm?: 'RS256' | 'RS512';
  /** leaves these claims out */
  omitClaims?: ('exp' | 'iss' | 'tid' | 'aud')[];
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // Entra's kid is the base64url SHA-1 thumbprint of the signing certificate (27 characters).
  const kid = createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  return { kid, privateKey, publicKey };
}

/** Stable object ids, so a token minted here and one issued through MSAL agree on `oid`. */
export function objectIdFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|').toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The client app a minted user token claims to come from. */
export const userSignInAppId = objectIdFor('local-identity-provider', 'user-sign-in-app');

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signed with `withKey` under the published key's kid (a different key makes signature checks fail). */
export async function signToken(claims: Record<string, unknown>, published: SigningKey, withKey: SigningKey = published, deviations: MintDeviations = {}): Promise<string> {
  const omitted = new Set<string>(deviations.omitClaims ?? []);
  const kept = Object.fromEntries(Object.entries(claims).filter(([name]) => !omitted.has(name)));
  return new SignJWT(kept)
    .setProtectedHeader({ typ: 'JWT', alg: deviations.algorithm ?? 'RS256', x5t: published.kid, kid: published.kid })
    .sign(withKey.privateKey);
}

/** Entra backdates iat/nbf by five minutes to absorb clock skew. */
export function tokenTimes(expiresInSeconds: number) {
  const exp = nowSeconds() + expiresInSeconds;
  const issued = Math.min(nowSeconds(), exp) - 300;
  return { iat: issued, nbf: issued, exp };
}

const uti = () => randomUUID().replace(/-/g, '').slice(0, 22);

export interface AppTokenClaimsInput {
  tenantId: string;
  clientId: string;
  audience: string;
  roles: string[];
  appidacr: string;
  expiresIn: number;
  issuer?: string;
}

/** Signs appTokenClaims with the published key; `exp` for answers that state it. */
export type IssueAppToken = (a: AppTokenClaimsInput) => Promise<{ token: string; exp: number }>;

/** A v1 app-only access token, as Entra issues for `<resource>/.default`. */
export function appTokenClaims(issuerV1: (tenantId: string) => string, a: AppTokenClaimsInput) {
  const oid = objectIdFor('service-principal', a.tenantId, a.clientId);
  return {
    aud: a.audience,
    iss: a.issuer ?? issuerV1(a.tenantId),
    ...tokenTimes(a.expiresIn),
    appid: a.clientId,
    appidacr: a.appidacr,
    azp: a.clientId,
    idp: issuerV1(a.tenantId),
    idtyp: 'app',
    oid,
    sub: oid,
    tid: a.tenantId,
    uti: uti(),
    ver: '1.0',
    ...(a.roles.length > 0 ? { roles: a.roles } : {}),
  };
}

export interface UserTokenClaimsInput {
  tenantId: string;
  audience: string;
  upn: string;
  oid?: string;
  name?: string;
  roles?: string[];
  scp?: string;
  expiresIn: number;
}

/** A v1 delegated token of a user signed in with a password through userSignInAppId. */
export function userTokenClaims(issuerV1: (tenantId: string) => string, m: UserTokenClaimsInput) {
  const oid = m.oid ?? objectIdFor('user', m.tenantId, m.upn);
  return {
    aud: m.audience,
    iss: issuerV1(m.tenantId),
    ...tokenTimes(m.expiresIn),
    amr: ['pwd'],
    appid: userSignInAppId,
    appidacr: '0',
    idp: issuerV1(m.tenantId),
    idtyp: 'user',
    name: m.name ?? m.upn,
    oid,
    sub: oid,
    tid: m.tenantId,
    unique_name: m.upn,
    upn: m.upn,
    uti: uti(),
    ver: '1.0',
    ...(m.scp ? { scp: m.scp } : {}),
    ...(m.roles && m.roles.length > 0 ? { roles: m.roles } : {}),
  };
}
