/**
 * What clients read before asking for a token: MSAL's instance discovery, the OpenID
 * configuration (v1 and v2.0) and the tenant's signing keys. Served for any tenant, as
 * resource servers validating tokens need no registration here.
 */
import { exportJWK } from 'jose';
import type { SigningKey } from './tokens';

export interface Issuers {
  issuerV1(tenantId: string): string;
  issuerV2(tenantId: string): string;
  jwksUri(tenantId: string): string;
}

/** Instance discovery (unless the client disables it or lists this host in knownAuthorities). */
export function instanceDiscovery(url: string, tenantId: string) {
  const host = new URL(url).host;
  return {
    tenant_discovery_endpoint: `${url}/${tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

export function discoveryDocument(url: string, issuers: Issuers, tenantId: string, v2: boolean) {
  const base = `${url}/${tenantId}`;
  const oauth = v2 ? `${base}/oauth2/v2.0` : `${base}/oauth2`;
  return {
    token_endpoint: `${oauth}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: v2 ? issuers.jwksUri(tenantId) : `${base}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2 ? issuers.issuerV2(tenantId) : issuers.issuerV1(tenantId),
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

/** The published key set: the one signing key, kid and x5t its thumbprint. */
export async function keySet(signingKey: SigningKey) {
  const jwk = await exportJWK(signingKey.publicKey);
  return { keys: [{ kty: jwk.kty, use: 'sig', kid: signingKey.kid, x5t: signingKey.kid, n: jwk.n, e: jwk.e }] };
}
