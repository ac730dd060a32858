import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, loadSchedules, describeConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const tenant = '11111111-2222-3333-4444-555555555555';
const client = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const base = {
  EXO_TENANT_ID: tenant,
  EXO_CLIENT_ID: client,
  EXO_AUTH_MODE: 'secret',
  EXO_CLIENT_SECRET: 's3cr3t-value',
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

function issuesOf(env: Record<string, string | undefined>): { field: string; reason: string }[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  test('When only the required settings are given, then the documented defaults apply', () => {
    const c = loadConfig(base);
    expect(c.exchange.endpoint).toBe('https://outlook.office365.com');
    expect(c.authorityHost).toBe('https://login.microsoftonline.com');
    expect(c.exchange.pageSize).toBe(1000);
    expect(c.schedules).toEqual({ fullSync: '0 0 2 * * *', deltaSync: '0 0 */2 * * *', installCheck: '0 0 * * * *', policyReconcile: '0 30 * * * *' });
    expect(c.scope).toEqual({ mode: 'organization' });
    expect(c.staleAfterDays).toBe(30);
    expect(c.api).toEqual({ audience: `api://${client}`, tenantId: tenant });
    expect(c.credential).toEqual({ kind: 'secret', secret: 's3cr3t-value' });
  });

  test('When several settings are missing or malformed, then one error names every one of them', () => {
    const issues = issuesOf({ EXO_AUTH_MODE: 'password', EXO_PAGE_SIZE: '5000', SYNC_DELTA_SCHEDULE: 'every hour', EXO_ENDPOINT: 'outlook' });
    const fields = issues.map((i) => i.field).sort();
    expect(fields).toEqual(['EXO_AUTH_MODE', 'EXO_ENDPOINT', 'EXO_PAGE_SIZE', 'EXO_TENANT_ID', 'STORAGE_CONNECTION_STRING', 'SYNC_DELTA_SCHEDULE'].sort());
    expect(issues.find((i) => i.field === 'EXO_PAGE_SIZE')!.reason).toMatch(/from 1 to 1000, got 5000/);
    expect(issues.find((i) => i.field === 'EXO_AUTH_MODE')!.reason).toMatch(/certificate, secret, managedIdentity/);
  });

  test('When the error is printed, then it lists each setting on its own line and no secret value', () => {
    try {
      loadConfig({ ...base, EXO_TENANT_ID: 'not a tenant', EXO_MAX_RETRIES: 'x' });
      throw new Error('expected failure');
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/Invalid configuration \(2 settings\)/);
      expect(msg).toMatch(/- EXO_TENANT_ID: must be a GUID or a domain name/);
      expect(msg).toMatch(/- EXO_MAX_RETRIES: must be a whole number/);
      expect(msg).not.toContain('s3cr3t-value');
    }
  });

  test('When the delta schedule runs more often than every 5 minutes, then it is refused', () => {
    const issues = issuesOf({ ...base, SYNC_DELTA_SCHEDULE: '0 */2 * * * *' });
    expect(issues).toEqual([{ field: 'SYNC_DELTA_SCHEDULE', reason: expect.stringMatching(/every 5 minutes.*every 120 s/) }]);
    expect(loadConfig({ ...base, SYNC_DELTA_SCHEDULE: '0 */5 * * * *' }).schedules.deltaSync).toBe('0 */5 * * * *');
  });

  test('When a Key Vault reference was not resolved by the platform, then the setting is named with the fix', () => {
    const issues = issuesOf({ ...base, EXO_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)' });
    expect(issues).toEqual([{ field: 'EXO_CLIENT_SECRET', reason: expect.stringMatching(/unresolved Key Vault reference/) }]);
  });

  test('When the certificate mode points at a PEM with key and certificate, then it is loaded; without a key it is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const good = path.join(dir, 'good.pem');
    fs.writeFileSync(good, '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
    const bad = path.join(dir, 'bad.pem');
    fs.writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
    const env = { ...base, EXO_AUTH_MODE: 'certificate', EXO_CLIENT_SECRET: undefined };
    const c = loadConfig({ ...env, EXO_CERTIFICATE_PATH: good });
    expect(c.credential.kind).toBe('certificate');
    expect(issuesOf({ ...env, EXO_CERTIFICATE_PATH: bad })).toEqual([{ field: 'EXO_CERTIFICATE_PATH', reason: expect.stringMatching(/no PEM private key/) }]);
    expect(issuesOf({ ...env, EXO_CERTIFICATE_PATH: path.join(dir, 'missing.pem') })[0].reason).toMatch(/cannot be read \(ENOENT\)/);
    expect(describeConfig(c)).toMatchObject({ credential: { kind: 'certificate', source: good } });
    expect(JSON.stringify(describeConfig(c))).not.toContain('PRIVATE KEY');
  });

  test('When managed identity is chosen, then no client id or secret is needed but an API audience is', () => {
    const env = { EXO_TENANT_ID: tenant, EXO_AUTH_MODE: 'managedIdentity', STORAGE_ACCOUNT_URL: 'https://st.table.core.windows.net' };
    expect(issuesOf(env)).toEqual([{ field: 'API_AUDIENCE', reason: expect.stringMatching(/is missing/) }]);
    const c = loadConfig({ ...env, API_AUDIENCE: 'api://exo-connector' });
    expect(c.credential).toEqual({ kind: 'managedIdentity', clientId: undefined });
    expect(c.storage).toEqual({ kind: 'accountUrl', accountUrl: 'https://st.table.core.windows.net', managedIdentityClientId: undefined, tablePrefix: '' });
  });

  test('When group scoping is chosen without groups, then SCOPE_GROUPS is named', () => {
    expect(issuesOf({ ...base, SCOPE_MODE: 'groups' })).toEqual([{ field: 'SCOPE_GROUPS', reason: expect.stringMatching(/at least one group/) }]);
    expect(loadConfig({ ...base, SCOPE_MODE: 'groups', SCOPE_GROUPS: 'Sales; Mobile Users' }).scope).toEqual({ mode: 'groups', groups: ['Sales', 'Mobile Users'] });
  });

  test('When both storage settings are given, then the ambiguity is refused', () => {
    expect(issuesOf({ ...base, STORAGE_ACCOUNT_URL: 'https://st.table.core.windows.net' })[0].field).toBe('STORAGE_CONNECTION_STRING');
  });

  test('When only schedules are read for timer registration, then a malformed one stops the load', () => {
    expect(loadSchedules({}).fullSync).toBe('0 0 2 * * *');
    expect(() => loadSchedules({ SYNC_FULL_SCHEDULE: '* * *' })).toThrow(/SYNC_FULL_SCHEDULE: must be an NCRONTAB expression with 6 fields/);
  });

  test('When no proxy setting is given, then every connection is direct', () => {
    expect(loadConfig(base).proxy).toBeNull();
  });

  test('When CONNECTOR_PROXY_URL is set, then it wins over HTTPS_PROXY and HTTP_PROXY for every target, and NO_PROXY is kept', () => {
    const c = loadConfig({ ...base, CONNECTOR_PROXY_URL: 'http://proxy.contoso.com:8080', HTTPS_PROXY: 'http://other:3128', HTTP_PROXY: 'http://other:3128', NO_PROXY: '.internal.contoso.com, 10.0.0.5:443' });
    expect(c.proxy).toEqual({ httpsProxy: 'http://proxy.contoso.com:8080', httpProxy: 'http://proxy.contoso.com:8080', noProxy: ['.internal.contoso.com', '10.0.0.5:443'] });
  });

  test('When only the standard variables are set, then HTTPS_PROXY serves https targets and HTTP_PROXY plain http, lower case first', () => {
    const c = loadConfig({ ...base, HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', HTTP_PROXY: 'http://plain:3', no_proxy: 'localhost' });
    expect(c.proxy).toEqual({ httpsProxy: 'http://lower:2', httpProxy: 'http://plain:3', noProxy: ['localhost'] });
  });

  test('When a proxy URL is malformed, then the error names the setting and never shows its password', () => {
    const issues = issuesOf({ ...base, CONNECTOR_PROXY_URL: 'socks5://user:hunter2@proxy:1080' });
    expect(issues).toEqual([{ field: 'CONNECTOR_PROXY_URL', reason: expect.stringContaining('must be a proxy URL') }]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });

  test('When the proxy URL holds credentials, then the printable configuration hides them', () => {
    const c = loadConfig({ ...base, CONNECTOR_PROXY_URL: 'http://svc:hunter2@proxy.contoso.com:8080' });
    expect(c.proxy?.httpsProxy).toBe('http://svc:hunter2@proxy.contoso.com:8080');
    const printed = JSON.stringify(describeConfig(c));
    expect(printed).not.toContain('hunter2');
    expect(printed).toContain('proxy.contoso.com:8080');
  });
});
