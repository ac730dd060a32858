/** Callers of the connector API: Entra tokens checked against the real local identity provider's keys. */
import { randomUUID } from 'node:crypto';
import { startIdentityProvider, type IdentityProvider } from '../../dev/identity-provider';
import { createCallerVerifier, Roles, type CallerVerifier } from '../../lib/http/caller';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors';

let idp: IdentityProvider;
let verify: CallerVerifier;
const tenantId = randomUUID();
const audience = `api://${randomUUID()}`;

beforeAll(async () => {
  idp = await startIdentityProvider();
  verify = createCallerVerifier({ authorityHost: idp.url, tenantId, audience });
});
afterAll(async () => idp?.stop());

describe('API callers', () => {
  test('When a user token carries the role, then the caller is identified by UPN with its roles', async () => {
    const token = await idp.mintUserToken({ tenantId, audience, upn: 'admin@contoso.com', name: 'Ada Admin', roles: [Roles.Read] });
    await expect(verify(`Bearer ${token}`, Roles.Read)).resolves.toMatchObject({ id: 'admin@contoso.com', kind: 'user', tenantId, roles: [Roles.Read], name: 'Ada Admin' });
  });

  test('When an app token carries the role, then the caller is the app', async () => {
    const appId = randomUUID();
    const token = await idp.mintAppToken({ tenantId, clientId: appId, audience, roles: [Roles.Sync] });
    await expect(verify(`Bearer ${token}`, Roles.Sync)).resolves.toMatchObject({ id: `app:${appId}`, kind: 'app' });
  });

  test('When the role is missing, then the caller is forbidden and told which role', async () => {
    const token = await idp.mintUserToken({ tenantId, audience, upn: 'reader@contoso.com', roles: [Roles.Read] });
    const err = await verify(`Bearer ${token}`, Roles.Wipe).catch((e) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(/lacks the app role Devices.Wipe/);
  });

  test('When the token comes from another tenant, for another audience, expired or unsigned by the tenant keys, then it is refused', async () => {
    const otherTenant = await idp.mintUserToken({ tenantId: randomUUID(), audience, upn: 'x@fabrikam.com', roles: [Roles.Read] });
    const otherAudience = await idp.mintUserToken({ tenantId, audience: 'api://someone-else', upn: 'x@contoso.com', roles: [Roles.Read] });
    const expired = await idp.mintUserToken({ tenantId, audience, upn: 'x@contoso.com', roles: [Roles.Read], expiresInSeconds: -600 });
    const forged = await idp.mintAppToken({ tenantId, clientId: randomUUID(), audience, roles: [Roles.Read], signWithUnknownKey: true });
    for (const token of [otherTenant, otherAudience, expired, forged]) {
      await expect(verify(`Bearer ${token}`, Roles.Read)).rejects.toBeInstanceOf(UnauthorizedError);
    }
    await expect(verify(undefined, Roles.Read)).rejects.toThrow(/bearer token from Microsoft Entra ID is required/);
    await expect(verify('Basic abc', Roles.Read)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('When the connector\'s tenant is configured by domain, then it is resolved to the tenant id and only that tenant\'s tokens pass', async () => {
    idp.registerTenantDomain('contoso.onmicrosoft.com', tenantId);
    const byDomain = createCallerVerifier({ authorityHost: idp.url, tenantId: 'contoso.onmicrosoft.com', audience });
    const ours = await idp.mintUserToken({ tenantId, audience, upn: 'admin@contoso.com', roles: [Roles.Read] });
    await expect(byDomain(`Bearer ${ours}`, Roles.Read)).resolves.toMatchObject({ tenantId });
    const theirs = await idp.mintUserToken({ tenantId: randomUUID(), audience, upn: 'x@fabrikam.com', roles: [Roles.Read] });
    await expect(byDomain(`Bearer ${theirs}`, Roles.Read)).rejects.toThrow(/not by the connector's tenant|signature/);
  });
});
