/**
 * The token endpoint's client credentials grant, v2.0 (`scope`) and v1 (`resource`), with
 * a client secret or a certificate-signed client assertion, refused with the AADSTS codes
 * Entra answers each mistake with.
 */
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { EntraError, invalidClient, invalidRequest } from './entra-errors';
import type { IssueAppToken } from './tokens';

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

export const appKey = (tenantId: string, clientId: string) => `${tenantId}|${clientId}`.toLowerCase();

const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

export interface TokenEndpointContext {
  /** https://127.0.0.1:<port> */
  url: string;
  lifetime: number;
  apps: ReadonlyMap<string, RegisteredApp>;
  knownTenant(tenantId: string): boolean;
  appToken: IssueAppToken;
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
export async function tokenEndpoint(ctx: TokenEndpointContext, tenantId: string, v2: boolean, form: URLSearchParams) {
  const { url, lifetime } = ctx;
  if (!ctx.knownTenant(tenantId)) {
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
  const app = ctx.apps.get(appKey(tenantId, clientId));
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

  const { token } = await ctx.appToken({ tenantId, clientId, audience: resource, roles: app.roles?.[resource] ?? [], appidacr: assertion ? '2' : '1', expiresIn: lifetime });
  return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
}
