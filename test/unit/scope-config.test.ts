import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const base = {
  EXO_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  EXO_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  EXO_AUTH_MODE: 'secret',
  EXO_CLIENT_SECRET: 's3cr3t-value',
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

describe('scope settings', () => {
  test("When SCOPE_RECIPIENT_FILTER uses $true, then the configured filter sends 'True'", () => {
    const c = loadConfig({ ...base, SCOPE_MODE: 'filter', SCOPE_RECIPIENT_FILTER: '(CustomAttribute1 -eq $true) -and (Manager -ne $null)' });
    expect(c.scope).toEqual({ mode: 'filter', recipientFilter: "(CustomAttribute1 -eq 'True') -and (Manager -ne $null)" });
  });

  test('When SCOPE_RECIPIENT_FILTER holds a PowerShell variable, then start-up fails naming SCOPE_RECIPIENT_FILTER', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, SCOPE_MODE: 'filter', SCOPE_RECIPIENT_FILTER: 'Department -eq $dept' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ field: 'SCOPE_RECIPIENT_FILTER', reason: expect.stringContaining('$dept') }]);
  });

  test('When SCOPE_EXCLUDE_GROUPS is set, then every scope mode carries its groups', () => {
    expect(loadConfig({ ...base, SCOPE_EXCLUDE_GROUPS: ' Executives ; VIP Devices;' }).scope).toEqual({ mode: 'organization', excludeGroups: ['Executives', 'VIP Devices'] });
    expect(loadConfig({ ...base, SCOPE_MODE: 'groups', SCOPE_GROUPS: 'Sales', SCOPE_EXCLUDE_GROUPS: 'Executives' }).scope).toEqual({ mode: 'groups', groups: ['Sales'], excludeGroups: ['Executives'] });
    expect(loadConfig(base).scope).toEqual({ mode: 'organization' });
  });
});
