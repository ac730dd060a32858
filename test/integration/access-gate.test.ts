/**
 * Access routes refused before Exchange when the install check found the app without
 * Organization Client Access (the role holding the access-rule and organization-settings
 * cmdlets), while the other features keep working: the real routes on the local host,
 * Azurite, the identity provider and the emulator (whose role entries the check reads).
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 20, mailboxes: 8, seed: 3 } }, host: {} });
const OCA = ['Get-ActiveSyncDeviceAccessRule', 'New-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncDeviceAccessRule', 'Remove-ActiveSyncDeviceAccessRule', 'Get-ActiveSyncOrganizationSettings', 'Set-ActiveSyncOrganizationSettings'];
let ruleId = '';
let device: DeviceRecord;

async function call(method: string, route: string, o: { body?: unknown; headers?: Record<string, string> } = {}) {
  const token = await fx.stack.callerToken({ roles: ['Policies.Read', 'Policies.Manage', 'Devices.Read'] });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: o.body === undefined ? undefined : JSON.stringify(o.body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...o.headers } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}
const emu = () => fx.stack.emulator.control;

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId)) device ??= d;
  // A managed rule to address, made through the use case so that the gate has not read the status yet.
  ruleId = (await fx.runtime.access.createRule({ id: 'admin@contoso.com' }, { characteristic: 'DeviceModel', queryString: 'Lumia 950', accessLevel: 'Block' })).id!;
  emu().denyCmdlets(OCA);
  const status = await fx.runtime.installCheck.run();
  expect(status.features.find((f) => f.feature === 'accessRules')).toMatchObject({ state: 'unavailable' });
  expect(status.features.find((f) => f.feature === 'organizationSettings')).toMatchObject({ state: 'unavailable', missingCmdlets: ['Get-ActiveSyncOrganizationSettings', 'Set-ActiveSyncOrganizationSettings'] });
  emu().allowAll();
});

test('When the app lacks Organization Client Access, then every access route answers 503 FeatureUnavailable naming its missing cmdlets, with no Exchange call', async () => {
  const body = { characteristic: 'DeviceType', queryString: 'iPad', accessLevel: 'Block' };
  const answers = {
    getOrganization: await call('GET', 'access/organization'),
    putOrganization: await call('PUT', 'access/organization', { body: { defaultAccessLevel: 'Allow' }, headers: { 'if-match': '"x"' } }),
    getRules: await call('GET', 'access/rules'),
    postRule: await call('POST', 'access/rules', { body }),
    putRule: await call('PUT', `access/rules/${ruleId}`, { body }),
    deleteRule: await call('DELETE', `access/rules/${ruleId}`),
    preview: await call('POST', 'access/preview', { body: { defaultAccessLevel: 'Block' } }),
  };
  for (const [name, a] of Object.entries(answers)) {
    expect({ name, status: a.status, code: a.body.code }).toEqual({ name, status: 503, code: 'FeatureUnavailable' });
    expect(a.body.missingCmdlets.length).toBeGreaterThan(0);
    expect(a.body.missingCmdlets.every((c: string) => OCA.includes(c))).toBe(true);
  }
  expect(answers.getOrganization.body).toMatchObject({ feature: 'organizationSettings', missingCmdlets: ['Get-ActiveSyncOrganizationSettings'] });
  expect(answers.putOrganization.body).toMatchObject({ feature: 'organizationSettings', missingCmdlets: ['Get-ActiveSyncOrganizationSettings', 'Set-ActiveSyncOrganizationSettings'] });
  expect(answers.postRule.body).toMatchObject({ feature: 'accessRules', missingCmdlets: ['Get-ActiveSyncDeviceAccessRule', 'New-ActiveSyncDeviceAccessRule'] });
  expect(answers.postRule.body.detail).toMatch(/New-ActiveSyncDeviceAccessRule/);
  expect(answers.deleteRule.body).toMatchObject({ feature: 'accessRules', missingCmdlets: ['Get-ActiveSyncDeviceAccessRule', 'Remove-ActiveSyncDeviceAccessRule'] });
  expect(emu().calls().total).toBe(0);
  const rules = emu().listRules().map((r) => r.name);
  expect(rules).toContain('Lumia 950 (DeviceModel)');
  expect(rules).not.toContain('iPad (DeviceType)');
});

test('When only Organization Client Access is missing, then the device routes keep working', async () => {
  const r = await call('GET', `devices/${device.deviceGuid}`);
  expect(r.status).toBe(200);
  expect(r.body.device.deviceGuid).toBe(device.deviceGuid);
});

test('When the body is bad as well, then the answer is the 400 naming the field, not the missing feature', async () => {
  const r = await call('POST', 'access/rules', { body: { characteristic: 'DeviceType', queryString: 'iPad', accessLevel: 'Sometimes' } });
  expect(r.status).toBe(400);
  expect(r.body.errors).toEqual([expect.objectContaining({ field: 'body.accessLevel' })]);
  expect(emu().calls().total).toBe(0);
});
