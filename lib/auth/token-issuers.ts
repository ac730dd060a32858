/**
 * The `iss` values Entra puts in a tenant's access tokens, by cloud. v2.0 tokens name the
 * login host (`https://<login host>/<tid>/v2.0`); v1.0 tokens name the cloud's STS host
 * (`https://<sts host>/<tid>/`), which is not the authority host the connector is
 * configured with, so it comes from this table.
 *
 * Sources (the access token claims reference gives the v1 form with sts.windows.net only):
 * - Authority hosts per cloud:
 *   https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud and
 *   https://docs.azure.cn/entra/identity-platform/authentication-national-cloud
 *   (China: login.partner.microsoftonline.cn, newer pages login.chinacloudapi.cn).
 * - v1 issuers: a Microsoft answer lists sts.windows.net for the global service and US
 *   Government and sts.chinacloudapi.cn for China, v2 login.microsoftonline.com,
 *   login.microsoftonline.us and login.partner.microsoftonline.cn:
 *   https://learn.microsoft.com/en-us/answers/questions/1190472/what-are-the-token-issuers-for-the-sovereign-cloud
 *   Azure/aks-engine (pkg/api/defaults-apiserver.go) uses sts.windows.net for every cloud
 *   but China (sts.chinacloudapi.cn). Microsoft's Bot Framework SDK, though, names
 *   https://login.microsoftonline.us/<tid>/ as the US Government v1 issuer
 *   (microsoft/botbuilder-js, libraries/botframework-connector/src/auth/authenticationConstants.ts,
 *   ValidGovernmentTokenIssuerUrlTemplateV1), so US Government accepts both forms.
 * Azure Germany (login.microsoftonline.de) closed on 2021-10-29 and is left out.
 *
 * The signature (the tenant's keys from the configured authority) and `tid` are checked
 * too, so a second accepted issuer form widens nothing an attacker controls.
 */

interface EntraCloud {
  name: string;
  /** Login hosts of the cloud (aliases the connector may be configured with). */
  authorityHosts: string[];
  /** Hosts of v1.0 issuers: https://<host>/<tid>/ */
  v1IssuerHosts: string[];
  /** Hosts of v2.0 issuers: https://<host>/<tid>/v2.0 */
  v2IssuerHosts: string[];
}

const CLOUDS: readonly EntraCloud[] = [
  {
    name: 'global',
    authorityHosts: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'],
    v1IssuerHosts: ['sts.windows.net'],
    v2IssuerHosts: ['login.microsoftonline.com'],
  },
  {
    name: 'usGovernment',
    authorityHosts: ['login.microsoftonline.us'],
    v1IssuerHosts: ['sts.windows.net', 'login.microsoftonline.us'],
    v2IssuerHosts: ['login.microsoftonline.us'],
  },
  {
    name: 'china',
    authorityHosts: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
    v1IssuerHosts: ['sts.chinacloudapi.cn'],
    v2IssuerHosts: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
  },
];

export interface TokenIssuers {
  /** The cloud the authority host belongs to, or null for a host not in the table. */
  cloud: string | null;
  v1: string[];
  v2: string[];
}

/**
 * Accepted issuers of a tenant's tokens for an authority host. A host not in the table
 * (a private stand-in such as the local identity provider) is taken to be its own STS:
 * v1 `<authority>/<tid>/`, v2 `<authority>/<tid>/v2.0`.
 */
export function tokenIssuersFor(authorityHost: string, tenantId: string): TokenIssuers {
  const authority = new URL(authorityHost);
  const origin = authority.origin;
  const cloud = authority.protocol === 'https:' && authority.port === '' ? CLOUDS.find((c) => c.authorityHosts.includes(authority.hostname.toLowerCase())) : undefined;
  if (!cloud) return { cloud: null, v1: [`${origin}/${tenantId}/`], v2: [`${origin}/${tenantId}/v2.0`] };
  return {
    cloud: cloud.name,
    v1: cloud.v1IssuerHosts.map((h) => `https://${h}/${tenantId}/`),
    v2: cloud.v2IssuerHosts.map((h) => `https://${h}/${tenantId}/v2.0`),
  };
}
