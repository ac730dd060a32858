/**
 * The Exchange Online emulator as a client sees it: bearer checks, Exchange's envelopes
 * and error shapes, permissions, headers, and the control interface over HTTP.
 */
import { type Harness, EXCHANGE_RESOURCE, errorDetail, readJson, startHarness, TENANT_DOMAIN } from './emulator-harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.emulator.control.seed({ devices: 50, mailboxes: 20, seed: 7 });
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.allowAll();
  h.emulator.control.clearFaults();
});

describe('authentication', () => {
  it('When a valid app token lists devices, then Exchange answers 200 with its envelope and PascalCase devices', async () => {
    const res = await h.invoke('Get-MobileDevice', { ResultSize: 5 });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body['@odata.context']).toBe(`${h.emulator.url}/adminapi/beta/${h.tenantId}/$metadata#Collection(Exchange.GenericHashTable)`);
    expect(body['adminapi.warnings@odata.type']).toBe('#Collection(String)');
    expect(body.value).toHaveLength(5);
    const d = body.value[0];
    expect(d['Guid@data.type']).toBe('System.Guid');
    expect(d.Identity).toMatch(/^[^\\]+\\ExchangeActiveSyncDevices\\[A-Za-z0-9]+§.+$/);
    expect(d.FirstSyncTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
    expect(d).toHaveProperty('DeviceAccessState');
    expect(d).toHaveProperty('ClientType');
  });

  it('When the URL names the tenant by its verified domain, then the call is served', async () => {
    const res = await h.invoke('Get-MobileDevice', { ResultSize: 1 }, { tenant: TENANT_DOMAIN });
    expect(res.status).toBe(200);
  });

  it("When the audience is Exchange's app id or has a trailing slash, then the token is accepted", async () => {
    for (const audience of [`${EXCHANGE_RESOURCE}/`, '00000002-0000-0ff1-ce00-000000000000']) {
      const res = await h.invoke('Get-MobileDevice', { ResultSize: 1 }, { token: await h.token({ audience }) });
      expect(res.status).toBe(200);
    }
  });

  it('When the token has no Exchange.ManageAsApp role, then 403 with a NUL-byte body and the reason in x-ms-diagnostics', async () => {
    const res = await h.invoke('Get-MobileDevice', {}, { token: await h.token({ roles: ['Something.Else'] }) });
    expect(res.status).toBe(403);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(0);
    expect([...bytes].every((b) => b === 0)).toBe(true);
    expect(res.headers.get('x-ms-diagnostics')).toContain('Exchange.ManageAsApp');
  });

  it.each([
    ['a wrong audience', { audience: 'https://graph.microsoft.com' }],
    ['another tenant', { tenantId: '11111111-2222-4333-8444-555555555555' }],
    ['an expired token', { expiresInSeconds: -60 }],
    ['an unknown signing key', { foreignKey: true }],
    ['an untrusted issuer', { issuer: 'https://sts.windows.net/someone-else/' }],
  ])('When the token has %s, then 401 with a Bearer challenge and a JSON error', async (_what, options) => {
    const res = await h.invoke('Get-MobileDevice', {}, { token: await h.token(options) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const body = await readJson(res);
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('When there is no token, then 401', async () => {
    const res = await fetch(h.invokeUrl(), { method: 'POST', body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-MobileDevice' } }) });
    expect(res.status).toBe(401);
  });

  it('When a valid token is sent for a tenant the emulator does not serve, then 401', async () => {
    const res = await h.invoke('Get-MobileDevice', {}, { tenant: 'fabrikam.onmicrosoft.com' });
    expect(res.status).toBe(401);
  });
});

describe('permissions', () => {
  it('When a cmdlet is denied, then calling it answers 403 with a NUL body and x-ms-diagnostics naming it', async () => {
    h.emulator.control.denyCmdlets(['Clear-MobileDevice']);
    const res = await h.invoke('Clear-MobileDevice', { Identity: 'x', Confirm: false });
    expect(res.status).toBe(403);
    expect([...Buffer.from(await res.arrayBuffer())].every((b) => b === 0)).toBe(true);
    expect(res.headers.get('x-ms-diagnostics')).toContain('Clear-MobileDevice');
    expect(h.emulator.control.calls().forbidden).toBeGreaterThan(0);
  });

  it('When a cmdlet is denied, then Get-ManagementRoleEntry no longer lists it, and lists it again once allowed', async () => {
    h.emulator.control.denyCmdlets(['Clear-MobileDevice']);
    const denied = await h.ok('Get-ManagementRoleEntry', { Identity: '*\\Clear-MobileDevice' });
    expect(denied.value).toEqual([]);
    h.emulator.control.allowAll();
    const allowed = await h.ok('Get-ManagementRoleEntry', { Identity: '*\\Clear-MobileDevice' });
    expect(allowed.value).toHaveLength(1);
    expect(allowed.value[0]).toMatchObject({ Name: 'Clear-MobileDevice', Role: 'Mail Recipients', Identity: 'Mail Recipients\\Clear-MobileDevice' });
    expect(allowed.value[0].Parameters).toEqual(expect.arrayContaining(['Identity', 'AccountOnly', 'Cancel']));
  });

  it('When the connector lists its role assignments, then it sees the roles holding its cmdlets', async () => {
    const body = await h.ok('Get-ManagementRoleAssignment', { RoleAssignee: 'c0ffee00-0000-4000-8000-000000000001', GetEffectiveUsers: true });
    expect(body.value.map((a) => a.Role)).toEqual(['Mail Recipients', 'Organization Client Access', 'Recipient Policies', 'Distribution Groups', 'View-Only Configuration']);
  });

  it('When a cmdlet does not exist, then Exchange answers 403 as for a forbidden one', async () => {
    const res = await h.invoke('Get-ActiveSyncDevice');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-ms-diagnostics')).toContain('Get-ActiveSyncDevice');
  });
});

describe('errors and headers', () => {
  it('When an object is not found, then 400 with the ManagementObjectNotFoundException envelope and headers', async () => {
    const res = await h.invoke('Get-MobileDevice', { Identity: 'nobody\\ExchangeActiveSyncDevices\\iPhone§NOPE' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-exceptiontype')).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = await readJson(res);
    expect(body.error.code).toBe('BadRequest');
    expect(body.error.message).toBe('Invalid Operation');
    expect(body.error.details[0].code).toBe('Client');
    const detail = errorDetail(body);
    expect(detail.id).toMatch(/^Ex[0-9A-F]{6}$/);
    expect(detail.type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect(detail.text).toMatch(/^The operation couldn't be performed because object 'nobody\\ExchangeActiveSyncDevices\\iPhone§NOPE' couldn't be found on '.+\.PROD\.OUTLOOK\.COM'\.$/);
    expect(body.error.innererror.internalexception.type).toBe(detail.type);
  });

  it('When a parameter does not exist, then 400 AmbiguousParameterSetException naming it, with an empty error id', async () => {
    const res = await h.invoke('Get-MobileDevice', { Bogus: 1 });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-exceptiontype')).toBe('AmbiguousParameterSetException');
    const detail = errorDetail(await readJson(res));
    expect(detail.id).toBe('');
    expect(detail.type).toMatch(/\.AmbiguousParameterSetException$/);
    expect(detail.text).toMatch(/^Parameter set cannot be resolved using the specified named parameters\..* Invalid cmdlet parameters specified\. Bogus$/);
  });

  it('When a mandatory parameter is missing, then 400 naming it', async () => {
    const res = await h.invoke('Remove-MobileDevice', { Confirm: false });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res)).text).toContain('missing mandatory parameters: Identity');
  });

  it('When any answer is sent, then it carries a request id and the budget headers', async () => {
    for (const res of [await h.invoke('Get-MobileDevice', { ResultSize: 1 }), await h.invoke('Get-MobileDevice', { Nope: 1 })]) {
      expect(res.headers.get('request-id')).toBeTruthy();
      expect(Number(res.headers.get('rate-limit-limit'))).toBe(30000);
      expect(Number(res.headers.get('rate-limit-remaining'))).toBeLessThan(30000);
      expect(Date.parse(res.headers.get('rate-limit-reset') ?? '')).not.toBeNaN();
      expect(res.headers.get('x-concurrencycount')).toMatch(/^\d+$/);
      expect(res.headers.get('x-combinedapponlyconcurrencycount')).toMatch(/^\d+$/);
    }
  });

  it('When parameter names use another case, then they bind as in PowerShell', async () => {
    const body = await h.ok('get-mobiledevice', { resultsize: 2 });
    expect(body.value).toHaveLength(2);
  });

  it('When a Remove is switched to answer 204, then it answers 204 with no body', async () => {
    const [first] = h.emulator.control.listDevices();
    h.emulator.control.setEmptyAnswer('Remove-MobileDevice', 'noContent');
    const res = await h.invoke('Remove-MobileDevice', { Identity: first.guid, Confirm: false });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    h.emulator.control.setEmptyAnswer('Remove-MobileDevice', 'value');
    expect(h.emulator.control.getDevice(first.guid)).toBeUndefined();
  });

  it('When the per-mailbox statistics endpoint is called with a base64 UPN, then it answers like Get-MobileDeviceStatistics -Mailbox', async () => {
    const upn = h.emulator.control.listDevices()[0].mailbox.upn;
    const res = await fetch(`${h.emulator.url}/adminapi/beta/${h.tenantId}/mailbox('${Buffer.from(upn).toString('base64')}')/MobileDevice/Exchange.GetMobileDeviceStatistics()/?IsEncoded=True`, {
      headers: { Authorization: `Bearer ${await h.token()}` },
    });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.value.length).toBeGreaterThan(0);
    expect(body.value[0]).toHaveProperty('LastSuccessSync');
  });

  it('When two cmdlets are sent in one $batch, then each has its own status', async () => {
    const res = await fetch(`${h.emulator.url}/adminapi/beta/${h.tenantId}/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await h.token()}`, 'Content-Type': 'application/json', Prefer: 'odata.continue-on-error' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'POST', url: 'InvokeCommand', body: { CmdletInput: { CmdletName: 'Get-MobileDevice', Parameters: { ResultSize: 1 } } } },
          { id: '2', method: 'POST', url: 'InvokeCommand', body: { CmdletInput: { CmdletName: 'Get-Mailbox', Parameters: { Identity: 'no.such.user' } } } },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const { responses } = await readJson(res);
    expect(responses.map((r: { id: string; status: number }) => [r.id, r.status])).toEqual([
      ['1', 200],
      ['2', 400],
    ]);
  });
});

describe('control over HTTP', () => {
  it('When an out-of-process user seeds and reads counters over /_emulator, then the same operations work', async () => {
    const base = `${h.emulator.url}/_emulator`;
    const index = await readJson(await fetch(base));
    expect(Object.keys(index.routes)).toEqual(expect.arrayContaining(['POST /_emulator/seed', 'GET /_emulator/calls', 'POST /_emulator/setFaults']));
    const seeded = await readJson(await fetch(`${base}/seed`, { method: 'POST', body: JSON.stringify({ devices: 30, mailboxes: 10, seed: 3 }) }));
    expect(seeded.devices).toBe(30);
    await fetch(`${base}/resetCounters`, { method: 'POST' });
    await h.ok('Get-MobileDevice');
    const calls = await readJson(await fetch(`${base}/calls`));
    expect(calls.byCmdlet['Get-MobileDevice']).toBe(1);
    const device = (await readJson(await fetch(`${base}/listDevices?limit=1`)))[0];
    const checked = await readJson(await fetch(`${base}/checkIn`, { method: 'POST', body: JSON.stringify({ id: device.guid }) }));
    expect(checked).toEqual({ checkedIn: 1 });
    const bad = await fetch(`${base}/seed`, { method: 'POST', body: JSON.stringify({ devices: -1, mailboxes: 1 }) });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${base}/getDevice?id=nope`);
    expect(missing.status).toBe(404);
    const invoked = await readJson(await fetch(`${base}/invoke`, { method: 'POST', body: JSON.stringify({ CmdletName: 'Get-MobileDeviceMailboxPolicy' }) }));
    expect(invoked.value.map((p: { Name: string }) => p.Name)).toEqual(['Default', 'Restricted']);
  });
});
