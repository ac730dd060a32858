/**
 * A local Microsoft Entra ID stand-in for tests and local runs: an https OpenID provider
 * with Entra's paths, token shapes and AADSTS error answers, which @azure/msal-node and
 * @azure/identity talk to unchanged (authority host = `url`), plus an App Service-style
 * managed identity endpoint on plain http. Tokens are RS256 JWTs signed with a key pair
 * made at start and published at the tenant's JWKS address, so this project's inbound
 * token validation can run against it too. Like a cloud of its own, it is its own v1 STS:
 * v1 tokens carry `iss` = `<url>/<tenant>/` (Entra's global cloud: sts.windows.net).
 */
import { createHash, generateKeyPairSync, KeyObject, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, errors as joseErrors, exportJWK, jwtVerify, SignJWT } from 'jose';
import { readLocalCertificate } from './local-cert';

export interface RegisteredApp {
  tenantId: string;
  clientId: string;
  /** client secret credential */
  secret?: string;
  /** public X.509 certificate (PEM) that client assertions must be signed for */
  certificatePem?: string;
  /** app roles granted per resource (audience), e.g. {'https://outlook.office365.com': ['Exchange.ManageAsApp']} */
  roles?: Record<string, string[]>;
}

/** Ways to mint a token Entra would never issue, to test that it is refused. */
export interface MintDeviations {
  /** signs with RS512 instead of Entra's RS256 (same key, same kid) */
  algorithm?: 'RS256' | 'RS512';
  /** leaves these claims out */
  omitClaims?: ('exp' | 'iss' | 'tid' | 'aud')[];
}

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

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** An answer the way Entra gives it: status, OAuth error, AADSTS code and text. */
class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }
}

const invalidClient = (aadsts: number, description: string) => new EntraError(401, 'invalid_client', aadsts, description);
const invalidRequest = (aadsts: number, description: string) => new EntraError(400, 'invalid_request', aadsts, description);

function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // Entra's kid is the base64url SHA-1 thumbprint of the signing certificate (27 characters).
  const kid = createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  return { kid, privateKey, publicKey };
}

/** Stable object ids, so a token minted here and one issued through MSAL agree on `oid`. */
function objectIdFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|').toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The client app a minted user token claims to come from. */
const userSignInAppId = objectIdFor('local-identity-provider', 'user-sign-in-app');

const key = (tenantId: string, clientId: string) => `${tenantId}|${clientId}`.toLowerCase();
const nowSeconds = () => Math.floor(Date.now() / 1000);
const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

export async function startIdentityProvider(o: { port?: number; tokenLifetimeSeconds?: number } = {}): Promise<IdentityProvider> {
  const lifetime = o.tokenLifetimeSeconds ?? 3600;
  const signingKey = newSigningKey();
  let unknownKey: SigningKey | undefined;
  const apps = new Map<string, RegisteredApp>();
  const managedIdentities = new Map<string, { tenantId: string; clientId: string; roles: Record<string, string[]> }>();
  const miHeader = randomUUID();
  let served = 0;
  let url = '';

  const tenantDomains = new Map<string, string>();
  const issuerV1 = (tenantId: string) => `${url}/${tenantId}/`;
  const issuerV2 = (tenantId: string) => `${url}/${tenantId}/v2.0`;
  const jwksUri = (tenantId: string) => `${url}/${tenantId}/discovery/v2.0/keys`;
  const knownTenant = (tenantId: string) =>
    [...apps.values(), ...managedIdentities.values()].some((a) => a.tenantId.toLowerCase() === tenantId.toLowerCase());

  async function sign(claims: Record<string, unknown>, withKey: SigningKey = signingKey, deviations: MintDeviations = {}): Promise<string> {
    const omitted = new Set<string>(deviations.omitClaims ?? []);
    const kept = Object.fromEntries(Object.entries(claims).filter(([name]) => !omitted.has(name)));
    return new SignJWT(kept)
      .setProtectedHeader({ typ: 'JWT', alg: deviations.algorithm ?? 'RS256', x5t: signingKey.kid, kid: signingKey.kid })
      .sign(withKey.privateKey);
  }

  /** Entra backdates iat/nbf by five minutes to absorb clock skew. */
  function times(expiresInSeconds: number) {
    const exp = nowSeconds() + expiresInSeconds;
    const issued = Math.min(nowSeconds(), exp) - 300;
    return { iat: issued, nbf: issued, exp };
  }

  /** A v1 app-only access token, as Entra issues for `<resource>/.default`. */
  function appTokenClaims(a: { tenantId: string; clientId: string; audience: string; roles: string[]; appidacr: string; expiresIn: number; issuer?: string }) {
    const oid = objectIdFor('service-principal', a.tenantId, a.clientId);
    return {
      aud: a.audience,
      iss: a.issuer ?? issuerV1(a.tenantId),
      ...times(a.expiresIn),
      appid: a.clientId,
      appidacr: a.appidacr,
      azp: a.clientId,
      idp: issuerV1(a.tenantId),
      idtyp: 'app',
      oid,
      sub: oid,
      tid: a.tenantId,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
      ...(a.roles.length > 0 ? { roles: a.roles } : {}),
    };
  }

  function discoveryDocument(tenantId: string, v2: boolean) {
    const base = `${url}/${tenantId}`;
    const oauth = v2 ? `${base}/oauth2/v2.0` : `${base}/oauth2`;
    return {
      token_endpoint: `${oauth}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? jwksUri(tenantId) : `${base}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? issuerV2(tenantId) : issuerV1(tenantId),
      authorization_endpoint: `${oauth}/authorize`,
      device_authorization_endpoint: `${oauth}/devicecode`,
      end_session_endpoint: `${oauth}/logout`,
      request_uri_parameter_supported: false,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  async function verifyClientAssertion(app: RegisteredApp, assertion: string, audiences: string[]): Promise<void> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw invalidClient(50027, 'JWT token is invalid or malformed.');
    }
    const sent = (header['x5t#S256'] ?? header.x5t) as string | undefined;
    const sentHex = sent ? Buffer.from(sent, 'base64url').toString('hex').toUpperCase() : '';
    const cert = app.certificatePem ? new X509Certificate(app.certificatePem) : undefined;
    const registered = cert && (header['x5t#S256'] ? cert.fingerprint256 : cert.fingerprint).replace(/:/g, '');
    if (!cert || !sent || registered !== sentHex) {
      throw invalidClient(
        700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${sentHex}', Configured keys for app Id '${app.clientId}' can be seen in the Azure Portal.]`,
      );
    }
    try {
      await jwtVerify(assertion, cert.publicKey, {
        algorithms: ['RS256', 'PS256'],
        audience: audiences,
        issuer: app.clientId,
        subject: app.clientId,
        requiredClaims: ['exp'],
        clockTolerance: 300,
      });
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw invalidClient(700024, 'Client assertion is not within its valid time range.');
      if (e instanceof joseErrors.JWTClaimValidationFailed && (e.claim === 'iss' || e.claim === 'sub')) {
        throw invalidClient(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
      }
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'aud') {
        throw invalidClient(700027, `Client assertion audience claim does not match the token endpoint. Expected one of: ${audiences.join(', ')}.`);
      }
      throw invalidClient(700027, 'Client assertion contains an invalid signature.');
    }
  }

  /** POST /{tenant}/oauth2/v2.0/token (scope) and the v1 /{tenant}/oauth2/token (resource). */
  async function tokenEndpoint(tenantId: string, v2: boolean, form: URLSearchParams) {
    if (!knownTenant(tenantId)) {
      throw invalidRequest(
        90002,
        `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials') {
      throw new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
    }
    const clientId = form.get('client_id');
    if (!clientId) throw invalidRequest(900144, "The request body must contain the following parameter: 'client_id'.");
    const app = apps.get(key(tenantId, clientId));
    if (!app) {
      throw new EntraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }

    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (assertion) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        throw invalidRequest(700023, "Client assertion type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
      }
      // Entra accepts either token endpoint of the tenant as the assertion's audience.
      await verifyClientAssertion(app, assertion, [`${url}/${tenantId}/oauth2/v2.0/token`, `${url}/${tenantId}/oauth2/token`]);
    } else if (secret !== null) {
      if (!app.secret || !sameSecret(secret, app.secret)) {
        throw invalidClient(
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
    } else {
      throw invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }

    let resource: string;
    if (v2) {
      const scope = form.get('scope');
      if (!scope) throw invalidRequest(900144, "The request body must contain the following parameter: 'scope'.");
      const scopes = scope.split(' ').filter((s) => s !== '');
      // Client credentials carry no user consent, so Entra only takes "<resource>/.default".
      if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
        throw new EntraError(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
      }
      resource = scopes[0].slice(0, -'/.default'.length);
    } else {
      const r = form.get('resource');
      if (!r) throw invalidRequest(900144, "The request body must contain the following parameter: 'resource'.");
      resource = r;
    }

    const accessToken = await sign(
      appTokenClaims({ tenantId, clientId, audience: resource, roles: app.roles?.[resource] ?? [], appidacr: assertion ? '2' : '1', expiresIn: lifetime }),
    );
    return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
  }

  function entraErrorBody(e: EntraError, correlationId: string) {
    const traceId = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      error: e.error,
      error_description: `${e.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [e.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${url}/error?code=${e.aadsts}`,
    };
  }

  async function handleHttps(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { pathname, searchParams } = new URL(req.url ?? '/', url);
    const segments = pathname.split('/').filter((s) => s !== '');
    // Entra answers for a tenant's verified domains as for its id (issuer with the id).
    const tenantId = tenantDomains.get((segments[0] ?? '').toLowerCase()) ?? segments[0] ?? '';
    const rest = segments.slice(1).join('/');
    // Entra echoes the client's client-request-id (MSAL sends it in the query) as the correlation id.
    const correlationId = searchParams.get('client-request-id') ?? (req.headers['client-request-id'] as string | undefined) ?? randomUUID();

    if (req.method === 'GET' && rest === 'discovery/instance') {
      // Instance discovery (unless the client disables it or lists this host in knownAuthorities).
      const host = new URL(url).host;
      return send(res, 200, {
        tenant_discovery_endpoint: `${url}/${tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    if (req.method === 'GET' && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
      // Served for any tenant: resource servers validating tokens need no registration here.
      return send(res, 200, discoveryDocument(tenantId, rest.startsWith('v2.0')));
    }
    if (req.method === 'GET' && (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys')) {
      const jwk = await exportJWK(signingKey.publicKey);
      return send(res, 200, { keys: [{ kty: jwk.kty, use: 'sig', kid: signingKey.kid, x5t: signingKey.kid, n: jwk.n, e: jwk.e }] });
    }
    if (rest === 'oauth2/v2.0/token' || rest === 'oauth2/token') {
      served++;
      try {
        if (req.method !== 'POST') throw invalidRequest(900561, 'The endpoint only accepts POST requests.');
        const form = new URLSearchParams(await readBody(req));
        return send(res, 200, await tokenEndpoint(tenantId, rest === 'oauth2/v2.0/token', form), { 'Cache-Control': 'no-store, no-cache' });
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        return send(res, e.status, entraErrorBody(e, correlationId), { 'Cache-Control': 'no-store, no-cache' });
      }
    }
    send(res, 404, { error: 'not_found', error_description: `${req.method} ${pathname} is not served by the local identity provider.` });
  }

  /** App Service's managed identity endpoint (api-version 2019-08-01). */
  async function handleManagedIdentity(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    served++;
    // App Service answers errors as {statusCode, message}; 404 would make clients retry for a minute.
    const fail = (status: number, message: string) => send(res, status, { statusCode: status, message, correlationId: randomUUID() });
    if (req.method !== 'GET' || u.pathname !== '/msi/token') return fail(400, `${req.method} ${u.pathname} is not a managed identity endpoint.`);
    if (req.headers['x-identity-header'] !== miHeader) return fail(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
    if (u.searchParams.get('api-version') !== '2019-08-01') return fail(400, 'Only api-version 2019-08-01 is supported.');
    const resource = u.searchParams.get('resource');
    if (!resource) return fail(400, "The 'resource' query parameter is required.");
    if (u.searchParams.has('mi_res_id') || u.searchParams.has('principal_id') || u.searchParams.has('object_id')) {
      return fail(400, 'The local provider selects user-assigned identities by client_id only.');
    }
    const clientId = u.searchParams.get('client_id');
    const identity = clientId ? managedIdentities.get(clientId.toLowerCase()) : managedIdentities.values().next().value;
    if (!identity) return fail(400, `Unable to load the proper Managed Identity.${clientId ? ` No identity with client_id '${clientId}'.` : ''}`);
    const audience = resource.replace(/\/\.default$/, '');
    const claims = appTokenClaims({
      tenantId: identity.tenantId,
      clientId: identity.clientId,
      audience,
      roles: identity.roles[audience] ?? [],
      appidacr: '2',
      expiresIn: lifetime,
    });
    send(res, 200, {
      access_token: await sign(claims),
      expires_on: String(claims.exp),
      resource,
      token_type: 'Bearer',
      client_id: identity.clientId,
    });
  }

  const tls = readLocalCertificate();
  const httpsServer = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => serve(handleHttps, req, res));
  const miServer = http.createServer((req, res) => serve(handleManagedIdentity, req, res));
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
      apps.set(key(app.tenantId, app.clientId), { ...app });
    },
    registerManagedIdentity(mi) {
      managedIdentities.set(mi.clientId.toLowerCase(), { tenantId: mi.tenantId, clientId: mi.clientId, roles: mi.roles ?? {} });
    },
    async mintAppToken(m) {
      const roles = m.roles ?? apps.get(key(m.tenantId, m.clientId))?.roles?.[m.audience] ?? [];
      const claims = appTokenClaims({ ...m, roles, appidacr: '2', expiresIn: m.expiresInSeconds ?? lifetime });
      if (!m.signWithUnknownKey) return sign(claims, signingKey, m);
      unknownKey ??= newSigningKey();
      return sign(claims, unknownKey, m);
    },
    async mintUserToken(m) {
      const oid = m.oid ?? objectIdFor('user', m.tenantId, m.upn);
      return sign({
        aud: m.audience,
        iss: issuerV1(m.tenantId),
        ...times(m.expiresInSeconds ?? lifetime),
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
        uti: randomUUID().replace(/-/g, '').slice(0, 22),
        ver: '1.0',
        ...(m.scp ? { scp: m.scp } : {}),
        ...(m.roles && m.roles.length > 0 ? { roles: m.roles } : {}),
      }, signingKey, m);
    },
    managedIdentity: { endpoint: `http://127.0.0.1:${miPort}/msi/token`, header: miHeader },
    tokenRequests: () => served,
    async stop() {
      await Promise.all([close(httpsServer), close(miServer)]);
    },
  };
}

function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  handler(req, res).catch((e: unknown) => {
    if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: e instanceof Error ? e.message : String(e) });
    else res.destroy();
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw invalidRequest(900144, 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Clients keep connections alive; without this, close waits for them to time out.
    server.closeAllConnections();
  });
}
