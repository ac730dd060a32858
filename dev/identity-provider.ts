/**
 * A local Microsoft Entra ID stand-in for tests and local runs: an https OpenID provider
 * with Entra's paths, token shapes and AADSTS error answers, which @azure/msal-node and
 * @azure/identity talk to unchanged (authority host = `url`), plus an App Service-style
 * managed identity endpoint on plain http. Tokens are RS256 JWTs signed with a key pair
 * made at start and published at the tenant's JWKS address, so this project's inbound
 * token validation can run against it too. Like a cloud of its own, it is its own v1 STS:
 * v1 tokens carry `iss` = `<url>/<tenant>/` (Entra's global cloud: sts.windows.net).
 *
 * This file holds the provider's state and routes; the parts are in identity-provider/:
 * tokens (keys, claims, signing), client-credentials (the token endpoint's grant),
 * managed-identity, discovery (OpenID configuration, keys), entra-errors and http.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { readLocalCertificate } from './local-cert';
import { appKey, tokenEndpoint, type RegisteredApp, type TokenEndpointContext } from './identity-provider/client-credentials';
import { discoveryDocument, instanceDiscovery, keySet } from './identity-provider/discovery';
import { EntraError, entraErrorBody, invalidRequest } from './identity-provider/entra-errors';
import { close, listen, readBody, send, serve } from './identity-provider/http';
import { handleManagedIdentity, type ManagedIdentity, type ManagedIdentityContext } from './identity-provider/managed-identity';
import { appTokenClaims, newSigningKey, signToken, userTokenClaims, type IssueAppToken, type MintDeviations, type SigningKey } from './identity-provider/tokens';

export type { MintDeviations, RegisteredApp };

export interface MintAppTokenOptions extends MintDeviations {
  tenantId: string;
  clientId: string;
  audience: string;
  /** defaults to the registered app's roles for `audience`; an empty list omits the claim */
  roles?: string[];
  /** negative for an already expired token */
  expiresInSeconds?: number;
  issuer?: string;
  /** signs with a key that is not published, under the published kid, so signature checks fail */
  signWithUnknownKey?: boolean;
}

export interface MintUserTokenOptions extends MintDeviations {
  tenantId: string;
  audience: string;
  upn: string;
  oid?: string;
  name?: string;
  roles?: string[];
  scp?: string;
  expiresInSeconds?: number;
}

export interface IdentityProvider {
  /** https://127.0.0.1:<port>; use as authority host */
  url: string;
  jwksUri(tenantId: string): string;
  issuerV1(tenantId: string): string;
  issuerV2(tenantId: string): string;
  /** A verified domain of a tenant: paths under the domain answer as under the tenant id. */
  registerTenantDomain(domain: string, tenantId: string): void;
  /** replaces an existing registration of the same tenant + clientId */
  registerApp(app: RegisteredApp): void;
  mintAppToken(o: MintAppTokenOptions): Promise<string>;
  mintUserToken(o: MintUserTokenOptions): Promise<string>;
  /** IDENTITY_ENDPOINT / IDENTITY_HEADER values for ManagedIdentityCredential */
  managedIdentity: { endpoint: string; header: string };
  /**
   * The first managed identity registered answers requests without client_id (the
   * system-assigned one); others are user-assigned, picked by client_id.
   */
  registerManagedIdentity(o: { tenantId: string; clientId: string; roles?: Record<string, string[]> }): void;
  /** token endpoint + managed identity endpoint requests served, successful or not */
  tokenRequests(): number;
  stop(): Promise<void>;
}

export async function startIdentityProvider(o: { port?: number; tokenLifetimeSeconds?: number } = {}): Promise<IdentityProvider> {
  const lifetime = o.tokenLifetimeSeconds ?? 3600;
  const signingKey = newSigningKey();
  let unknownKey: SigningKey | undefined;
  const apps = new Map<string, RegisteredApp>();
  const managedIdentities = new Map<string, ManagedIdentity>();
  const miHeader = randomUUID();
  let served = 0;
  let url = '';

  const tenantDomains = new Map<string, string>();
  const issuerV1 = (tenantId: string) => `${url}/${tenantId}/`;
  const issuerV2 = (tenantId: string) => `${url}/${tenantId}/v2.0`;
  const jwksUri = (tenantId: string) => `${url}/${tenantId}/discovery/v2.0/keys`;
  const knownTenant = (tenantId: string) =>
    [...apps.values(), ...managedIdentities.values()].some((a) => a.tenantId.toLowerCase() === tenantId.toLowerCase());
  const issueAppToken: IssueAppToken = async (a) => {
    const claims = appTokenClaims(issuerV1, a);
    return { token: await signToken(claims, signingKey), exp: claims.exp };
  };
  const clientCredentials: TokenEndpointContext = {
    get url() {
      return url;
    },
    lifetime,
    apps,
    knownTenant,
    appToken: issueAppToken,
  };

  async function handleHttps(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { pathname, searchParams } = new URL(req.url ?? '/', url);
    const segments = pathname.split('/').filter((s) => s !== '');
    // Entra answers for a tenant's verified domains as for its id (issuer with the id).
    const tenantId = tenantDomains.get((segments[0] ?? '').toLowerCase()) ?? segments[0] ?? '';
    const rest = segments.slice(1).join('/');
    // Entra echoes the client's client-request-id (MSAL sends it in the query) as the correlation id.
    const correlationId = searchParams.get('client-request-id') ?? (req.headers['client-request-id'] as string | undefined) ?? randomUUID();

    if (req.method === 'GET' && rest === 'discovery/instance') return send(res, 200, instanceDiscovery(url, tenantId));
    if (req.method === 'GET' && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
      return send(res, 200, discoveryDocument(url, { issuerV1, issuerV2, jwksUri }, tenantId, rest.startsWith('v2.0')));
    }
    if (req.method === 'GET' && (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys')) return send(res, 200, await keySet(signingKey));
    if (rest === 'oauth2/v2.0/token' || rest === 'oauth2/token') {
      served++;
      try {
        if (req.method !== 'POST') throw invalidRequest(900561, 'The endpoint only accepts POST requests.');
        const form = new URLSearchParams(await readBody(req));
        return send(res, 200, await tokenEndpoint(clientCredentials, tenantId, rest === 'oauth2/v2.0/token', form), { 'Cache-Control': 'no-store, no-cache' });
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        return send(res, e.status, entraErrorBody(e, correlationId, url), { 'Cache-Control': 'no-store, no-cache' });
      }
    }
    send(res, 404, { error: 'not_found', error_description: `${req.method} ${pathname} is not served by the local identity provider.` });
  }

  const managedIdentity: ManagedIdentityContext = {
    header: miHeader,
    identities: managedIdentities,
    lifetime,
    appToken: issueAppToken,
    countRequest: () => void served++,
  };
  const tls = readLocalCertificate();
  const httpsServer = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => serve(handleHttps, req, res));
  const miServer = http.createServer((req, res) => serve((rq, rs) => handleManagedIdentity(managedIdentity, rq, rs), req, res));
  const httpsPort = await listen(httpsServer, o.port ?? 0);
  const miPort = await listen(miServer, 0);
  url = `https://127.0.0.1:${httpsPort}`;

  return {
    url,
    jwksUri,
    issuerV1,
    issuerV2,
    registerTenantDomain: (domain, tenantId) => void tenantDomains.set(domain.toLowerCase(), tenantId),
    registerApp(app) {
      apps.set(appKey(app.tenantId, app.clientId), { ...app });
    },
    registerManagedIdentity(mi) {
      managedIdentities.set(mi.clientId.toLowerCase(), { tenantId: mi.tenantId, clientId: mi.clientId, roles: mi.roles ?? {} });
    },
    async mintAppToken(m) {
      const roles = m.roles ?? apps.get(appKey(m.tenantId, m.clientId))?.roles?.[m.audience] ?? [];
      const claims = appTokenClaims(issuerV1, { ...m, roles, appidacr: '2', expiresIn: m.expiresInSeconds ?? lifetime });
      if (!m.signWithUnknownKey) return signToken(claims, signingKey, signingKey, m);
      unknownKey ??= newSigningKey();
      return signToken(claims, signingKey, unknownKey, m);
    },
    async mintUserToken(m) {
      return signToken(userTokenClaims(issuerV1, { ...m, expiresIn: m.expiresInSeconds ?? lifetime }), signingKey, signingKey, m);
    },
    managedIdentity: { endpoint: `http://127.0.0.1:${miPort}/msi/token`, header: miHeader },
    tokenRequests: () => served,
    async stop() {
      await Promise.all([close(httpsServer), close(miServer)]);
    },
  };
}
