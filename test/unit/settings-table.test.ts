import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, settingsTableMarkdown, SETTING_TABLE, type Env, type SettingSpec } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { ExoClient } from '../../lib/exo/client';
import { EXO_LIMITS } from '../../lib/exo/limits';
import { silentLogger } from '../../lib/log';
import { createTableClients } from '../../lib/storage/tables';
import { TABLE_PREFIX_MAX_LENGTH, TABLES } from '../../lib/storage/table-names';
import { FakeTokens } from './exo/peer';

const base: Env = {
  EXO_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  EXO_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  EXO_AUTH_MODE: 'secret',
  EXO_CLIENT_SECRET: 's3cr3t-value',
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

function issuesOf(env: Env): { field: string; reason: string }[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

const specsOf = <T extends SettingSpec['type']>(type: T) => SETTING_TABLE.filter((s): s is Extract<SettingSpec, { type: T }> => s.type === type);

describe('settings table (lib/config/settings.ts)', () => {
  test("When the settings change, then README's settings table is exactly the one rendered from the table", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8').split('\n');
    const start = readme.indexOf('| setting | required | default | example | meaning |');
    expect(start).toBeGreaterThanOrEqual(0);
    let end = start;
    while (end < readme.length && readme[end].startsWith('|')) end++;
    expect(readme.slice(start, end)).toEqual(settingsTableMarkdown());
  });

  test('When a setting is declared, then it is declared once and the loader reads it', () => {
    const names = SETTING_TABLE.map((s) => s.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    // Which variables the loader looks at, over the modes that read different settings.
    const read = new Set<string>();
    const watched = (env: Env): Env =>
      new Proxy(env, {
        get: (target, key) => {
          if (typeof key === 'string') read.add(key);
          return target[key as string];
        },
      });
    const proxies = { CONNECTOR_PROXY_URL: undefined, HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:2' };
    for (const env of [
      { ...base, ...proxies, SCOPE_MODE: 'groups', SCOPE_GROUPS: 'Sales' },
      { ...base, EXO_AUTH_MODE: 'certificate', EXO_CERTIFICATE: 'x', SCOPE_MODE: 'filter', SCOPE_RECIPIENT_FILTER: "Department -eq 'Sales'" },
      { EXO_TENANT_ID: base.EXO_TENANT_ID, EXO_AUTH_MODE: 'managedIdentity', STORAGE_ACCOUNT_URL: 'https://st.table.core.windows.net' },
    ]) {
      issuesOf(watched(env));
    }
    expect(names.filter((n) => !read.has(n))).toEqual([]);
  });

  test('When a whole-number setting is given its bounds, then they load; one past either bound is refused with the declared range', () => {
    for (const s of specsOf('int')) {
      for (const ok of [s.min, s.max]) expect({ setting: s.name, issues: issuesOf({ ...base, [s.name]: String(ok) }) }).toEqual({ setting: s.name, issues: [] });
      for (const bad of [s.min - 1, s.max + 1]) {
        expect({ setting: s.name, issues: issuesOf({ ...base, [s.name]: String(bad) }) }).toEqual({
          setting: s.name,
          issues: [{ field: s.name, reason: `must be from ${s.min} to ${s.max}, got ${bad}` }],
        });
      }
    }
    const c = loadConfig(base);
    expect(c.exchange).toMatchObject({
      pageSize: EXO_LIMITS.pageSize.default,
      maxConcurrency: EXO_LIMITS.maxConcurrency.default,
      maxRetries: EXO_LIMITS.maxRetries.default,
      timeoutMs: EXO_LIMITS.timeoutSeconds.default * 1000,
    });
  });

  test('When a setting with choices is given another value, then the error lists the declared choices', () => {
    for (const s of specsOf('choice')) {
      expect(issuesOf({ ...base, [s.name]: 'nonsense' })).toContainEqual({ field: s.name, reason: `must be one of ${s.choices.join(', ')}, got "nonsense"` });
      for (const choice of s.choices) expect(issuesOf({ ...base, [s.name]: choice }).some((i) => i.field === s.name)).toBe(false);
    }
  });

  test('When the configuration holds the largest allowed Exchange options, then the client accepts them, and refuses one more', () => {
    const client = (o: Partial<ConstructorParameters<typeof ExoClient>[0]>) =>
      new ExoClient({ endpoint: 'https://outlook.office365.com', tenantId: 'contoso.onmicrosoft.com', tokenProvider: new FakeTokens(), log: silentLogger, ...o });
    const c = loadConfig({
      ...base,
      EXO_PAGE_SIZE: String(EXO_LIMITS.pageSize.max),
      EXO_MAX_CONCURRENCY: String(EXO_LIMITS.maxConcurrency.max),
      EXO_MAX_RETRIES: String(EXO_LIMITS.maxRetries.max),
      EXO_TIMEOUT_SECONDS: String(EXO_LIMITS.timeoutSeconds.max),
    });
    const { pageSize, maxConcurrency, maxRetries, timeoutMs } = c.exchange;
    expect(client({ pageSize, maxConcurrency, maxRetries, timeoutMs }).stats().concurrencyLimit).toBe(EXO_LIMITS.maxConcurrency.max);
    expect(() => client({ maxConcurrency: maxConcurrency + 1 })).toThrow(/maxConcurrency/);
    expect(() => client({ maxRetries: maxRetries + 1 })).toThrow(/maxRetries/);
    expect(() => client({ pageSize: pageSize + 1 })).toThrow(/pageSize/);
    expect(() => client({ timeoutMs: timeoutMs + 1 })).toThrow(/timeoutMs/);
    // Without options, the client's defaults are the settings' defaults.
    expect(client({}).stats().concurrencyLimit).toBe(loadConfig(base).exchange.maxConcurrency);
  });

  test('When a table prefix is accepted or refused at start, then the table clients agree', () => {
    const longest = `p${'0'.repeat(TABLE_PREFIX_MAX_LENGTH - 1)}`;
    expect(Math.max(...TABLES.map((t) => `${longest}${t}`.length))).toBe(63);
    for (const prefix of ['', 'exo', longest, `${longest}1`, '1bad', 'with-dash']) {
      const atStart = issuesOf({ ...base, STORAGE_TABLE_PREFIX: prefix }).every((i) => i.field !== 'STORAGE_TABLE_PREFIX');
      let byClients = true;
      try {
        createTableClients({ connectionString: 'UseDevelopmentStorage=true', tablePrefix: prefix });
      } catch {
        byClients = false;
      }
      expect({ prefix, atStart }).toEqual({ prefix, atStart: byClients });
      expect({ prefix, accepted: atStart }).toEqual({ prefix, accepted: ['', 'exo', longest].includes(prefix) });
    }
  });

  describe('secrets', () => {
    const marker = 'hunter2SECRETvalue';
    /** Invalid values carrying the marker, and the settings that make the loader read the setting. */
    const cases: Record<string, { values: string[]; env?: Env }> = {
      EXO_CERTIFICATE: { values: [marker, `-----BEGIN PRIVATE KEY-----${marker}`, `@Microsoft.KeyVault(SecretUri=${marker})`], env: { EXO_AUTH_MODE: 'certificate' } },
      EXO_CLIENT_SECRET: { values: [`@Microsoft.KeyVault(SecretUri=${marker})`] },
      STORAGE_CONNECTION_STRING: { values: [`DefaultEndpointsProtocol=https;Key=${marker}`, `@Microsoft.KeyVault(${marker})`] },
      STORAGE_ACCOUNT_URL: {
        values: [`ftp://st.table.core.windows.net/?sv=2024&sig=${marker}`, `http://user:${marker}@host:99999`, `not a url ${marker}`, `st.table.core.windows.net?sig=${marker}`],
        env: { STORAGE_CONNECTION_STRING: undefined },
      },
      CONNECTOR_PROXY_URL: { values: [`socks5://svc:${marker}@proxy:1080`, `http://svc:${marker}@proxy:8080/path`, `proxy ${marker}`] },
      HTTPS_PROXY: { values: [`socks5://svc:${marker}@proxy:1080`, `${marker}`] },
      HTTP_PROXY: { values: [`http://svc:${marker}@proxy:8080/path`, `:${marker}`] },
    };

    test('When a setting may hold a credential, then the table marks it secret', () => {
      const secret = SETTING_TABLE.filter((s) => s.secret).map((s) => s.name);
      expect(secret.sort()).toEqual(Object.keys(cases).sort());
    });

    test('When a secret setting is invalid, then the setting is named and its value is in no error', () => {
      for (const [name, { values, env }] of Object.entries(cases)) {
        for (const value of values) {
          let message = '';
          try {
            loadConfig({ ...base, ...env, [name]: value });
          } catch (e) {
            message = `${(e as Error).message}\n${JSON.stringify((e as ConfigError).issues)}`;
          }
          expect({ name, value, named: message.includes(`- ${name}:`) }).toEqual({ name, value, named: true });
          expect({ name, value, leaked: message.includes(marker) }).toEqual({ name, value, leaked: false });
        }
      }
    });
  });
});
