/**
 * The control operations the connector's tests use around policies, rules and
 * organisation settings: reading them directly, an administrator changing them by hand
 * (with Exchange's validation, bypassing the API and its call log), planned failures of
 * one cmdlet, and the same over the HTTP control interface.
 */
import { EmulatedCmdletError } from '../../dev/exo-emulator/exchange-errors';
import { type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;
let base: string;

beforeAll(async () => {
  h = await startHarness();
  base = `${h.emulator.url}/_emulator`;
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.seed({ devices: 12, mailboxes: 6, seed: 5 });
  h.emulator.control.clearFaults();
  h.emulator.control.addMailbox({ alias: 'ana.ruiz' });
  h.emulator.control.addDevice({ mailbox: 'ana.ruiz', deviceType: 'Android', deviceId: 'ANA0001', deviceModel: 'Pixel 8' });
});

const post = (op: string, body: unknown) => fetch(`${base}/${op}`, { method: 'POST', body: JSON.stringify(body) });
const get = (op: string) => fetch(`${base}/${op}`);
const state = () => h.emulator.control.getDevice('ANA0001')!;

describe('reading the configuration directly', () => {
  it('When policies, rules and settings are read through the control, then they match what Get- cmdlets answer', async () => {
    const c = h.emulator.control;
    await h.ok('Set-CASMailbox', { Identity: 'ana.ruiz', ActiveSyncMailboxPolicy: 'Restricted' });
    const restricted = c.getPolicy('restricted')!;
    const wire = (await h.ok('Get-MobileDeviceMailboxPolicy', { Identity: 'Restricted' })).value[0];
    expect(restricted).toMatchObject({ name: 'Restricted', isDefault: false, guid: wire.Guid, assignedMailboxes: expect.arrayContaining([c.getMailbox('ana.ruiz')!.upn]) });
    expect(restricted.settings).toMatchObject({ PasswordEnabled: true, MinPasswordLength: 6, MaxInactivityTimeLock: '00:05:00', PasswordExpiration: '90.00:00:00', MaxPasswordFailedAttempts: '8' });
    expect(Object.keys(restricted.settings).every((k) => k in wire)).toBe(true);
    expect(c.listPolicies().map((p) => p.name)).toEqual(['Default', 'Restricted']);
    expect(c.getPolicy('Nope')).toBeUndefined();
    expect(c.listRules()).toEqual([expect.objectContaining({ name: 'SM-G950F (DeviceModel)', queryString: 'SM-G950F', characteristic: 'DeviceModel', accessLevel: 'Quarantine' })]);
    expect(c.getOrganizationSettings()).toMatchObject({ identity: 'Mobile Mailbox Settings', defaultAccessLevel: 'Allow', adminMailRecipients: [], userMailInsert: '' });
  });
});

describe('changes by hand', () => {
  it('When an administrator changes a policy setting by hand, then Get- shows it, the API call log does not, and a bad value is refused as Exchange would', () => {
    const c = h.emulator.control;
    c.resetCounters();
    const changed = c.setPolicySettingByHand('Default', 'MaxInactivityTimeLock', '00:05:00');
    expect(changed.settings.MaxInactivityTimeLock).toBe('00:05:00');
    c.setPolicySettingsByHand('Default', { PasswordEnabled: true, MinPasswordLength: 4 });
    expect(c.getPolicy('Default')!.settings).toMatchObject({ PasswordEnabled: true, MinPasswordLength: 4, MaxInactivityTimeLock: '00:05:00' });
    expect(c.calls().total).toBe(0);
    expect(() => c.setPolicySettingByHand('Default', 'PasswordHistory', 51)).toThrow(EmulatedCmdletError);
    expect(() => c.setPolicySettingByHand('Default', 'Colour', 'red')).toThrow(/Invalid cmdlet parameters specified\. Colour/);
    expect(() => c.setPolicySettingByHand('Nope', 'PasswordEnabled', true)).toThrow(/Nope/);
  });

  it('When an administrator sets, changes and removes a rule by hand, then devices follow at once', () => {
    const c = h.emulator.control;
    c.setRuleByHand({ queryString: 'Pixel 8', characteristic: 'DeviceModel', accessLevel: 'Quarantine' });
    expect(state()).toMatchObject({ accessState: 'Quarantined', accessStateReason: 'DeviceRule', accessControlRule: 'Pixel 8 (DeviceModel)' });
    const changed = c.setRuleByHand({ queryString: 'pixel 8', characteristic: 'DeviceModel', accessLevel: 'Block' });
    expect(changed).toMatchObject({ name: 'Pixel 8 (DeviceModel)', accessLevel: 'Block' });
    expect(c.listRules()).toHaveLength(2);
    expect(state().accessState).toBe('Blocked');
    c.removeRuleByHand('Pixel 8 (DeviceModel)');
    expect(state()).toMatchObject({ accessState: 'Allowed', accessStateReason: 'Global', accessControlRule: null });
  });

  it('When an administrator changes organisation settings by hand, then devices and Get- follow; flags no cmdlet sets can be set for fixtures', async () => {
    const c = h.emulator.control;
    expect(c.setOrganizationSettingsByHand({ DefaultAccessLevel: 'Block', AdminMailRecipients: ['it@contoso.com'] })).toMatchObject({ defaultAccessLevel: 'Block', adminMailRecipients: ['it@contoso.com'] });
    expect(state()).toMatchObject({ accessState: 'Blocked', accessStateReason: 'Global' });
    c.setOrganizationFlags({ isIntuneManaged: true });
    expect((await h.ok('Get-ActiveSyncOrganizationSettings')).value[0]).toMatchObject({ IsIntuneManaged: true, DefaultAccessLevel: 'Block' });
    expect(() => c.setOrganizationSettingsByHand({ UserMailInsert: 'x'.repeat(257) })).toThrow(EmulatedCmdletError);
    expect(() => c.setOrganizationFlags({ isIntuneManaged: 'yes' as never })).toThrow(/isIntuneManaged/);
  });
});

describe('planned failures', () => {
  it('When the next call of a cmdlet is made to fail with a transient exception, then that call fails without running and the next one succeeds; other cmdlets are untouched', async () => {
    const c = h.emulator.control;
    c.setRuleByHand({ queryString: 'Pixel 8', characteristic: 'DeviceModel', accessLevel: 'Block' });
    c.failNext('remove-activesyncdeviceaccessrule', 1, { status: 500, exceptionType: 'Microsoft.Exchange.Data.Storage.StorageTransientException' });
    expect((await h.invoke('Get-ActiveSyncDeviceAccessRule')).status).toBe(200);
    const failed = await h.invoke('Remove-ActiveSyncDeviceAccessRule', { Identity: 'Pixel 8 (DeviceModel)', Confirm: false });
    expect(failed.status).toBe(500);
    expect((await readJson(failed)).error.details[0].message).toContain('|Microsoft.Exchange.Data.Storage.StorageTransientException|');
    expect(c.listRules().map((r) => r.name)).toContain('Pixel 8 (DeviceModel)');
    expect((await h.invoke('Remove-ActiveSyncDeviceAccessRule', { Identity: 'Pixel 8 (DeviceModel)', Confirm: false })).status).toBe(200);
    expect(c.listRules().map((r) => r.name)).not.toContain('Pixel 8 (DeviceModel)');
    expect(c.callLog().filter((e) => e.cmdlet === 'Remove-ActiveSyncDeviceAccessRule').map((e) => e.outcome)).toEqual(['failed', 'ok']);
  });

  it('When calls are made to fail after they ran, then the change is applied but each answer is a failure, as many times as asked', async () => {
    const c = h.emulator.control;
    c.failNext('Set-ActiveSyncOrganizationSettings', 2, { status: 504, afterExecute: true });
    expect((await h.invoke('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Quarantine' })).status).toBe(504);
    expect(state().accessState).toBe('Quarantined');
    expect((await h.invoke('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Allow' })).status).toBe(504);
    expect((await h.invoke('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Allow' })).status).toBe(200);
    expect(c.calls().afterExecute).toBeGreaterThanOrEqual(2);
    c.failNext('Get-MobileDevice', 3);
    c.clearFaults();
    expect((await h.invoke('Get-MobileDevice', { ResultSize: 1 })).status).toBe(200);
    expect(() => c.failNext('Get-Nothing', 1)).toThrow(/not an emulated cmdlet/);
    expect(() => c.failNext('Get-MobileDevice', 0)).toThrow(/count/);
  });
});

describe('over HTTP', () => {
  it('When the control routes are called over HTTP, then they do the same as in process and are listed', async () => {
    const routes = Object.keys((await readJson(await get(''))).routes);
    for (const op of ['GET /_emulator/accessStates', 'GET /_emulator/getPolicy', 'POST /_emulator/setPolicySettingByHand', 'POST /_emulator/setRuleByHand', 'POST /_emulator/failNext', 'POST /_emulator/setAssignedRoles']) {
      expect(routes).toContain(op);
    }
    expect((await readJson(await post('setPolicySettingByHand', { policy: 'Default', parameter: 'AllowCamera', value: false }))).settings.AllowCamera).toBe(false);
    const bad = await post('setPolicySettingByHand', { policy: 'Default', parameter: 'PasswordHistory', value: 99 });
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error.exceptionType).toBe('System.Management.Automation.ParameterBindingException');
    await post('setRuleByHand', { queryString: 'Android', characteristic: 'DeviceType', accessLevel: 'Quarantine' });
    const states = (await readJson(await get('accessStates'))) as unknown as { deviceId: string; accessState: string; decidedBy: string }[];
    expect(states.find((s) => s.deviceId === 'ANA0001')).toMatchObject({ accessState: 'Quarantined', decidedBy: 'rule' });
    expect((await readJson(await get('getPolicy?id=Default'))).name).toBe('Default');
    expect((await get('getPolicy?id=Nope')).status).toBe(404);
    expect(((await readJson(await get('listRules'))) as unknown as unknown[]).length).toBe(2);
    expect((await readJson(await post('setOrganizationSettingsByHand', { settings: { DefaultAccessLevel: 'Block' } }))).defaultAccessLevel).toBe('Block');
    expect((await readJson(await get('getOrganizationSettings'))).defaultAccessLevel).toBe('Block');
    await post('failNext', { cmdlet: 'Get-ActiveSyncDeviceAccessRule', count: 1, status: 503 });
    expect((await h.invoke('Get-ActiveSyncDeviceAccessRule')).status).toBe(503);
    expect((await post('failNext', { cmdlet: 'Get-ActiveSyncDeviceAccessRule', count: 1, status: 418 })).status).toBe(400);
    const roles = (await readJson(await get('assignedRoles'))) as unknown as string[];
    await post('setAssignedRoles', { roles: roles.filter((r) => r !== 'Organization Client Access') });
    expect((await h.invoke('Set-ActiveSyncDeviceAccessRule', { Identity: 'Android (DeviceType)', AccessLevel: 'Allow' })).status).toBe(403);
    await post('setAssignedRoles', { roles });
    expect((await h.invoke('Set-ActiveSyncDeviceAccessRule', { Identity: 'Android (DeviceType)', AccessLevel: 'Allow' })).status).toBe(200);
  });
});
