/**
 * The token provider against the local identity provider: real MSAL and @azure/identity
 * requests over https (and http for managed identity), real signatures, real errors.
 */
import { randomUUID } from 'node:crypto';
import { ClientCertificateCredential } from '@azure/identity';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { createAppCertificate, type AppCertificate } from '../../dev/app-certificate';
import { startIdentityProvider, type IdentityProvider } from '../../dev/identity-provider';
import { createTokenProvider, TokenAcquisitionError, type AuthSettings, type CredentialSettings } from '../../lib/auth';
import { ConfigError } from '../../lib/errors';
import { silentLogger } from '../../lib/log';
import { memoryLogger } from '../support/memory-logger';
import { startConnectProxy } from '../support/connect-proxy';

const exchange = 'https://outlook.office365.com';

let idp: IdentityProvider;
let appCert: AppCertificate;
let strangerCert: AppCertificate;
const tenantId = randomUUID();
const appId = randomUUID();
const secret = `s3cr3t~${randomUUID()}`;

beforeAll(async () => {
  [idp, appCert, strangerCert] = await Promise.all([
    startIdentityProvider(),
    createAppCertificate('exo-connector-test'),
    createAppCertificate('someone-else'),
  ]);
  idp.registerApp({ tenantId, clientId: appId, secret, certificatePem: appCert.certificatePem, roles: { [exchange]: ['Exchange.ManageAsApp'] } });
});

afterAll(async () => {
  await idp?.stop();
});

function settings(credential: CredentialSettings, overrides: Partial<AuthSettings> = {}): AuthSettings {
  return { tenantId, clientId: appId, authorityHost: idp.url, resource: exchange, credential, ...overrides };
}

const byCertificate = (): CredentialSettings => ({ kind: 'certificate', certificatePem: appCert.privateKeyPem + appCert.certificatePem });

async function failureOf(p: Promise<unknown>): Promise<TokenAcquisitionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TokenAcquisitionError);
  return e as TokenAcquisitionError;
}

describe('Acquiring Exchange tokens', () => {
  test('When the app signs in with its certificate, then it gets an Exchange token for its tenant with its role', async () => {
    const provider = createTokenProvider(settings(byCertificate()), silentLogger);

    const { token, expiresOn } = await provider.getToken();

    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: exchange, tid: tenantId, appid: appId, azp: appId, roles: ['Exchange.ManageAsApp'], ver: '1.0', iss: idp.issuerV1(tenantId) });
    expect(claims.appidacr).toBe('2');
    expect(expiresOn.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(provider.describe()).toBe(`certificate (thumbprint ${appCert.thumbprintSha1}) for app ${appId} in tenant ${tenantId}`);
  });

  test('When the app signs in with its client secret, then it gets an Exchange token for its tenant with its role', async () => {
    const provider = createTokenProvider(settings({ kind: 'secret', secret }), silentLogger);

    const { token } = await provider.getToken();

    expect(decodeJwt(token)).toMatchObject({ aud: exchange, tid: tenantId, appid: appId, roles: ['Exchange.ManageAsApp'], appidacr: '1' });
    expect(provider.describe()).not.toContain(secret);
  });

  test('When a token is issued, then it verifies against the tenant JWKS over https', async () => {
    const { token } = await createTokenProvider(settings({ kind: 'secret', secret }), silentLogger).getToken();

    const jwks = createRemoteJWKSet(new URL(idp.jwksUri(tenantId)));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: idp.issuerV1(tenantId), audience: exchange });

    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.roles).toEqual(['Exchange.ManageAsApp']);
  });

  test('When the resource grants the app no role, then the token has no roles claim', async () => {
    const { token } = await createTokenProvider(settings({ kind: 'secret', secret }, { resource: 'https://graph.microsoft.com' }), silentLogger).getToken();

    const claims = decodeJwt(token);
    expect(claims.aud).toBe('https://graph.microsoft.com');
    expect(claims).not.toHaveProperty('roles');
  });
});

describe('Token cache', () => {
  test('When a token is asked for again within its lifetime, then it is served from the cache without a request', async () => {
    const provider = createTokenProvider(settings(byCertificate()), silentLogger);
    const first = await provider.getToken();
    const before = idp.tokenRequests();

    const second = await provider.getToken();

    expect(second.token).toBe(first.token);
    expect(idp.tokenRequests()).toBe(before);
  });

  test('When several callers ask at once, then they share one token request', async () => {
    const provider = createTokenProvider(settings({ kind: 'secret', secret }), silentLogger);
    const before = idp.tokenRequests();

    const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken()));

    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(idp.tokenRequests()).toBe(before + 1);
  });

  test('When forceRefresh is asked, then a new token is fetched', async () => {
    const provider = createTokenProvider(settings(byCertificate()), silentLogger);
    const first = await provider.getToken();
    const before = idp.tokenRequests();

    const refreshed = await provider.getToken({ forceRefresh: true });

    expect(idp.tokenRequests()).toBe(before + 1);
    expect(refreshed.token).not.toBe(first.token);
    expect((await provider.getToken()).token).toBe(refreshed.token);
  });

  test('When the cached token expires within five minutes, then the next call fetches a new one', async () => {
    const shortLived = await startIdentityProvider({ tokenLifetimeSeconds: 240 });
    try {
      shortLived.registerApp({ tenantId, clientId: appId, secret });
      const provider = createTokenProvider(settings({ kind: 'secret', secret }, { authorityHost: shortLived.url }), silentLogger);
      const first = await provider.getToken();

      const second = await provider.getToken();

      expect(shortLived.tokenRequests()).toBe(2);
      expect(second.token).not.toBe(first.token);
    } finally {
      await shortLived.stop();
    }
  });

  test('When an early refresh fails while the current token is still valid, then that token is kept, but a forced refresh fails', async () => {
    const shortLived = await startIdentityProvider({ tokenLifetimeSeconds: 240 });
    try {
      shortLived.registerApp({ tenantId, clientId: appId, secret });
      const log = memoryLogger();
      const provider = createTokenProvider(settings({ kind: 'secret', secret }, { authorityHost: shortLived.url }), log);
      const first = await provider.getToken();
      shortLived.registerApp({ tenantId, clientId: appId, secret: 'rotated' });

      const kept = await provider.getToken();

      expect(kept.token).toBe(first.token);
      expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('keeping the current token') }));
      expect((await failureOf(provider.getToken({ forceRefresh: true }))).message).toContain('AADSTS7000215');
    } finally {
      await shortLived.stop();
    }
  });

  test('When a token is acquired, then the log names kind, tenant, client and expiry but not the token', async () => {
    const log = memoryLogger();
    const { token, expiresOn } = await createTokenProvider(settings({ kind: 'secret', secret }), log).getToken();

    expect(log.entries).toContainEqual(
      expect.objectContaining({
        level: 'info',
        fields: expect.objectContaining({ credentialKind: 'secret', tenantId, clientId: appId, expiresOn: expiresOn.toISOString() }),
      }),
    );
    const logged = JSON.stringify(log.entries);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(secret);
  });
});

describe('Token acquisition failures', () => {
  test('When the secret is wrong, then token acquisition fails naming AADSTS7000215 and not the secret', async () => {
    const wrong = `wrong~${randomUUID()}`;
    const log = memoryLogger();

    const err = await failureOf(createTokenProvider(settings({ kind: 'secret', secret: wrong }), log).getToken());

    expect(err.code).toBe('TokenAcquisitionFailed');
    expect(err.status).toBe(502);
    expect(err.message).toContain('AADSTS7000215');
    expect(err.message).toContain('client secret');
    expect(err.message).toContain(tenantId);
    expect(err.message).toContain(appId);
    expect(err.details).toMatchObject({ aadsts: 'AADSTS7000215', credentialKind: 'secret' });
    for (const text of [err.message, JSON.stringify(err.toJSON()), JSON.stringify(log.entries)]) expect(text).not.toContain(wrong);
  });

  test('When the certificate is not registered for the app, then token acquisition fails naming AADSTS700027', async () => {
    const credential: CredentialSettings = { kind: 'certificate', certificatePem: strangerCert.privateKeyPem + strangerCert.certificatePem };

    const err = await failureOf(createTokenProvider(settings(credential), silentLogger).getToken());

    expect(err.message).toContain('AADSTS700027');
    expect(err.message).toContain('certificate');
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  test('When the app id is not registered in the tenant, then token acquisition fails naming AADSTS700016', async () => {
    const err = await failureOf(createTokenProvider(settings({ kind: 'secret', secret }, { clientId: randomUUID() }), silentLogger).getToken());

    expect(err.message).toContain('AADSTS700016');
  });

  test("When a proxy is configured, then the token request tunnels through it and the identity provider's refusals still come back as they are (AADSTS7000215)", async () => {
    const proxy = await startConnectProxy();
    try {
      const through = { httpsProxy: proxy.url, httpProxy: proxy.url, noProxy: [] };
      const { token } = await createTokenProvider(settings(byCertificate(), { proxy: through }), silentLogger).getToken();
      expect(decodeJwt(token)).toMatchObject({ aud: exchange, tid: tenantId });
      expect(proxy.tunnels.get(new URL(idp.url).host)).toBeGreaterThan(0);

      const err = await failureOf(createTokenProvider(settings({ kind: 'secret', secret: 'wrong' }, { proxy: through }), silentLogger).getToken());
      expect(err.message).toContain('AADSTS7000215');
    } finally {
      await proxy.close();
    }
  });

  test('When the tenant does not exist, then token acquisition fails naming AADSTS90002', async () => {
    const err = await failureOf(createTokenProvider(settings({ kind: 'secret', secret }, { tenantId: randomUUID() }), silentLogger).getToken());

    expect(err.message).toContain('AADSTS90002');
  });

  test('When the certificate PEM holds no private key, then creating the provider fails with a ConfigError', () => {
    expect(() => createTokenProvider(settings({ kind: 'certificate', certificatePem: appCert.certificatePem }), silentLogger)).toThrow(ConfigError);
  });
});

describe('Managed identity', () => {
  test('When IDENTITY_ENDPOINT and IDENTITY_HEADER are set, then system- and user-assigned identities get tokens with their roles', async () => {
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    const systemId = randomUUID();
    const userId = randomUUID();
    idp.registerManagedIdentity({ tenantId, clientId: systemId, roles: { [exchange]: ['Exchange.ManageAsApp'] } });
    idp.registerManagedIdentity({ tenantId, clientId: userId });
    process.env.IDENTITY_ENDPOINT = idp.managedIdentity.endpoint;
    process.env.IDENTITY_HEADER = idp.managedIdentity.header;
    try {
      const system = createTokenProvider(settings({ kind: 'managedIdentity' }), silentLogger);
      const user = createTokenProvider(settings({ kind: 'managedIdentity', clientId: userId }), silentLogger);
      const before = idp.tokenRequests();

      const systemToken = await system.getToken();
      const userToken = await user.getToken();
      await system.getToken();

      expect(decodeJwt(systemToken.token)).toMatchObject({ aud: exchange, tid: tenantId, appid: systemId, roles: ['Exchange.ManageAsApp'] });
      expect(decodeJwt(userToken.token)).toMatchObject({ aud: exchange, appid: userId });
      expect(decodeJwt(userToken.token)).not.toHaveProperty('roles');
      expect(systemToken.expiresOn.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
      expect(idp.tokenRequests()).toBe(before + 2);
      expect(user.describe()).toBe(`user-assigned managed identity ${userId}`);
    } finally {
      for (const [name, value] of [['IDENTITY_ENDPOINT', saved.endpoint], ['IDENTITY_HEADER', saved.header]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('Minted tokens', () => {
  const connectorApi = 'api://exo-mobile-connector';

  test('When an app token is minted for another audience, then it carries that audience and verifies against the JWKS', async () => {
    const token = await idp.mintAppToken({ tenantId, clientId: appId, audience: connectorApi, roles: ['Devices.Read'] });

    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri(tenantId))), { issuer: idp.issuerV1(tenantId), audience: connectorApi });
    expect(payload).toMatchObject({ aud: connectorApi, appid: appId, tid: tenantId, roles: ['Devices.Read'], idtyp: 'app' });
  });

  test('When a user token is minted, then it carries upn, name, roles and scp', async () => {
    const token = await idp.mintUserToken({ tenantId, audience: connectorApi, upn: 'adele@contoso.example', name: 'Adele Vance', roles: ['Devices.Wipe'], scp: 'user_impersonation' });

    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri(tenantId))), { issuer: idp.issuerV1(tenantId), audience: connectorApi });
    expect(payload).toMatchObject({ upn: 'adele@contoso.example', name: 'Adele Vance', roles: ['Devices.Wipe'], scp: 'user_impersonation', idtyp: 'user', tid: tenantId });
    expect(typeof payload.oid).toBe('string');
  });

  test('When a token is signed with an unknown key or has expired, then JWKS verification rejects it', async () => {
    const jwks = createRemoteJWKSet(new URL(idp.jwksUri(tenantId)));
    const forged = await idp.mintAppToken({ tenantId, clientId: appId, audience: connectorApi, signWithUnknownKey: true });
    const expired = await idp.mintAppToken({ tenantId, clientId: appId, audience: connectorApi, expiresInSeconds: -600 });

    await expect(jwtVerify(forged, jwks)).rejects.toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
    await expect(jwtVerify(expired, jwks)).rejects.toBeInstanceOf(joseErrors.JWTExpired);
  });

  test('When a caller uses @azure/identity ClientCertificateCredential, then the provider serves it too', async () => {
    const credential = new ClientCertificateCredential(
      tenantId,
      appId,
      { certificate: appCert.privateKeyPem + appCert.certificatePem },
      { authorityHost: idp.url, disableInstanceDiscovery: true },
    );

    const t = await credential.getToken(`${exchange}/.default`);

    expect(decodeJwt(t.token)).toMatchObject({ aud: exchange, appid: appId, roles: ['Exchange.ManageAsApp'] });
  });
});
