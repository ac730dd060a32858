/**
 * App-only access tokens for Exchange Online (scope `<resource>/.default`), by
 * certificate or client secret through MSAL, or by the Function App's managed identity
 * through @azure/identity. Tokens are reused until five minutes before expiry and
 * concurrent callers share one request, so the Exchange client can ask before every call.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { ManagedIdentityCredential } from '@azure/identity';
import { AuthError, ConfidentialClientApplication, type NodeAuthOptions } from '@azure/msal-node';
import { AppError, ConfigError, describeError } from '../errors';
import type { Logger } from '../log';
import { agentFor, proxyFor, type ProxySettings } from '../net/proxy';
import { proxiedNetworkClient } from './network-client';

export type CredentialSettings =
  | { kind: 'certificate'; /** PEM holding the private key and the certificate */ certificatePem: string }
  | { kind: 'secret'; secret: string }
  | { kind: 'managedIdentity'; /** user-assigned; omit for the system-assigned identity */ clientId?: string };

export type CredentialKind = CredentialSettings['kind'];

export interface AuthSettings {
  tenantId: string;
  /** app id; ignored for managed identity */
  clientId: string;
  /** e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** e.g. https://outlook.office365.com; the scope is resource + '/.default' */
  resource: string;
  credential: CredentialSettings;
  /** Resolves a tenant configured by domain to its GUID (lib/auth/tenant-discovery.ts); the authority then names the GUID. */
  resolveTenantId?: () => Promise<string>;
  /** Outbound proxy (from lib/config) for the token requests; NO_PROXY applies to the authority host. */
  proxy?: ProxySettings | null;
}

export interface AccessTokenInfo {
  token: string;
  expiresOn: Date;
}

export interface TokenProvider {
  /** forceRefresh skips the cached token (after the resource answered 401). */
  getToken(options?: { forceRefresh?: boolean }): Promise<AccessTokenInfo>;
  /** e.g. "certificate (thumbprint AB12...) for app <id> in tenant <id>"; never a secret */
  describe(): string;
}

export interface TokenAcquisitionFailure {
  credentialKind: CredentialKind;
  tenantId: string;
  clientId: string;
  resource: string;
  /** the identity provider's answer (AADSTS code and text) or the network failure */
  reason: string;
}

/** No token could be had; the message names who asked and what Entra said, never a secret. */
export class TokenAcquisitionError extends AppError {
  constructor(f: TokenAcquisitionFailure, options?: { cause?: unknown }) {
    const aadsts = /AADSTS\d+/.exec(f.reason)?.[0];
    super(
      'TokenAcquisitionFailed',
      `Could not acquire a token for ${f.resource} by ${kindLabel[f.credentialKind]} (tenant ${f.tenantId}, client ${f.clientId}): ${f.reason}`,
      502,
      {
        credentialKind: f.credentialKind,
        tenantId: f.tenantId,
        clientId: f.clientId,
        resource: f.resource,
        ...(aadsts ? { aadsts } : {}),
      },
      options,
    );
  }
}

const kindLabel: Record<CredentialKind, string> = {
  certificate: 'certificate',
  secret: 'client secret',
  managedIdentity: 'managed identity',
};

/** Refresh this long before expiry, as MSAL does, so a token never expires mid-request. */
const refreshMarginMs = 5 * 60_000;

/** Public and sovereign cloud hosts MSAL can validate by instance discovery. */
const microsoftAuthorityHosts = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export function createTokenProvider(settings: AuthSettings, log: Logger): TokenProvider {
  const { tenantId, resource, credential } = settings;
  const scope = `${resource.replace(/\/+$/, '')}/.default`;
  const clientId = credential.kind === 'managedIdentity' ? (credential.clientId ?? 'system-assigned') : settings.clientId;
  const logFields = { credentialKind: credential.kind, tenantId, clientId, resource };

  let acquire: (forceRefresh: boolean) => Promise<AccessTokenInfo>;
  let description: string;
  if (credential.kind === 'managedIdentity') {
    description = credential.clientId ? `user-assigned managed identity ${credential.clientId}` : 'system-assigned managed identity';
    // Created on first use: MSAL picks the managed identity source (App Service, IMDS...)
    // from the environment when the credential is built.
    let mi: ManagedIdentityCredential | undefined;
    // @azure/identity cannot force a refresh: MSAL's process-wide managed identity cache
    // answers until five minutes before expiry, as the platform endpoint's own cache would.
    acquire = async () => {
      // No proxy here, on purpose: a managed identity's tokens come from an endpoint local to
      // the host (the App Service identity endpoint or IMDS at 169.254.169.254), which a
      // proxy cannot reach; the platform itself talks to Entra.
      mi ??= credential.clientId ? new ManagedIdentityCredential({ clientId: credential.clientId }) : new ManagedIdentityCredential();
      const t = await mi.getToken(scope);
      return { token: t.token, expiresOn: new Date(t.expiresOnTimestamp) };
    };
  } else {
    const auth: NodeAuthOptions = { clientId: settings.clientId, authority: '' };
    const host = new URL(settings.authorityHost).host;
    // MSAL validates other hosts by instance discovery at login.microsoftonline.com;
    // listing the host as known skips that (needed for the local identity provider).
    if (!microsoftAuthorityHosts.has(host.toLowerCase())) auth.knownAuthorities = [host];
    if (credential.kind === 'certificate') {
      const cert = readCertificateCredential(credential.certificatePem);
      auth.clientCertificate = { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem, x5c: cert.certificatePem };
      description = `certificate (thumbprint ${cert.thumbprintSha1}) for app ${settings.clientId} in tenant ${tenantId}`;
    } else {
      auth.clientSecret = credential.secret;
      description = `client secret for app ${settings.clientId} in tenant ${tenantId}`;
    }
    const proxied = proxyFor(settings.proxy, settings.authorityHost) !== null;
    const system = proxied ? { networkClient: proxiedNetworkClient(agentFor(settings.proxy, settings.authorityHost)) } : undefined;
    // The authority names the tenant by its GUID once it is known: a certificate's client
    // assertion is addressed to the token endpoint, which Entra names by the GUID.
    let msal: ConfidentialClientApplication | undefined;
    const client = async () => {
      if (msal) return msal;
      const tenant = settings.resolveTenantId ? await settings.resolveTenantId() : tenantId;
      msal ??= new ConfidentialClientApplication({ auth: { ...auth, authority: `${settings.authorityHost.replace(/\/+$/, '')}/${tenant}` }, ...(system ? { system } : {}) });
      return msal;
    };
    acquire = async (forceRefresh) => {
      const r = await (await client()).acquireTokenByClientCredential({ scopes: [scope], skipCache: forceRefresh });
      if (!r?.accessToken || !r.expiresOn) throw new Error('The identity provider answered without an access token.');
      return { token: r.accessToken, expiresOn: r.expiresOn };
    };
  }

  const reasonOf = (e: unknown): string => {
    const text = conciseReason(e);
    // Belt and braces: no identity provider should echo a secret, but make sure.
    return credential.kind === 'secret' && credential.secret ? text.split(credential.secret).join('***') : text;
  };

  let cached: AccessTokenInfo | undefined;
  let inFlight: Promise<AccessTokenInfo> | undefined;

  async function fetchToken(forceRefresh: boolean): Promise<AccessTokenInfo> {
    const started = Date.now();
    try {
      const t = await acquire(forceRefresh);
      cached = t;
      log.info('Access token acquired', { ...logFields, expiresOn: t.expiresOn.toISOString(), forceRefresh, durationMs: Date.now() - started });
      return t;
    } catch (e) {
      const err = new TokenAcquisitionError({ ...logFields, reason: reasonOf(e) }, { cause: e });
      // An Entra hiccup in the early-refresh window should not fail calls the current token still covers.
      if (!forceRefresh && cached && cached.expiresOn.getTime() - Date.now() > 60_000) {
        log.warn('Token refresh failed; keeping the current token until it expires', { ...logFields, expiresOn: cached.expiresOn.toISOString(), error: err.message });
        return cached;
      }
      log.error('Token acquisition failed', { ...logFields, error: err.message, durationMs: Date.now() - started });
      throw err;
    }
  }

  return {
    getToken(options = {}) {
      const forceRefresh = options.forceRefresh === true;
      if (forceRefresh) cached = undefined;
      else if (cached && cached.expiresOn.getTime() - Date.now() > refreshMarginMs) return Promise.resolve(cached);
      inFlight ??= fetchToken(forceRefresh).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    describe: () => description,
  };
}

/**
 * MSAL (also inside @azure/identity) wraps the identity provider's answer as "<code>: Error(s): 7000215 -
 * Timestamp: ... - Description: AADSTS7000215: ... Trace ID: ... - Correlation ID: ... - Trace ID: ...";
 * keep the code, the AADSTS text and the correlation id (what Microsoft support asks for).
 */
function conciseReason(e: unknown): string {
  const text = e instanceof AuthError ? `${e.errorCode}: ${e.errorMessage}` : e instanceof Error ? e.message : describeError(e);
  const description = /- Description: ([\s\S]*?)(?:\s+Trace ID:| - Correlation ID:|$)/.exec(text)?.[1]?.trim();
  if (!description) return text;
  const prefix = text.includes('Error(s):') ? text.slice(0, text.indexOf('Error(s):')).trim() : '';
  const correlationId = /Correlation ID: ([0-9a-f-]{36})/i.exec(text)?.[1];
  return `${prefix} ${description}${correlationId ? ` (correlation id ${correlationId})` : ''}`.trim();
}

interface CertificateCredential {
  certificatePem: string;
  privateKeyPem: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
}

/**
 * Splits a PEM bundle (as Key Vault exports it: key and certificate chain, any order)
 * into the private key and the certificate that belongs to it.
 */
export function readCertificateCredential(pem: string): CertificateCredential {
  const field = 'credential.certificatePem';
  const keyBlock = /-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+?-----END \1?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!keyBlock) throw new ConfigError([{ field, reason: 'holds no unencrypted private key (a PEM "PRIVATE KEY" block)' }]);
  const certBlocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    const privateKey = createPrivateKey(keyBlock);
    // Entra signs client assertions with RS256/PS256 only.
    if (privateKey.asymmetricKeyType !== 'rsa') {
      throw new ConfigError([{ field, reason: `the private key is ${privateKey.asymmetricKeyType ?? 'unknown'}; Entra ID needs an RSA key` }]);
    }
    const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const leaf = certBlocks
      .map((c) => new X509Certificate(c))
      .find((c) => c.publicKey.export({ type: 'spki', format: 'der' }).equals(publicDer));
    if (!leaf) throw new ConfigError([{ field, reason: 'holds no certificate for its private key' }]);
    const hex = (fingerprint: string) => fingerprint.replace(/:/g, '').toUpperCase();
    return {
      certificatePem: leaf.toString(),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      thumbprintSha1: hex(leaf.fingerprint),
      thumbprintSha256: hex(leaf.fingerprint256),
    };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([{ field, reason: `is not a readable PEM key and certificate (${e instanceof Error ? e.message : String(e)})` }]);
  }
}
