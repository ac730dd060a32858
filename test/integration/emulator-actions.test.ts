/**
 * The emulator's write side for device actions, called over HTTP as the connector calls
 * it: wipe (full and account-only) through simulated check-ins, cancel, removal of a
 * partnership and its phone coming back, and the confirmation every destructive call
 * needs. State is read back the way the connector reads it (Get-MobileDevice,
 * Get-MobileDeviceStatistics, Get-CASMailbox) and through the control interface.
 */
import type { DeviceView, NewDeviceInput, RemovedDeviceView } from '../../dev/exo-emulator';
import { errorDetail, type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;
let t: number;
const ISO = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}0000+00:00`;
const APP = 'ServicePrincipal_c0ffee00-0000-4000-8000-000000000001';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  t = Date.parse('2026-03-02T09:00:00.000Z');
  h.emulator.control.setClock(() => new Date(t));
  h.emulator.control.setVariants({});
  h.emulator.control.clearFaults();
  h.emulator.control.seed({ devices: 30, mailboxes: 12, seed: 7, asOf: '2026-03-01T00:00:00.000Z' });
  h.emulator.control.addMailbox({ alias: 'pat.doe' });
});

const later = (minutes = 5) => (t += minutes * 60_000);
const phone = (o: Partial<NewDeviceInput> = {}): DeviceView =>
  h.emulator.control.addDevice({ mailbox: 'pat.doe', deviceType: 'iPhone', deviceModel: 'iPhone15,2', ...o });
const stats = async (guid: string) => (await h.ok('Get-MobileDeviceStatistics', { Identity: guid })).value[0];
const wipe = (guid: string, p: Record<string, unknown> = {}) => h.invoke('Clear-MobileDevice', { Identity: guid, Confirm: false, ...p });
const control = (op: string, body: unknown) => fetch(`${h.emulator.url}/_emulator/${op}`, { method: 'POST', body: JSON.stringify(body) }).then(readJson);

describe('wipe lifecycle', () => {
  it('When an account-only wipe is asked by Guid, then it is pending, sent at the next check-in, acknowledged at the one after, and the device no longer syncs', async () => {
    const d = phone();
    const requested = t;
    const res = await wipe(d.guid, { AccountOnly: true });
    expect(res.status).toBe(200);
    expect((await readJson(res)).value).toEqual([]);
    let s = await stats(d.guid);
    expect(s).toMatchObject({ Status: 'DeviceWipePending', IsRemoteWipeSupported: true, AccountOnlyDeviceWipeRequestTime: ISO(requested), AccountOnlyDeviceWipeSentTime: null });
    expect(s).toMatchObject({ AccountOnlyDeviceWipeAckTime: null, LastAccountOnlyDeviceWipeRequestor: APP, DeviceWipeRequestTime: null, LastDeviceWipeRequestor: null });

    const sent = later();
    expect(h.emulator.control.checkIn(d.guid)).toBe(1);
    s = await stats(d.guid);
    expect(s).toMatchObject({ Status: 'DeviceWipePending', AccountOnlyDeviceWipeSentTime: ISO(sent), AccountOnlyDeviceWipeAckTime: null });

    const acked = later();
    h.emulator.control.checkIn(d.guid);
    s = await stats(d.guid);
    expect(s).toMatchObject({ Status: 'AccountOnlyDeviceWipeSucceeded', AccountOnlyDeviceWipeSentTime: ISO(sent), AccountOnlyDeviceWipeAckTime: ISO(acked) });

    later();
    h.emulator.control.checkIn(d.guid);
    expect((await stats(d.guid)).LastSuccessSync).toBe(s.LastSuccessSync);
  });

  it('When a full wipe is picked up and acknowledged in one check-in (over HTTP control), then the confirmation goes to the resolved addresses and a bad one is only a warning', async () => {
    const d = phone();
    const res = await wipe(d.guid, { NotificationEmailAddresses: ['pat.doe', 'nobody@elsewhere.example'] });
    const body = await readJson(res);
    expect(res.status).toBe(200);
    expect(body['@adminapi.warnings']).toEqual([expect.stringContaining("'nobody@elsewhere.example' isn't a valid SMTP address or alias")]);
    const at = later();
    expect(await control('checkIn', { id: d.guid, sameCheckIn: true })).toEqual({ checkedIn: 1 });
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipeSucceeded', DeviceWipeSentTime: ISO(at), DeviceWipeAckTime: ISO(at), LastDeviceWipeRequestor: APP });
    const mails = await (await fetch(`${h.emulator.url}/_emulator/wipeNotifications`)).json();
    expect(mails).toEqual([{ at: new Date(at).toISOString(), to: ['pat.doe@contoso.onmicrosoft.com'], deviceGuid: d.guid, identity: d.identity, kind: 'full' }]);
  });

  it('When the device never connects, then the wipe stays pending with no send time, whatever the check-ins of the others', async () => {
    const d = phone();
    await control('updateDevice', { id: d.guid, patch: { offline: true } });
    await wipe(d.guid);
    later();
    expect(h.emulator.control.checkIn({ all: true })).toBe(h.emulator.control.listDevices().length - 1);
    expect(h.emulator.control.checkIn(d.guid)).toBe(0);
    const s = await stats(d.guid);
    expect(s).toMatchObject({ Status: 'DeviceWipePending', DeviceWipeSentTime: null, StatusNote: 'The wipe request is waiting for the device to connect.' });
    expect(s.LastSyncAttemptTime).toBe(ISO(Date.parse(d.lastSyncAttemptTime!)));
  });

  it('When the device reports that the wipe failed, then no ack time is set and it stays pending; it is sent again and can succeed later', async () => {
    const d = phone({ wipeResponse: 'fail' });
    await wipe(d.guid);
    const sent = later();
    h.emulator.control.checkIn(d.guid);
    const failed = later();
    h.emulator.control.checkIn(d.guid);
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipePending', DeviceWipeSentTime: ISO(sent), DeviceWipeAckTime: null });
    expect(h.emulator.control.getDevice(d.guid)).toMatchObject({ lastWipeFailureTime: new Date(failed).toISOString() });
    h.emulator.control.updateDevice(d.guid, { wipeResponse: 'ack' });
    const acked = later();
    h.emulator.control.checkIn(d.guid);
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipeSucceeded', DeviceWipeSentTime: ISO(sent), DeviceWipeAckTime: ISO(acked) });
  });

  it('When a device takes the wipe but never answers, then it stays sent and pending', async () => {
    const d = phone({ wipeResponse: 'silent' });
    await wipe(d.guid, { AccountOnly: true });
    for (let i = 0; i < 3; i++) (later(), h.emulator.control.checkIn(d.guid));
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipePending', AccountOnlyDeviceWipeAckTime: null, StatusNote: 'The wipe was sent to the device.' });
  });

  it('When Confirm:false is missing or true, then 400 HostException naming the prompt and nothing is recorded; WhatIf changes nothing', async () => {
    const d = phone();
    for (const p of [{ Identity: d.guid }, { Identity: d.guid, Confirm: true }]) {
      const res = await h.invoke('Clear-MobileDevice', p);
      expect(res.status).toBe(400);
      expect(errorDetail(await readJson(res))).toMatchObject({
        type: 'System.Management.Automation.Host.HostException',
        text: expect.stringContaining('This command will force all the data on the device to be permanently deleted. Do you want to continue?'),
      });
    }
    expect((await wipe(d.guid, { WhatIf: true })).status).toBe(200);
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceOk', DeviceWipeRequestTime: null });
    const unknown = await h.invoke('Clear-MobileDevice', { Identity: '2f0c5e1a-0000-4000-8000-00000000dead' });
    expect(errorDetail(await readJson(unknown)).type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
  });

  it('When an Outlook mobile partnership gets a full wipe, then it is recorded as a full wipe and runs the same lifecycle', async () => {
    const d = phone({ deviceType: 'Outlook', clientType: 'REST', deviceModel: 'Outlook for iOS and Android' });
    await wipe(d.guid);
    h.emulator.control.checkIn(d.guid, { sameCheckIn: true });
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipeSucceeded', DeviceWipeAckTime: ISO(t), AccountOnlyDeviceWipeRequestTime: null, LastSuccessSync: null });
  });

  it('When an account-only wipe is asked of an ActiveSync client older than 16.1, then Exchange refuses and nothing is recorded', async () => {
    const d = phone({ deviceType: 'Android', activeSyncVersion: '14.1' });
    const res = await wipe(d.guid, { AccountOnly: true });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res))).toMatchObject({ type: 'System.InvalidOperationException', text: expect.stringContaining('16.1') });
    expect((await stats(d.guid)).Status).toBe('DeviceOk');
  });

  it('When a wipe is asked again after it succeeded, then it is pending again with fresh times', async () => {
    const d = phone();
    await wipe(d.guid);
    h.emulator.control.checkIn(d.guid, { sameCheckIn: true });
    const again = later();
    await wipe(d.guid);
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipePending', DeviceWipeRequestTime: ISO(again), DeviceWipeSentTime: null, DeviceWipeAckTime: null });
  });

  it('When the user has ActiveSync disabled, then the wipe is not delivered until it is enabled again; a blocked device still takes it', async () => {
    const d = phone();
    const blocked = phone({ deviceId: 'BLOCKEDPHONE01', deviceType: 'iPad' });
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncEnabled: false, ActiveSyncBlockedDeviceIDs: [blocked.deviceId] });
    await wipe(d.guid);
    later();
    h.emulator.control.checkIn(d.guid);
    expect((await stats(d.guid)).DeviceWipeSentTime).toBeNull();
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncEnabled: true });
    await wipe(blocked.guid);
    h.emulator.control.checkIn({ all: true });
    expect((await stats(d.guid)).DeviceWipeSentTime).toBe(ISO(t));
    expect(await stats(blocked.guid)).toMatchObject({ DeviceAccessState: 'Blocked', DeviceWipeSentTime: ISO(t) });
  });
});

describe('cancel', () => {
  it('When a wipe is cancelled before the device picked it up, then the request is gone and the next check-in delivers nothing', async () => {
    const d = phone();
    await wipe(d.guid, { AccountOnly: true });
    const res = await wipe(d.guid, { Cancel: true });
    expect(res.status).toBe(200);
    expect((await readJson(res))['@adminapi.warnings']).toEqual([]);
    h.emulator.control.checkIn(d.guid);
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceOk', StatusNote: '', AccountOnlyDeviceWipeRequestTime: null, AccountOnlyDeviceWipeSentTime: null });
  });

  it('When a wipe is cancelled after pick-up, then 400 InvalidOperationException says it was already sent and nothing changes; the same after acknowledgement', async () => {
    const d = phone();
    await wipe(d.guid);
    const sent = later();
    h.emulator.control.checkIn(d.guid);
    let res = await wipe(d.guid, { Cancel: true });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res))).toMatchObject({ type: 'System.InvalidOperationException', text: expect.stringContaining("has already been sent to the device and can't be canceled") });
    expect(await stats(d.guid)).toMatchObject({ Status: 'DeviceWipePending', DeviceWipeSentTime: ISO(sent) });
    h.emulator.control.checkIn(d.guid);
    res = await wipe(d.guid, { Cancel: true });
    expect(res.status).toBe(400);
    expect((await stats(d.guid)).Status).toBe('DeviceWipeSucceeded');
  });

  it("When the variant 'warning' is set, then a late cancel answers 200 with Exchange 2013's warning and still changes nothing", async () => {
    expect(await control('setVariants', { cancelAfterPickUp: 'warning' })).toMatchObject({ cancelAfterPickUp: 'warning', releasedFromLists: 'reevaluate' });
    const d = phone();
    await wipe(d.guid);
    h.emulator.control.checkIn(d.guid);
    const res = await wipe(d.guid, { Cancel: true });
    expect(res.status).toBe(200);
    expect((await readJson(res))['@adminapi.warnings']).toEqual([expect.stringContaining("can't be canceled")]);
    expect((await stats(d.guid)).Status).toBe('DeviceWipePending');
  });
});

describe('remove', () => {
  it("When a partnership is removed, then only the record goes: the user's lists stay, and the phone comes back at its next check-in with a new Guid, Blocked as its list says", async () => {
    const d = phone();
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncBlockedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', add: [d.deviceId] } });
    expect((await h.invoke('Remove-MobileDevice', { Identity: d.guid, Confirm: false })).status).toBe(200);
    const gone = await readJson(await h.invoke('Get-MobileDevice', { Identity: d.guid }));
    expect(errorDetail(gone).type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect((await h.ok('Get-CASMailbox', { Identity: 'pat.doe' })).value[0].ActiveSyncBlockedDeviceIDs).toEqual([d.deviceId]);
    expect((await h.ok('Get-MobileDevice', { Mailbox: 'pat.doe' })).value).toEqual([]);

    const back = later();
    expect(await control('checkIn', { id: d.guid })).toEqual({ checkedIn: 1 });
    const [removed] = (await (await fetch(`${h.emulator.url}/_emulator/removedDevices`)).json()) as RemovedDeviceView[];
    expect(removed).toMatchObject({ guid: d.guid, stillConfigured: true, recreatedAsGuid: expect.any(String), statusAtRemoval: 'DeviceOk' });
    expect(removed.recreatedAsGuid).not.toBe(d.guid);
    const again = (await h.ok('Get-MobileDevice', { Identity: removed.recreatedAsGuid })).value[0];
    expect(again).toMatchObject({ Identity: d.identity, DeviceId: d.deviceId, DeviceAccessState: 'Blocked', DeviceAccessStateReason: 'Individual', FirstSyncTime: ISO(back) });
  });

  it('When partnerships are removed, then they come back as precedence decides: the allowed list beats a Quarantine default, a rule beats the default', async () => {
    const allowed = phone({ deviceId: 'ALLOWED0001' });
    const ruled = phone({ deviceId: 'RULED0001', deviceType: 'Android', deviceModel: 'SM-S911B' });
    const plain = phone({ deviceId: 'PLAIN0001', deviceType: 'iPad', deviceModel: 'iPad13,8' });
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncAllowedDeviceIDs: [allowed.deviceId] });
    await h.ok('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Quarantine' });
    await h.ok('New-ActiveSyncDeviceAccessRule', { QueryString: 'SM-S911B', Characteristic: 'DeviceModel', AccessLevel: 'Block' });
    for (const d of [allowed, ruled, plain]) await h.ok('Remove-MobileDevice', { Identity: d.guid, Confirm: false });
    h.emulator.control.checkIn({ all: true });
    const states = Object.fromEntries((await h.ok('Get-MobileDevice', { Mailbox: 'pat.doe' })).value.map((m) => [m.DeviceId, [m.DeviceAccessState, m.DeviceAccessStateReason]]));
    expect(states).toEqual({ ALLOWED0001: ['Allowed', 'Individual'], RULED0001: ['Blocked', 'DeviceRule'], PLAIN0001: ['Quarantined', 'Global'] });
  });

  it('When a partnership with a pending wipe is removed, then the prompt says so, and once removed the wipe is gone: the phone comes back and syncs', async () => {
    const d = phone();
    await wipe(d.guid);
    const refused = await h.invoke('Remove-MobileDevice', { Identity: d.guid });
    expect(errorDetail(await readJson(refused))).toMatchObject({ type: 'System.Management.Automation.Host.HostException', text: expect.stringContaining('remote wipe') });
    expect(h.emulator.control.getDevice(d.guid)).toBeDefined();
    await h.ok('Remove-MobileDevice', { Identity: d.guid, Confirm: false });
    const synced = later();
    h.emulator.control.checkIn(d.deviceId);
    const back = h.emulator.control.removedDevices()[0];
    expect(back.statusAtRemoval).toBe('DeviceWipePending');
    expect(await stats(back.recreatedAsGuid!)).toMatchObject({ Status: 'DeviceOk', DeviceWipeRequestTime: null, LastSuccessSync: ISO(synced) });
  });

  it('When a partnership is removed after an acknowledged wipe, or the phone is forgotten by control, then it does not come back', async () => {
    const wiped = phone();
    const other = phone({ deviceId: 'OTHER0001', deviceType: 'iPad' });
    await wipe(wiped.guid, { AccountOnly: true });
    h.emulator.control.checkIn(wiped.guid, { sameCheckIn: true });
    await h.ok('Remove-MobileDevice', { Identity: wiped.guid, Confirm: false });
    await h.ok('Remove-MobileDevice', { Identity: other.identity, Confirm: false });
    h.emulator.control.removeDevice(other.guid);
    expect(h.emulator.control.checkIn(wiped.guid)).toBe(0);
    expect(h.emulator.control.checkIn(other.guid)).toBe(0);
    expect(h.emulator.control.removedDevices().map((r) => [r.stillConfigured, r.recreatedAsGuid])).toEqual([
      [false, null],
      [false, null],
    ]);
  });

  it('When EasMaxDeviceDeletesPerMonth is reached, then the next removal of that mailbox is refused until next month', async () => {
    h.emulator.control.setVariants({ maxDeviceDeletesPerMonth: 1 });
    const a = phone({ deviceId: 'A0001' });
    const b = phone({ deviceId: 'B0001', deviceType: 'iPad' });
    await h.ok('Remove-MobileDevice', { Identity: a.guid, Confirm: false });
    const res = await h.invoke('Remove-MobileDevice', { Identity: b.guid, Confirm: false });
    expect(errorDetail(await readJson(res))).toMatchObject({ type: 'Microsoft.Exchange.Data.Common.LocalizedException', text: expect.stringContaining('EasMaxDeviceDeletesPerMonth') });
    t = Date.parse('2026-04-01T00:00:00.000Z');
    expect((await h.invoke('Remove-MobileDevice', { Identity: b.guid, Confirm: false })).status).toBe(200);
  });
});
