/**
 * The loader: reads every connector setting through its declaration (./settings.ts) and
 * combines them into a Config. What the table cannot say (which settings a mode needs,
 * settings that exclude each other, the certificate's contents, the OPATH filter) is
 * decided here; types, defaults, ranges and messages come from the table and the reader.
 */
import fs from 'node:fs';
import os from 'node:os';
import { ValidationError } from '../errors';
import { restFilter } from '../exo/opath';
import type { ProxySettings } from '../net/proxy';
import { SettingsReader, type Env } from './reader';
import { SETTING_TABLE } from './settings';
import type { Config, CredentialConfig, Schedules, ScopeConfig, StorageConfig } from './types';

function reader(env: Env): SettingsReader {
  return new SettingsReader(env, SETTING_TABLE);
}

/**
 * The outbound proxy. Precedence: CONNECTOR_PROXY_URL (every target), else HTTPS_PROXY
 * for https targets and HTTP_PROXY for plain-http ones (the lower-case forms first, as
 * curl and most tools read them); NO_PROXY exempts hosts from any of them.
 */
function readProxy(c: SettingsReader): ProxySettings | null {
  const connector = c.proxyUrl('CONNECTOR_PROXY_URL');
  const httpsProxy = connector ?? c.proxyUrl('HTTPS_PROXY');
  const httpProxy = connector ?? c.proxyUrl('HTTP_PROXY');
  if (!httpsProxy && !httpProxy) return null;
  return { httpsProxy, httpProxy, noProxy: c.list('NO_PROXY') };
}

function readCertificate(c: SettingsReader): CredentialConfig | undefined {
  const inline = c.text('EXO_CERTIFICATE');
  const path = c.text('EXO_CERTIFICATE_PATH');
  if (c.hasIssue('EXO_CERTIFICATE') || c.hasIssue('EXO_CERTIFICATE_PATH')) return undefined;
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
    c.missing('EXO_CERTIFICATE_PATH');
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

function readCredential(c: SettingsReader, mode: string | undefined, clientId: string | undefined): CredentialConfig | undefined {
  switch (mode) {
    case 'certificate':
      if (clientId === undefined) c.missing('EXO_CLIENT_ID');
      return readCertificate(c);
    case 'secret': {
      if (clientId === undefined) c.missing('EXO_CLIENT_ID');
      const secret = c.text('EXO_CLIENT_SECRET', { required: true });
      return secret === undefined ? undefined : { kind: 'secret', secret };
    }
    case 'managedIdentity':
      return { kind: 'managedIdentity', clientId: c.text('EXO_MANAGED_IDENTITY_CLIENT_ID') };
    default:
      // Unset or not a choice: the reader has named EXO_AUTH_MODE already.
      return undefined;
  }
}

function readStorage(c: SettingsReader): StorageConfig | undefined {
  const tablePrefix = c.text('STORAGE_TABLE_PREFIX') ?? '';
  const set = (name: string) => c.raw(name) !== undefined;
  const hasConnectionString = set('STORAGE_CONNECTION_STRING');
  const hasAccountUrl = set('STORAGE_ACCOUNT_URL');
  if (hasConnectionString && hasAccountUrl) {
    c.fail('STORAGE_CONNECTION_STRING', 'and STORAGE_ACCOUNT_URL are both set: set only one');
  } else if (hasConnectionString) {
    const connectionString = c.text('STORAGE_CONNECTION_STRING')!;
    if (!c.hasIssue('STORAGE_CONNECTION_STRING')) return { kind: 'connectionString', connectionString, tablePrefix };
  } else if (hasAccountUrl) {
    const accountUrl = c.url('STORAGE_ACCOUNT_URL');
    const managedIdentityClientId = c.text('STORAGE_MANAGED_IDENTITY_CLIENT_ID');
    if (accountUrl) return { kind: 'accountUrl', accountUrl, managedIdentityClientId, tablePrefix };
  } else if (!c.hasIssue('STORAGE_CONNECTION_STRING') && !c.hasIssue('STORAGE_ACCOUNT_URL')) {
    c.missing('STORAGE_CONNECTION_STRING');
  }
  return undefined;
}

function readScope(c: SettingsReader): ScopeConfig {
  let scope: ScopeConfig = { mode: 'organization' };
  const mode = c.choice('SCOPE_MODE');
  if (mode === 'groups') {
    scope = { mode: 'groups', groups: c.list('SCOPE_GROUPS', { required: true }) };
  } else if (mode === 'filter') {
    const recipientFilter = c.text('SCOPE_RECIPIENT_FILTER', { required: true });
    let sent = '';
    if (recipientFilter !== undefined) {
      try {
        sent = restFilter(recipientFilter, 'SCOPE_RECIPIENT_FILTER');
      } catch (e) {
        c.fail('SCOPE_RECIPIENT_FILTER', e instanceof ValidationError ? e.issues[0].reason : String(e));
      }
    }
    scope = { mode: 'filter', recipientFilter: sent };
  }
  const excludeGroups = c.list('SCOPE_EXCLUDE_GROUPS');
  return excludeGroups.length ? { ...scope, excludeGroups } : scope;
}

function readSchedules(c: SettingsReader): Schedules {
  return {
    fullSync: c.schedule('SYNC_FULL_SCHEDULE'),
    deltaSync: c.schedule('SYNC_DELTA_SCHEDULE'),
    installCheck: c.schedule('INSTALL_CHECK_SCHEDULE'),
    policyReconcile: c.schedule('POLICY_RECONCILE_SCHEDULE'),
  };
}

/**
 * Reads and validates the configuration. Throws ConfigError listing every bad setting.
 * `env` defaults to process.env; tests and the local stack pass their own.
 */
export function loadConfig(env: Env = process.env): Config {
  const c = reader(env);

  const tenantId = c.text('EXO_TENANT_ID', { required: true });
  const mode = c.choice('EXO_AUTH_MODE', { required: true });
  let clientId = c.text('EXO_CLIENT_ID');
  const credential = readCredential(c, mode, clientId);
  if (credential?.kind === 'managedIdentity') clientId = clientId ?? credential.clientId ?? '';

  const endpoint = c.url('EXO_ENDPOINT');
  const authorityHost = c.url('EXO_AUTHORITY_HOST');
  const exchange = {
    endpoint,
    tokenResource: c.url('EXO_TOKEN_RESOURCE', endpoint),
    pageSize: c.int('EXO_PAGE_SIZE'),
    maxConcurrency: c.int('EXO_MAX_CONCURRENCY'),
    maxRetries: c.int('EXO_MAX_RETRIES'),
    timeoutMs: c.int('EXO_TIMEOUT_SECONDS') * 1000,
  };

  const storage = readStorage(c);
  const schedules = readSchedules(c);
  const scope = readScope(c);
  const staleAfterDays = c.int('STALE_AFTER_DAYS');
  const actions = { wipesPerHourBeforeApproval: c.int('WIPES_PER_HOUR_BEFORE_APPROVAL'), approvalTtlMs: c.int('APPROVAL_HOURS') * 3_600_000, noContactAfterDays: c.int('WIPE_NO_CONTACT_DAYS'), bulkAnswerWithinMs: c.int('BULK_ANSWER_WITHIN_SECONDS') * 1000 };

  const access = { confirmAbove: c.int('ACCESS_CONFIRM_ABOVE') };

  const apiTenant = c.text('API_TENANT_ID') ?? tenantId ?? '';
  const apiAudience = c.text('API_AUDIENCE') ?? (clientId ? `api://${clientId}` : '');
  if (!apiAudience && mode === 'managedIdentity') c.missing('API_AUDIENCE');

  const logLevel = c.choice('LOG_LEVEL') ?? 'info';
  const proxy = readProxy(c);
  // WEBSITE_INSTANCE_ID is the platform's, not a connector setting: read as it is.
  const instanceId = c.text('CONNECTOR_INSTANCE_ID') ?? c.raw('WEBSITE_INSTANCE_ID')?.slice(0, 16) ?? `${os.hostname()}-${process.pid}`;

  c.throwIfAny();
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
    actions,
    access,
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
  const c = reader(env);
  const schedules = readSchedules(c);
  c.throwIfAny();
  return schedules;
}
