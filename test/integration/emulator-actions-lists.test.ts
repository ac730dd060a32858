/**
 * Blocking and allowing single devices through Set-CASMailbox's device lists, called over
 * HTTP as the connector calls it, with the state read back by Get-CASMailbox and
 * Get-MobileDevice; the faults that leave a state-changing call's outcome unknown; and a
 * bulk block at the bench's scale.
 */
import type { DeviceView } from '../../dev/exo-emulator';
import { errorDetail, type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;
let a: DeviceView;
let b: DeviceView;
const HT = '#Exchange.GenericHashTable';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.resetClock();
  h.emulator.control.setVariants({});
  h.emulator.control.clearFaults();
  h.emulator.control.seed({ devices: 30, mailboxes: 12, seed: 8 });
  h.emulator.control.addMailbox({ alias: 'kim.lee' });
  a = h.emulator.control.addDevice({ mailbox: 'kim.lee', deviceType: 'iPhone', deviceId: 'PHONEA0001' });
  b = h.emulator.control.addDevice({ mailbox: 'kim.lee', deviceType: 'Android', deviceId: 'PHONEB0001' });
});

const setCas = (p: Record<string, unknown>) => h.invoke('Set-CASMailbox', { Identity: 'kim.lee', ...p });
const lists = async () => {
  const cas = (await h.ok('Get-CASMailbox', { Identity: 'kim.lee' })).value[0];
  return { allowed: cas.ActiveSyncAllowedDeviceIDs, blocked: cas.ActiveSyncBlockedDeviceIDs };
};
const access = async () =>
  Object.fromEntries((await h.ok('Get-MobileDevice', { Mailbox: 'kim.lee' })).value.map((d) => [d.DeviceId, `${d.DeviceAccessState}/${d.DeviceAccessStateReason}`]));

describe('Set-CASMailbox device lists', () => {
  it('When a plain list is sent, then it overwrites; a GenericHashTable adds and removes; null clears; the partnerships follow at once', async () => {
    expect((await setCas({ ActiveSyncBlockedDeviceIDs: [a.deviceId, b.deviceId] })).status).toBe(200);
    expect(await lists()).toEqual({ allowed: [], blocked: [a.deviceId, b.deviceId] });
    expect(await access()).toEqual({ PHONEA0001: 'Blocked/Individual', PHONEB0001: 'Blocked/Individual' });
    await setCas({ ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, remove: [a.deviceId], add: ['SPARE0001'] } });
    expect(await lists()).toEqual({ allowed: [], blocked: [b.deviceId, 'SPARE0001'] });
    expect(await access()).toEqual({ PHONEA0001: 'Allowed/Global', PHONEB0001: 'Blocked/Individual' });
    await setCas({ ActiveSyncBlockedDeviceIDs: null });
    expect(await lists()).toEqual({ allowed: [], blocked: [] });
    expect(await access()).toEqual({ PHONEA0001: 'Allowed/Global', PHONEB0001: 'Allowed/Global' });
  });

  it('When a hash table comes without @odata.type, then the server cannot bind it: 400 naming the parameter, nothing changes', async () => {
    const res = await setCas({ ActiveSyncBlockedDeviceIDs: { add: [a.deviceId] }, ActiveSyncEnabled: false });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res))).toMatchObject({ type: 'System.Management.Automation.ParameterBindingException', text: expect.stringContaining("'ActiveSyncBlockedDeviceIDs'") });
    expect(await lists()).toEqual({ allowed: [], blocked: [] });
    expect((await h.ok('Get-CASMailbox', { Identity: 'kim.lee' })).value[0].ActiveSyncEnabled).toBe(true);
  });

  it('When one call removes a device from the allowed list and adds it to the blocked one, then it moves; one call putting it in both is refused and nothing changes', async () => {
    await setCas({ ActiveSyncAllowedDeviceIDs: [a.deviceId] });
    await setCas({ ActiveSyncAllowedDeviceIDs: { '@odata.type': HT, remove: [a.deviceId] }, ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, add: [a.deviceId] } });
    expect(await lists()).toEqual({ allowed: [], blocked: [a.deviceId] });
    expect((await access()).PHONEA0001).toBe('Blocked/Individual');
    const res = await setCas({ ActiveSyncAllowedDeviceIDs: { '@odata.type': HT, add: [b.deviceId] }, ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, add: [b.deviceId] } });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res))).toMatchObject({ type: 'Microsoft.Exchange.Management.AirSync.ErrorDeviceIdInBothLists', text: expect.stringContaining(b.deviceId) });
    expect(await lists()).toEqual({ allowed: [], blocked: [a.deviceId] });
  });

  it('When only the allowed list gets a blocked DeviceId (quarantine release), then it leaves the blocked list; and the other way round', async () => {
    await h.ok('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Quarantine' });
    h.emulator.control.checkIn({ all: true });
    await setCas({ ActiveSyncBlockedDeviceIDs: [a.deviceId] });
    expect(await access()).toEqual({ PHONEA0001: 'Blocked/Individual', PHONEB0001: 'Quarantined/Global' });
    await setCas({ ActiveSyncAllowedDeviceIDs: { '@odata.type': HT, add: [a.deviceId, b.deviceId] } });
    expect(await lists()).toEqual({ allowed: [a.deviceId, b.deviceId], blocked: [] });
    expect(await access()).toEqual({ PHONEA0001: 'Allowed/Individual', PHONEB0001: 'Allowed/Individual' });
    await setCas({ ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, add: [b.deviceId] } });
    expect(await lists()).toEqual({ allowed: [a.deviceId], blocked: [b.deviceId] });
    expect(await access()).toEqual({ PHONEA0001: 'Allowed/Individual', PHONEB0001: 'Blocked/Individual' });
  });

  it("When the variant 'unknown' is set, then a device released from the lists shows Unknown until it connects, as Exchange 2013 did", async () => {
    const routes = (await readJson(await fetch(`${h.emulator.url}/_emulator`))).routes;
    expect(Object.keys(routes)).toEqual(expect.arrayContaining(['POST /_emulator/setVariants', 'GET /_emulator/removedDevices', 'GET /_emulator/wipeNotifications']));
    const bad = await fetch(`${h.emulator.url}/_emulator/setVariants`, { method: 'POST', body: JSON.stringify({ releasedFromLists: 'later' }) });
    expect(bad.status).toBe(400);
    await fetch(`${h.emulator.url}/_emulator/setVariants`, { method: 'POST', body: JSON.stringify({ releasedFromLists: 'unknown' }) });
    await setCas({ ActiveSyncBlockedDeviceIDs: [a.deviceId] });
    await setCas({ ActiveSyncBlockedDeviceIDs: [] });
    expect((await access()).PHONEA0001).toBe('Unknown/Unknown');
    h.emulator.control.checkIn(a.guid);
    expect((await access()).PHONEA0001).toBe('Allowed/Global');
  });

  it('When the call also names a policy that does not exist, then it fails and the lists are untouched', async () => {
    const res = await setCas({ ActiveSyncMailboxPolicy: 'No Such Policy', ActiveSyncBlockedDeviceIDs: [a.deviceId] });
    expect(errorDetail(await readJson(res)).type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect(await lists()).toEqual({ allowed: [], blocked: [] });
  });
});

describe('faults around state-changing calls', () => {
  it('When the connection drops after Set-CASMailbox ran, then the client gets no answer but the device is blocked; other cmdlets answer', async () => {
    h.emulator.control.resetCounters();
    h.emulator.control.setFaults({ dropAfterExecuteEveryK: 1, onlyCmdlets: ['Set-CASMailbox'] });
    await expect(setCas({ ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, add: [a.deviceId] } })).rejects.toThrow();
    expect((await access()).PHONEA0001).toBe('Blocked/Individual');
    expect(h.emulator.control.calls()).toMatchObject({ dropped: 1, afterExecute: 1 });
    expect(h.emulator.control.callLog().find((c) => c.cmdlet === 'Set-CASMailbox')).toMatchObject({ outcome: 'dropped', afterExecute: true, status: 0 });
  });

  it('When the connection drops before the call ran (dropEveryK), then nothing changed', async () => {
    h.emulator.control.setFaults({ dropEveryK: 1, onlyCmdlets: ['Clear-MobileDevice'] });
    await expect(h.invoke('Clear-MobileDevice', { Identity: a.guid, Confirm: false })).rejects.toThrow();
    h.emulator.control.clearFaults();
    expect((await h.ok('Get-MobileDeviceStatistics', { Identity: a.guid })).value[0].Status).toBe('DeviceOk');
  });

  it('When a 504 answers a wipe that was executed (failAfterExecuteEveryK), then the wipe is pending all the same', async () => {
    h.emulator.control.setFaults({ failAfterExecuteEveryK: 1, onlyCmdlets: ['Clear-MobileDevice'] });
    const res = await h.invoke('Clear-MobileDevice', { Identity: a.guid, AccountOnly: true, Confirm: false });
    expect(res.status).toBe(504);
    h.emulator.control.clearFaults();
    expect((await h.ok('Get-MobileDeviceStatistics', { Identity: a.guid })).value[0].Status).toBe('DeviceWipePending');
  });

  it('When the client gives up during injected latency, then the cmdlet still runs once the latency is spent', async () => {
    h.emulator.control.setFaults({ latencyMs: 300, onlyCmdlets: ['Remove-MobileDevice'] });
    const body = JSON.stringify({ CmdletInput: { CmdletName: 'Remove-MobileDevice', Parameters: { Identity: b.guid, Confirm: false } } });
    const headers = { Authorization: `Bearer ${await h.token()}`, 'Content-Type': 'application/json' };
    await expect(fetch(h.invokeUrl(), { method: 'POST', headers, body, signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 450));
    expect(h.emulator.control.getDevice(b.guid)).toBeUndefined();
  });
});

describe('bulk', () => {
  it('When 10,000 devices over 4,000 mailboxes are blocked mailbox by mailbox, then every one is Blocked (Individual)', async () => {
    h.emulator.control.seed({ devices: 10_000, mailboxes: 4_000, seed: 3 });
    const byMailbox = new Map<string, string[]>();
    for (const d of h.emulator.control.listDevices()) byMailbox.set(d.mailbox.upn, [...(byMailbox.get(d.mailbox.upn) ?? []), d.deviceId]);
    const mailboxes = [...byMailbox];
    // The first 200 mailboxes over HTTP, 8 at a time, as the connector would; the rest in process.
    for (let i = 0; i < 200; i += 8) {
      await Promise.all(
        mailboxes.slice(i, i + 8).map(([upn, ids]) => h.ok('Set-CASMailbox', { Identity: upn, ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, add: ids } })),
      );
    }
    for (const [upn, ids] of mailboxes.slice(200)) h.emulator.control.invoke('Set-CASMailbox', { Identity: upn, ActiveSyncBlockedDeviceIDs: { '@odata.type': HT, add: ids } });
    const devices = h.emulator.control.listDevices();
    expect(devices).toHaveLength(10_000);
    expect(devices.every((d) => d.accessState === 'Blocked' && d.accessStateReason === 'Individual')).toBe(true);
  }, 60_000);
});
