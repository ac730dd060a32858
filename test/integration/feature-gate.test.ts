/**
 * Routes refused before Exchange when the install check found their cmdlets missing from
 * the app's Exchange role, while the other routes keep working: the real function
 * registrations on the local host, Azurite, the identity provider and the emulator
 * (whose role entries the install check reads).
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 30, mailboxes: 12, seed: 5 } }, host: {}, settings: { WIPES_PER_HOUR_BEFORE_APPROVAL: '1000' } });
let devices: DeviceRecord[] = [];

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId)) if (d.clientType === 'EAS' && d.deviceId && d.isRemoteWipeSupported !== false) devices.push(d);
  // The check runs before the host answers anything, so the gate's first read sees it.
  fx.stack.emulator.control.denyCmdlets({ names: ['Clear-MobileDevice'] });
  const status = await fx.runtime.installCheck.run();
  expect(status.features.find((f) => f.feature === 'deviceActions')).toMatchObject({ state: 'unavailable', missingCmdlets: ['Clear-MobileDevice'] });
  fx.stack.emulator.control.allowAll();
});

async function call(method: string, route: string, body?: unknown) {
  const token = await fx.stack.callerToken({ roles: ['Devices.Read', 'Devices.Manage', 'Devices.Wipe'] });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : null) as any };
}
const calls = () => fx.stack.emulator.control.calls();

test('When the install check found Clear-MobileDevice missing, then a wipe answers 503 FeatureUnavailable naming it, with no Exchange call and no action recorded', async () => {
  const d = devices[0];
  const r = await call('POST', `devices/${d.deviceGuid}/wipe`, { reason: 'lost' });
  expect(r.status).toBe(503);
  expect(r.type).toMatch(/application\/problem\+json/);
  expect(r.body).toMatchObject({ code: 'FeatureUnavailable', feature: 'deviceActions', missingCmdlets: ['Clear-MobileDevice'] });
  expect(r.body.detail).toMatch(/Clear-MobileDevice/);
  expect(calls().total).toBe(0);
  expect(fx.stack.emulator.control.getDevice(d.deviceGuid)!.accountOnlyDeviceWipeRequestTime).toBeNull();
  expect((await call('GET', `devices/${d.deviceGuid}/actions`)).body.actions).toEqual([]);
});

test('When only Clear-MobileDevice is missing, then a bulk wipe is refused but its dry run answers, and a block still reaches Exchange', async () => {
  const [a, b] = [devices[1], devices[2]];
  const bulk = await call('POST', 'actions/bulk', { action: 'wipe', devices: [a.deviceGuid] });
  expect(bulk.status).toBe(503);
  expect(bulk.body.missingCmdlets).toEqual(['Clear-MobileDevice']);
  const dry = await call('POST', 'actions/bulk', { action: 'wipe', devices: [a.deviceGuid], dryRun: true });
  expect(dry.status).toBe(200);
  expect(dry.body.selected).toBe(1);
  expect(calls().total).toBe(0);

  const block = await call('POST', `devices/${b.deviceGuid}/block`, {});
  expect(block.status).toBe(200);
  expect(block.body.state).toBe('done');
  expect(fx.stack.emulator.control.getMailbox(b.mailbox)!.blockedDeviceIds).toContain(b.deviceId);
});

test('When the body is bad as well, then the answer is the 400 naming the field, not the missing feature', async () => {
  const r = await call('POST', `devices/${devices[3].deviceGuid}/wipe`, { mode: 'everything' });
  expect(r.status).toBe(400);
  expect(r.body.errors).toEqual([expect.objectContaining({ field: expect.stringMatching(/mode/) })]);
  expect(calls().total).toBe(0);
});
