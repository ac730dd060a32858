/**
 * Configuration: the only module that reads process.env. Every setting is validated
 * once, at start, against one schema; a missing or malformed setting stops start-up
 * with a single ConfigError naming every bad setting and what it expects.
 * Secrets (client secret, certificate) are carried in the Config object but never
 * logged: use `describeConfig` for anything printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { ConfigError, FieldIssue, ValidationError } from '../errors';
import { restFilter } from '../exo/opath';
import { redactProxyUrl, type ProxySettings } from '../net/proxy';

export type CredentialConfig =
  | { kind: 'certificate'; certificatePem: string; source: string }
  | { kind: 'secret'; secret: string }
  | { kind: 'managedIdentity'; clientId?: string };

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string; tablePrefix: string }
  | { kind: 'accountUrl'; accountUrl: string; managedIdentityClientId?: string; tablePrefix: string };

export type ScopeConfig = (
  | { mode: 'organization' }
  | { mode: 'groups'; groups: string[] }
  /** `recipientFilter` as sent: `$true`/`$false` already rewritten (lib/exo/opath.ts). */
  | { mode: 'filter'; recipientFilter: string }
) & {
  /** Members of these groups (nested ones expanded) are out of scope, in every mode; absent when none. */
  excludeGroups?: string[];
};

export interface Schedules {
  fullSync: string;
  deltaSync: string;
  installCheck: string;
}

export interface Config {
  tenantId: string;
  clientId: string;
  credential: CredentialConfig;
  exchange: {
    endpoint: string;
    /** Resource (audience) of the Exchange token; the endpoint unless set. */
    tokenResource: string;
    pageSize: number;
    maxConcurrency: number;
    maxRetries: number;
    timeoutMs: number;
  };
  authorityHost: string;
  storage: StorageConfig;
  schedules: Schedules;
  scope: ScopeConfig;
  staleAfterDays: number;
  api: {
    /** Audience (application ID URI or client id) that inbound tokens must carry. */
    audience: string;
    /** Tenant whose tokens callers present; the connector's own tenant by default. */
    tenantId: string;
  };
  instanceId: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Outbound proxy for Exchange, Entra and Table Storage; null: every connection is direct. */
  proxy: ProxySettings | null;
}

export type Env = Record<string, string | undefined>;

/** Every setting, its default and an example: the single source for README's table. */
export const SETTINGS: { name: string; required: string; default: string; example: string; description: string }[] = [
  { name: 'EXO_TENANT_ID', required: 'yes', default: '', example: '72f988bf-86f1-41af-91ab-2d7cd011db47', description: 'Entra tenant (GUID or verified domain) of the Exchange Online organization' },
  { name: 'EXO_AUTH_MODE', required: 'yes', default: '', example: 'certificate', description: 'certificate | secret | managedIdentity' },
  { name: 'EXO_CLIENT_ID', required: 'certificate, secret', default: '', example: '00000000-0000-0000-0000-000000000000', description: 'Application (client) id of the app registration holding Exchange.ManageAsApp' },
  { name: 'EXO_CERTIFICATE_PATH', required: 'certificate (or EXO_CERTIFICATE)', default: '', example: '/home/site/certs/connector.pem', description: 'PEM file holding the private key and the certificate' },
  { name: 'EXO_CERTIFICATE', required: 'certificate (or EXO_CERTIFICATE_PATH)', default: '', example: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/connector-cert)', description: 'PEM text (private key + certificate), typically a Key Vault reference resolved by App Service' },
  { name: 'EXO_CLIENT_SECRET', required: 'secret', default: '', example: '@Microsoft.KeyVault(SecretUri=...)', description: 'Client secret; prefer a certificate or managed identity' },
  { name: 'EXO_MANAGED_IDENTITY_CLIENT_ID', required: 'no', default: '(system-assigned)', example: '11111111-2222-3333-4444-555555555555', description: 'Client id of a user-assigned managed identity' },
  { name: 'EXO_ENDPOINT', required: 'no', default: 'https://outlook.office365.com', example: 'https://outlook.office365.us', description: 'Exchange Online endpoint (sovereign clouds differ)' },
  { name: 'EXO_TOKEN_RESOURCE', required: 'no', default: '<EXO_ENDPOINT>', example: 'https://outlook.office365.com', description: 'Resource whose token is requested (scope <resource>/.default); only differs from the endpoint behind a proxy or the local emulator' },
  { name: 'EXO_AUTHORITY_HOST', required: 'no', default: 'https://login.microsoftonline.com', example: 'https://login.microsoftonline.us', description: 'Entra authority host' },
  { name: 'EXO_PAGE_SIZE', required: 'no', default: '1000', example: '500', description: 'Objects per page (Prefer: odata.maxpagesize), 1-1000' },
  { name: 'EXO_MAX_CONCURRENCY', required: 'no', default: '12', example: '4', description: 'Upper bound of concurrent Exchange calls (lowered automatically while throttled), 1-32' },
  { name: 'EXO_MAX_RETRIES', required: 'no', default: '5', example: '3', description: 'Retries per Exchange call on throttling and transient errors, 0-10' },
  { name: 'EXO_TIMEOUT_SECONDS', required: 'no', default: '120', example: '300', description: 'Timeout of one Exchange HTTP call, 5-960 s' },
  { name: 'STORAGE_CONNECTION_STRING', required: 'one of the two', default: '', example: 'UseDevelopmentStorage=true', description: 'Table Storage connection string' },
  { name: 'STORAGE_ACCOUNT_URL', required: 'one of the two', default: '', example: 'https://stconnector.table.core.windows.net', description: 'Table endpoint, used with the managed identity' },
  { name: 'STORAGE_MANAGED_IDENTITY_CLIENT_ID', required: 'no', default: '(system-assigned)', example: '11111111-2222-3333-4444-555555555555', description: 'User-assigned identity for Table Storage' },
  { name: 'STORAGE_TABLE_PREFIX', required: 'no', default: '(none)', example: 'exo', description: 'Prefix of the table names (letters and digits)' },
  { name: 'SYNC_FULL_SCHEDULE', required: 'no', default: '0 0 2 * * *', example: '0 30 1 * * *', description: 'NCRONTAB (6 fields, UTC) of the full sync; daily by default' },
  { name: 'SYNC_DELTA_SCHEDULE', required: 'no', default: '0 0 */2 * * *', example: '0 */15 * * * *', description: 'NCRONTAB of the delta sync; every 120 minutes by default, at most every 5 minutes' },
  { name: 'INSTALL_CHECK_SCHEDULE', required: 'no', default: '0 0 * * * *', example: '0 15 * * * *', description: 'NCRONTAB of the permission (install) check while not installed; hourly' },
  { name: 'SCOPE_MODE', required: 'no', default: 'organization', example: 'groups', description: 'organization | groups | filter' },
  { name: 'SCOPE_GROUPS', required: 'when SCOPE_MODE=groups', default: '', example: 'Mobile Users;Sales', description: 'Groups (name, alias or SMTP) whose members are in scope, separated by ;' },
  { name: 'SCOPE_RECIPIENT_FILTER', required: 'when SCOPE_MODE=filter', default: '', example: "Department -eq 'Sales'", description: "OPATH recipient filter (Get-Recipient properties) of the mailboxes in scope; $true/$false are sent as 'True'/'False', other $variables are refused" },
  { name: 'SCOPE_EXCLUDE_GROUPS', required: 'no', default: '', example: 'Executives;VIP Devices', description: 'Groups (distribution, security or Microsoft 365; name, alias or SMTP, separated by ;) whose members, nested groups included, are out of scope in every SCOPE_MODE' },
  { name: 'STALE_AFTER_DAYS', required: 'no', default: '30', example: '90', description: 'Devices whose last successful sync is older are flagged stale, 1-3650' },
  { name: 'API_AUDIENCE', required: 'no', default: 'api://<EXO_CLIENT_ID>', example: 'api://exo-connector', description: 'Audience of the Entra tokens that callers of the HTTP API present' },
  { name: 'API_TENANT_ID', required: 'no', default: '<EXO_TENANT_ID>', example: 'contoso.onmicrosoft.com', description: 'Tenant whose tokens are accepted by the HTTP API' },
  { name: 'CONNECTOR_INSTANCE_ID', required: 'no', default: 'WEBSITE_INSTANCE_ID or host name + pid', example: 'connector-west-1', description: 'Name of this instance in the tenant lease' },
  { name: 'LOG_LEVEL', required: 'no', default: 'info', example: 'debug', description: 'debug | info | warn | error' },
  {
    name: 'CONNECTOR_PROXY_URL',
    required: 'no',
    default: '(none: HTTPS_PROXY / HTTP_PROXY)',
    example: 'http://proxy.contoso.com:8080',
    description: 'Outbound proxy (CONNECT tunnel) for Exchange, Entra and Table Storage; wins over HTTPS_PROXY/HTTP_PROXY; credentials in the URL are never logged',
  },
  { name: 'HTTPS_PROXY', required: 'no', default: '(none)', example: 'http://proxy.contoso.com:8080', description: 'Proxy for https targets when CONNECTOR_PROXY_URL is not set (https_proxy also read)' },
  { name: 'HTTP_PROXY', required: 'no', default: '(none)', example: 'http://proxy.contoso.com:8080', description: 'Proxy for plain-http targets (local emulator, Azurite) when CONNECTOR_PROXY_URL is not set (http_proxy also read)' },
  { name: 'NO_PROXY', required: 'no', default: '(none)', example: '.internal.contoso.com,10.0.0.5:443', description: 'Hosts reached directly, comma-separated: host, .domain or *.domain, optional :port, * for all; applies to every proxy setting' },
];

const DEFAULTS: Schedules = {
  fullSync: '0 0 2 * * *',
  deltaSync: '0 0 */2 * * *',
  installCheck: '0 0 * * * *',
};

const tenantPattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The outbound proxy. Precedence: CONNECTOR_PROXY_URL (every target), else HTTPS_PROXY
 * for https targets and HTTP_PROXY for plain-http ones (the lower-case forms first, as
 * curl and most tools read them); NO_PROXY exempts hosts from any of them.
 */
function readProxy(c: Collector): ProxySettings | null {
  const url = (name: string): string | null => {
    const v = c.raw(name);
    if (v === undefined) return null;
    let parsed: URL | null = null;
    try {
      parsed = new URL(v);
    } catch {
      parsed = null;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname || (parsed.pathname !== '/' && parsed.pathname !== '')) {
      // Never echo the value: it may hold the proxy's password.
      c.fail(name, `must be a proxy URL such as http://proxy.contoso.com:8080 (http or https, no path), got "${redactProxyUrl(v)}"`);
      return null;
    }
    return v;
  };
  const either = (lower: string, upper: string) => (c.raw(lower) !== undefined ? url(lower) : url(upper));
  const connector = url('CONNECTOR_PROXY_URL');
  const httpsProxy = connector ?? either('https_proxy', 'HTTPS_PROXY');
  const httpProxy = connector ?? either('http_proxy', 'HTTP_PROXY');
  if (!httpsProxy && !httpProxy) return null;
  const noProxy = (c.raw('no_proxy') ?? c.raw('NO_PROXY') ?? '')
    .split(/[,\s]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  return { httpsProxy, httpProxy, noProxy };
}

/** Collects every issue instead of stopping at the first. */
class Collector {
  readonly issues: FieldIssue[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    if (t === '') return undefined;
    if (t.startsWith('@Microsoft.KeyVault(')) {
      this.fail(name, 'is an unresolved Key Vault reference: give the Function App identity "get" on the secret and check the reference');
      return undefined;
    }
    return t;
  }

  fail(field: string, reason: string): void {
    this.issues.push({ field, reason });
  }

  required(name: string, reason: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined && !this.issues.some((i) => i.field === name)) this.fail(name, `is missing: ${reason}`);
    return v;
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) {
      this.fail(name, `must be a whole number from ${min} to ${max}, got "${v}"`);
      return def;
    }
    if (n < min || n > max) {
      this.fail(name, `must be from ${min} to ${max}, got ${n}`);
      return def;
    }
    return n;
  }

  url(name: string, def: string): string {
    const v = this.raw(name) ?? def;
    const parsed = z.url({ protocol: /^https?$/ }).safeParse(v);
    if (!parsed.success) {
      // The value may carry a SAS or credentials: only its scheme and host are echoed.
      this.fail(name, `must be an absolute http(s) URL, got "${urlForDisplay(v)}"`);
      return def;
    }
    return v.replace(/\/+$/, '');
  }

  schedule(name: string, def: string, minMinutes?: number): string {
    const v = this.raw(name) ?? def;
    const fields = v.split(/\s+/);
    if (fields.length !== 6) {
      this.fail(name, `must be an NCRONTAB expression with 6 fields (second minute hour day month weekday), got "${v}"`);
      return def;
    }
    try {
      const it = CronExpressionParser.parse(v, { tz: 'UTC', currentDate: new Date(Date.UTC(2024, 0, 1)) });
      if (minMinutes !== undefined) {
        // Smallest gap over a day of firings: catches "*/1 * * * *" and "0,1,2 ..." alike.
        let prev = it.next().getTime();
        let smallest = Infinity;
        for (let i = 0; i < 300; i++) {
          const next = it.next().getTime();
          smallest = Math.min(smallest, next - prev);
          prev = next;
        }
        if (smallest < minMinutes * 60_000) {
          this.fail(name, `must not run more often than every ${minMinutes} minutes, "${v}" runs every ${Math.round(smallest / 1000)} s`);
          return def;
        }
      }
    } catch (e) {
      this.fail(name, `is not a valid NCRONTAB expression ("${v}"): ${(e as Error).message}`);
      return def;
    }
    return v;
  }
}

function readCertificate(c: Collector): CredentialConfig | undefined {
  const inline = c.raw('EXO_CERTIFICATE');
  const path = c.raw('EXO_CERTIFICATE_PATH');
  if (c.issues.some((i) => i.field === 'EXO_CERTIFICATE' || i.field === 'EXO_CERTIFICATE_PATH')) return undefined;
  let pem: string | undefined;
  let source = '';
  if (inline !== undefined) {
    // App Service hands Key Vault secrets over as text; accept PEM, or base64 of a PEM.
    pem = inline.includes('-----BEGIN') ? inline.replace(/\\n/g, '\n') : Buffer.from(inline, 'base64').toString('utf8');
    source = 'EXO_CERTIFICATE';
  } else if (path !== undefined) {
    try {
      pem = fs.readFileSync(path, 'utf8');
      source = path;
    } catch (e) {
      c.fail('EXO_CERTIFICATE_PATH', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): ${path}`);
      return undefined;
    }
  } else {
    c.fail('EXO_CERTIFICATE_PATH', 'is missing: EXO_AUTH_MODE=certificate needs EXO_CERTIFICATE_PATH or EXO_CERTIFICATE (PEM with private key and certificate)');
    return undefined;
  }
  const field = inline !== undefined ? 'EXO_CERTIFICATE' : 'EXO_CERTIFICATE_PATH';
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    c.fail(field, 'holds no PEM private key (expected "-----BEGIN PRIVATE KEY-----"; a PFX must be converted to PEM)');
    return undefined;
  }
  if (pem.includes('ENCRYPTED PRIVATE KEY')) {
    c.fail(field, 'holds an encrypted private key; provide it unencrypted (protected by Key Vault or file permissions)');
    return undefined;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    c.fail(field, 'holds no certificate (expected "-----BEGIN CERTIFICATE-----" beside the private key)');
    return undefined;
  }
  return { kind: 'certificate', certificatePem: pem, source };
}

/**
 * Reads and validates the configuration. Throws ConfigError listing every bad setting.
 * `env` defaults to process.env; tests and the local stack pass their own.
 */
export function loadConfig(env: Env = process.env): Config {
  const c = new Collector(env);

  const tenantId = c.required('EXO_TENANT_ID', 'the Entra tenant id (GUID) or verified domain of the Exchange Online organization');
  if (tenantId !== undefined && !tenantPattern.test(tenantId)) c.fail('EXO_TENANT_ID', `must be a GUID or a domain name, got "${tenantId}"`);

  const mode = c.required('EXO_AUTH_MODE', 'one of certificate, secret, managedIdentity');
  let credential: CredentialConfig | undefined;
  let clientId = c.raw('EXO_CLIENT_ID');
  if (clientId !== undefined && !guidPattern.test(clientId)) c.fail('EXO_CLIENT_ID', `must be the application (client) id GUID, got "${clientId}"`);
  switch (mode) {
    case undefined:
      break;
    case 'certificate':
      if (clientId === undefined) c.required('EXO_CLIENT_ID', 'the application (client) id of the app registration');
      credential = readCertificate(c);
      break;
    case 'secret': {
      if (clientId === undefined) c.required('EXO_CLIENT_ID', 'the application (client) id of the app registration');
      const secret = c.required('EXO_CLIENT_SECRET', 'EXO_AUTH_MODE=secret needs the client secret');
      if (secret !== undefined) credential = { kind: 'secret', secret };
      break;
    }
    case 'managedIdentity': {
      const miClientId = c.raw('EXO_MANAGED_IDENTITY_CLIENT_ID');
      if (miClientId !== undefined && !guidPattern.test(miClientId)) c.fail('EXO_MANAGED_IDENTITY_CLIENT_ID', `must be a client id GUID, got "${miClientId}"`);
      credential = { kind: 'managedIdentity', clientId: miClientId };
      clientId = clientId ?? miClientId ?? '';
      break;
    }
    default:
      c.fail('EXO_AUTH_MODE', `must be one of certificate, secret, managedIdentity, got "${mode}"`);
  }

  const endpoint = c.url('EXO_ENDPOINT', 'https://outlook.office365.com');
  const authorityHost = c.url('EXO_AUTHORITY_HOST', 'https://login.microsoftonline.com');
  const exchange = {
    endpoint,
    tokenResource: c.url('EXO_TOKEN_RESOURCE', endpoint),
    pageSize: c.int('EXO_PAGE_SIZE', 1000, 1, 1000),
    maxConcurrency: c.int('EXO_MAX_CONCURRENCY', 12, 1, 32),
    maxRetries: c.int('EXO_MAX_RETRIES', 5, 0, 10),
    timeoutMs: c.int('EXO_TIMEOUT_SECONDS', 120, 5, 960) * 1000,
  };

  const tablePrefix = c.raw('STORAGE_TABLE_PREFIX') ?? '';
  if (!/^[A-Za-z]?[A-Za-z0-9]{0,20}$/.test(tablePrefix)) c.fail('STORAGE_TABLE_PREFIX', `must start with a letter and hold at most 21 letters and digits, got "${tablePrefix}"`);
  const connectionString = c.raw('STORAGE_CONNECTION_STRING');
  const accountUrl = c.raw('STORAGE_ACCOUNT_URL');
  let storage: StorageConfig | undefined;
  if (connectionString !== undefined && accountUrl !== undefined) {
    c.fail('STORAGE_CONNECTION_STRING', 'and STORAGE_ACCOUNT_URL are both set: set only one');
  } else if (connectionString !== undefined) {
    if (connectionString !== 'UseDevelopmentStorage=true' && !/AccountName=|TableEndpoint=|SharedAccessSignature=/i.test(connectionString)) {
      c.fail('STORAGE_CONNECTION_STRING', 'is not a storage connection string (expected AccountName=...;AccountKey=... or TableEndpoint=...)');
    } else storage = { kind: 'connectionString', connectionString, tablePrefix };
  } else if (accountUrl !== undefined) {
    const url = c.url('STORAGE_ACCOUNT_URL', '');
    const mi = c.raw('STORAGE_MANAGED_IDENTITY_CLIENT_ID');
    if (mi !== undefined && !guidPattern.test(mi)) c.fail('STORAGE_MANAGED_IDENTITY_CLIENT_ID', `must be a client id GUID, got "${mi}"`);
    if (url) storage = { kind: 'accountUrl', accountUrl: url, managedIdentityClientId: mi, tablePrefix };
  } else {
    c.fail('STORAGE_CONNECTION_STRING', 'is missing: set STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL (Table Storage for the inventory)');
  }

  const schedules: Schedules = {
    fullSync: c.schedule('SYNC_FULL_SCHEDULE', DEFAULTS.fullSync),
    deltaSync: c.schedule('SYNC_DELTA_SCHEDULE', DEFAULTS.deltaSync, 5),
    installCheck: c.schedule('INSTALL_CHECK_SCHEDULE', DEFAULTS.installCheck),
  };

  let scope: ScopeConfig = { mode: 'organization' };
  const scopeMode = c.raw('SCOPE_MODE') ?? 'organization';
  if (scopeMode === 'groups') {
    const groups = (c.raw('SCOPE_GROUPS') ?? '').split(';').map((g) => g.trim()).filter(Boolean);
    if (groups.length === 0) c.fail('SCOPE_GROUPS', 'is missing: SCOPE_MODE=groups needs at least one group (name, alias or SMTP, separated by ;)');
    scope = { mode: 'groups', groups };
  } else if (scopeMode === 'filter') {
    const recipientFilter = c.raw('SCOPE_RECIPIENT_FILTER');
    let sent = '';
    if (recipientFilter === undefined) c.fail('SCOPE_RECIPIENT_FILTER', "is missing: SCOPE_MODE=filter needs an OPATH filter such as Department -eq 'Sales'");
    else {
      try {
        sent = restFilter(recipientFilter, 'SCOPE_RECIPIENT_FILTER');
      } catch (e) {
        c.fail('SCOPE_RECIPIENT_FILTER', e instanceof ValidationError ? e.issues[0].reason : String(e));
      }
    }
    scope = { mode: 'filter', recipientFilter: sent };
  } else if (scopeMode !== 'organization') {
    c.fail('SCOPE_MODE', `must be one of organization, groups, filter, got "${scopeMode}"`);
  }
  const excludeGroups = (c.raw('SCOPE_EXCLUDE_GROUPS') ?? '').split(';').map((g) => g.trim()).filter(Boolean);
  if (excludeGroups.length) scope = { ...scope, excludeGroups };

  const staleAfterDays = c.int('STALE_AFTER_DAYS', 30, 1, 3650);
  const explicitApiTenant = c.raw('API_TENANT_ID');
  if (explicitApiTenant !== undefined && !tenantPattern.test(explicitApiTenant)) c.fail('API_TENANT_ID', `must be a GUID or a domain name, got "${explicitApiTenant}"`);
  const apiTenant = explicitApiTenant ?? tenantId ?? '';
  const apiAudience = c.raw('API_AUDIENCE') ?? (clientId ? `api://${clientId}` : '');
  if (!apiAudience && mode === 'managedIdentity') c.fail('API_AUDIENCE', 'is missing: with a managed identity, set the audience (application ID URI) of the connector API');

  const logLevel = c.raw('LOG_LEVEL') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) c.fail('LOG_LEVEL', `must be one of debug, info, warn, error, got "${logLevel}"`);

  const proxy = readProxy(c);

  const instanceId = c.raw('CONNECTOR_INSTANCE_ID') ?? c.raw('WEBSITE_INSTANCE_ID')?.slice(0, 16) ?? `${os.hostname()}-${process.pid}`;

  if (c.issues.length > 0) throw new ConfigError(c.issues);
  return {
    tenantId: tenantId!,
    clientId: clientId ?? '',
    credential: credential!,
    exchange,
    authorityHost,
    storage: storage!,
    schedules,
    scope,
    staleAfterDays,
    api: { audience: apiAudience, tenantId: apiTenant },
    instanceId,
    logLevel: logLevel as Config['logLevel'],
    proxy,
  };
}

/**
 * Schedules alone, for the timer registrations (which are evaluated when the
 * Functions host loads the app). Malformed schedules stop the load with ConfigError.
 */
export function loadSchedules(env: Env = process.env): Schedules {
  const c = new Collector(env);
  const s: Schedules = {
    fullSync: c.schedule('SYNC_FULL_SCHEDULE', DEFAULTS.fullSync),
    deltaSync: c.schedule('SYNC_DELTA_SCHEDULE', DEFAULTS.deltaSync, 5),
    installCheck: c.schedule('INSTALL_CHECK_SCHEDULE', DEFAULTS.installCheck),
  };
  if (c.issues.length > 0) throw new ConfigError(c.issues);
  return s;
}

/** A printable view of the configuration: no secrets, no keys. */
export function describeConfig(config: Config): Record<string, unknown> {
  const cred = config.credential;
  return {
    tenantId: config.tenantId,
    clientId: config.clientId,
    credential: cred.kind === 'certificate' ? { kind: cred.kind, source: cred.source } : cred.kind === 'managedIdentity' ? { kind: cred.kind, clientId: cred.clientId ?? 'system-assigned' } : { kind: cred.kind },
    exchangeEndpoint: config.exchange.endpoint,
    authorityHost: config.authorityHost,
    storage: config.storage.kind === 'accountUrl' ? { kind: 'accountUrl', accountUrl: config.storage.accountUrl } : { kind: 'connectionString', account: /AccountName=([^;]+)/i.exec(config.storage.connectionString)?.[1] ?? 'development' },
    schedules: config.schedules,
    scope: config.scope,
    staleAfterDays: config.staleAfterDays,
    apiAudience: config.api.audience,
    instanceId: config.instanceId,
    proxy: config.proxy
      ? { httpsProxy: redactProxyUrl(config.proxy.httpsProxy), httpProxy: redactProxyUrl(config.proxy.httpProxy), noProxy: config.proxy.noProxy }
      : null,
  };
}

/** Settings of the local stack behind `npm start` (development only). */
export interface LocalStackSettings {
  apiPort: number;
  emulatorPort: number;
  seedDevices: number;
  seedMailboxes: number;
  /** True when EXO_TENANT_ID is set: `npm start` then runs against that tenant, not the emulator. */
  realTenant: boolean;
  /** True when STORAGE_* is set: no local Azurite is started. */
  ownStorage: boolean;
}

export function loadLocalStackSettings(env: Env = process.env): LocalStackSettings {
  const c = new Collector(env);
  const s: LocalStackSettings = {
    apiPort: c.int('LOCAL_API_PORT', 7071, 0, 65535),
    emulatorPort: c.int('LOCAL_EMULATOR_PORT', 0, 0, 65535),
    seedDevices: c.int('LOCAL_SEED_DEVICES', 3000, 0, 200_000),
    seedMailboxes: c.int('LOCAL_SEED_MAILBOXES', 1200, 1, 100_000),
    realTenant: c.raw('EXO_TENANT_ID') !== undefined,
    ownStorage: c.raw('STORAGE_CONNECTION_STRING') !== undefined || c.raw('STORAGE_ACCOUNT_URL') !== undefined,
  };
  if (c.issues.length > 0) throw new ConfigError(c.issues);
  return s;
}

/** The environment, for tools that layer their own settings over it (the local stack, the CLI). */
export function processEnv(): Env {
  return { ...process.env };
}

/** A setting's URL as it may be shown: no credentials, no query (a SAS), no fragment. */
function urlForDisplay(v: string): string {
  const cut = v.split(/[?#]/)[0];
  const at = cut.indexOf('@');
  return (at >= 0 ? `${cut.slice(0, cut.indexOf('//') + 2)}***@${cut.slice(at + 1)}` : cut).slice(0, 100);
}
