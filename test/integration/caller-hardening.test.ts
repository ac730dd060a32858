/**
 * Caller verification hardened (issue 9, token validation): algorithm pinned, required
 * claims, the client id as audience, the cloud's v1 issuer, deadlines and a short memory
 * of failures for the key and metadata requests, and RFC 6750 challenges. Tokens come
 * from the real local identity provider; a stub authority in front of it hangs or fails.
 */
import { createPublicKey, randomUUID, type JsonWebKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWK } from 'jose';
import { startIdentityProvider, type IdentityProvider } from '../../dev/identity-provider';
import { createCallerVerifier, Roles, type CallerVerifier } from '../../lib/http/caller';
import { UnauthorizedError } from '../../lib/errors';
import { wwwAuthenticateFor } from '../../lib/http/www-authenticate';
import { startStubAuthority, type StubAuthority } from '../support/stub-authority';

let idp: IdentityProvider;
let verify: CallerVerifier;
const tenantId = randomUUID();
const audience = `api://${randomUUID()}`;
const stubs: StubAuthority[] = [];

beforeAll(async () => {
  idp = await startIdentityProvider();
  verify = createCallerVerifier({ authorityHost: idp.url, tenantId, audience });
});
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.stop()));
  await idp?.stop();
});

async function stub(): Promise<StubAuthority> {
  const s = await startStubAuthority(idp.url);
  stubs.push(s);
  return s;
}

/** The refusal of a call, with the challenge the API would answer it with. */
async function refusal(call: Promise<unknown>): Promise<{ error: UnauthorizedError; challenge: string | undefined }> {
  const error = await call.then(
    () => {
      throw new Error('the call was accepted');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return { error: error as UnauthorizedError, challenge: wwwAuthenticateFor(error) };
}

const appToken = (o: Partial<Parameters<IdentityProvider['mintAppToken']>[0]> = {}) =>
  idp.mintAppToken({ tenantId, clientId: randomUUID(), audience, roles: [Roles.Read], ...o });

describe('Signing algorithm and required claims', () => {
  test('When a token is signed with RS512 by the tenant key, then it is refused', async () => {
    const token = await appToken({ algorithm: 'RS512' });
    expect(decodeProtectedHeader(token).alg).toBe('RS512');
    const { error, challenge } = await refusal(verify(`Bearer ${token}`, Roles.Read));
    expect(error.reason).toBe('invalid_token');
    expect(challenge).toBe('Bearer realm="exo-mobile-connector", error="invalid_token", error_description="The access token is not signed with RS256"');
  });

  test('When a token is HS256-signed with the tenant public key as secret, then it is refused', async () => {
    const jwks = (await (await fetch(idp.jwksUri(tenantId))).json()) as { keys: JWK[] };
    const publicPem = createPublicKey({ key: jwks.keys[0] as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const forged = await new SignJWT(decodeJwt(await appToken()))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwks.keys[0].kid })
      .sign(new TextEncoder().encode(String(publicPem)));
    const { challenge } = await refusal(verify(`Bearer ${forged}`, Roles.Read));
    expect(challenge).toMatch(/error="invalid_token", error_description="The access token is not signed with RS256"/);
  });

  test.each(['exp', 'iss', 'tid'] as const)('When a token has no %s claim, then it is refused naming the claim', async (claim) => {
    const token = await appToken({ omitClaims: [claim] });
    expect(decodeJwt(token)[claim]).toBeUndefined();
    const { challenge } = await refusal(verify(`Bearer ${token}`, Roles.Read));
    expect(challenge).toContain(`error_description="The access token lacks the ${claim} claim"`);
  });

  test('When a user token has no exp claim, then it is refused too', async () => {
    const token = await idp.mintUserToken({ tenantId, audience, upn: 'admin@contoso.com', roles: [Roles.Read], omitClaims: ['exp'] });
    await expect(verify(`Bearer ${token}`, Roles.Read)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe('Audience', () => {
  const clientId = randomUUID();
  const uri = 'https://connector.contoso.example/api';

  test('When a token carries the client id GUID as aud (v2.0), then it is accepted beside the Application ID URI', async () => {
    const byClientId = createCallerVerifier({ authorityHost: idp.url, tenantId, audience: uri, clientId });
    await expect(byClientId(`Bearer ${await appToken({ audience: clientId })}`, Roles.Read)).resolves.toMatchObject({ kind: 'app', tenantId });
    await expect(byClientId(`Bearer ${await appToken({ audience: uri })}`, Roles.Read)).resolves.toMatchObject({ kind: 'app' });
  });

  test('When a token is for another client id, or no client id is configured, then the GUID audience is refused', async () => {
    const byClientId = createCallerVerifier({ authorityHost: idp.url, tenantId, audience: uri, clientId });
    const other = await refusal(byClientId(`Bearer ${await appToken({ audience: randomUUID() })}`, Roles.Read));
    expect(other.challenge).toContain('error_description="The access token is for another audience"');
    const uriOnly = createCallerVerifier({ authorityHost: idp.url, tenantId, audience: uri });
    await refusal(uriOnly(`Bearer ${await appToken({ audience: clientId })}`, Roles.Read));
  });

  test('When the audience is api://<client id>, then the bare client id is accepted and a custom URI is not stripped', async () => {
    await expect(verify(`Bearer ${await appToken({ audience: audience.slice('api://'.length) })}`, Roles.Read)).resolves.toMatchObject({ kind: 'app' });
    const custom = createCallerVerifier({ authorityHost: idp.url, tenantId, audience: 'api://exo-connector' });
    await refusal(custom(`Bearer ${await appToken({ audience: 'exo-connector' })}`, Roles.Read));
  });
});

describe('Issuer of the configured cloud', () => {
  test('When the authority is not a known Entra cloud, then <authority>/<tid>/ is the v1 issuer and sts.windows.net is refused', async () => {
    expect(idp.issuerV1(tenantId)).toBe(`${idp.url}/${tenantId}/`);
    await expect(verify(`Bearer ${await appToken()}`, Roles.Read)).resolves.toMatchObject({ tenantId });
    await expect(verify(`Bearer ${await appToken({ issuer: idp.issuerV2(tenantId) })}`, Roles.Read)).resolves.toMatchObject({ tenantId });
    const global = await refusal(verify(`Bearer ${await appToken({ issuer: `https://sts.windows.net/${tenantId}/` })}`, Roles.Read));
    expect(global.challenge).toContain('error_description="The access token was not issued by the connector\'s tenant"');
  });
});

describe('Deadlines and failures of the key and metadata requests', () => {
  const domain = 'contoso.example';

  test('When the tenant discovery endpoint never answers, then the call is answered 401 within a few seconds', async () => {
    const authority = await stub();
    authority.answer.metadata = 'hang';
    idp.registerTenantDomain(domain, tenantId);
    const slow = createCallerVerifier({ authorityHost: authority.url, tenantId: domain, audience });
    const token = await appToken({ issuer: `${authority.url}/${tenantId}/` });
    const started = Date.now();
    const { error, challenge } = await refusal(slow(`Bearer ${token}`, Roles.Read));
    const elapsed = Date.now() - started;
    expect(authority.requests.metadata).toBe(1);
    expect(elapsed).toBeLessThan(8_000);
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/could not be resolved/);
    expect(challenge).toContain('error="invalid_token"');
  });

  test('When the signing keys endpoint never answers, then the call is answered 401 within a few seconds', async () => {
    const authority = await stub();
    authority.answer.keys = 'hang';
    const slow = createCallerVerifier({ authorityHost: authority.url, tenantId, audience });
    const started = Date.now();
    const { challenge } = await refusal(slow(`Bearer ${await appToken()}`, Roles.Read));
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(authority.requests.keys).toBe(1);
    expect(challenge).toContain('error_description="The tenant\'s signing keys could not be fetched"');
  });

  test('When tenant discovery failed, then a call right after does not ask again, and one after the retry window does', async () => {
    const authority = await stub();
    authority.answer.metadata = { status: 503 };
    idp.registerTenantDomain(domain, tenantId);
    const token = await appToken({ issuer: `${authority.url}/${tenantId}/` });
    const byDefault = createCallerVerifier({ authorityHost: authority.url, tenantId: domain, audience });
    await refusal(byDefault(`Bearer ${token}`, Roles.Read));
    await refusal(byDefault(`Bearer ${token}`, Roles.Read));
    expect(authority.requests.metadata).toBe(1);

    const shortWindow = createCallerVerifier({ authorityHost: authority.url, tenantId: domain, audience, tenantRetryAfterMs: 300 });
    await refusal(shortWindow(`Bearer ${token}`, Roles.Read));
    await refusal(shortWindow(`Bearer ${token}`, Roles.Read));
    expect(authority.requests.metadata).toBe(2);
    authority.answer.metadata = 'forward';
    await new Promise((r) => setTimeout(r, 400));
    await expect(shortWindow(`Bearer ${token}`, Roles.Read)).resolves.toMatchObject({ tenantId });
    expect(authority.requests.metadata).toBe(3);
  });
});

describe('Challenges (RFC 6750)', () => {
  test('When no bearer token is sent, then the challenge names the realm and no error code', async () => {
    for (const authorization of [undefined, null, '', 'Basic dXNlcjpwYXNz']) {
      const { error, challenge } = await refusal(verify(authorization, Roles.Read));
      expect(error.reason).toBe('missing_token');
      expect(challenge).toBe('Bearer realm="exo-mobile-connector"');
    }
  });

  test('When a token is refused, then the challenge describes why without any token content', async () => {
    const otherTenant = randomUUID();
    const token = await idp.mintAppToken({ tenantId: otherTenant, clientId: randomUUID(), audience, roles: [Roles.Read] });
    const { error, challenge } = await refusal(verify(`Bearer ${token}`, Roles.Read));
    expect(error.message).toContain(otherTenant); // the log and problem detail may say which tenant
    expect(challenge).not.toContain(otherTenant);
    expect(challenge).not.toContain(token.slice(0, 20));
    expect(challenge).toMatch(/^Bearer realm="exo-mobile-connector", error="invalid_token", error_description="[^"]{1,120}"$/);
  });

  test('When the app role is missing, then the challenge is insufficient_scope naming the role', async () => {
    const token = await appToken({ roles: [Roles.Read] });
    const error = await verify(`Bearer ${token}`, Roles.Wipe).catch((e: unknown) => e);
    expect(wwwAuthenticateFor(error)).toBe('Bearer realm="exo-mobile-connector", error="insufficient_scope", error_description="The app role Devices.Wipe is required", scope="Devices.Wipe"');
  });
});
