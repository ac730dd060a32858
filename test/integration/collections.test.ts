/**
 * Collections: built-in and saved filters over the inventory, their devices equal to what
 * is computed here from the emulator's own data, built-ins never changed.
 */
import { isStale } from '../../lib/domain/inventory';
import type { DeviceView } from '../../dev/exo-emulator';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 300, mailboxes: 120, seed: 71 } }, host: {} });
let inExchange: DeviceView[] = [];

beforeAll(async () => {
  // Older clients, for the below-16.1 collection (the seed's native-mail devices all speak 16.1).
  const c = fx.stack.emulator.control;
  const mailbox = c.listMailboxes()[0].upn;
  for (const v of ['14.1', '16.0', '12.1']) c.addDevice({ mailbox, deviceType: 'SAMSUNGSMG900F', deviceOs: 'Android 6.0.1', activeSyncVersion: v });
  await fx.runtime.sync.run({ kind: 'full' });
  inExchange = fx.stack.emulator.control.listDevices();
}, 120_000);

async function call(method: string, path: string, body?: unknown, roles = ['Devices.Read', 'Devices.Manage']) {
  const token = await fx.stack.callerToken({ roles });
  const res = await fetch(`${fx.host.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}
async function devicesOf(name: string): Promise<string[]> {
  const out: string[] = [];
  let next: string | undefined = `/api/collections/${name}/devices?$top=60`;
  while (next) {
    const r = await call('GET', next);
    expect(r.status).toBe(200);
    out.push(...r.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid.toLowerCase()));
    next = r.body.nextLink;
  }
  return out.sort();
}
const expected = (p: (d: DeviceView) => boolean) => inExchange.filter(p).map((d) => d.guid.toLowerCase()).sort();

test('When the built-in collections are read, then each lists exactly the devices of Exchange that belong in it', async () => {
  const list = await call('GET', '/api/collections');
  expect(list.body.collections.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['all-mobile-devices', 'ios', 'android', 'blocked', 'quarantined', 'stale', 'wipe-pending', 'recently-wiped', 'policy-not-applied', 'statistics-unavailable']));
  const now = new Date();
  expect(await devicesOf('all-mobile-devices')).toEqual(expected(() => true));
  expect(await devicesOf('ios')).toEqual(expected((d) => (d.deviceOs ?? '').toLowerCase().startsWith('ios')));
  expect(await devicesOf('android')).toEqual(expected((d) => (d.deviceOs ?? '').toLowerCase().startsWith('android')));
  expect(await devicesOf('blocked')).toEqual(expected((d) => d.accessState === 'Blocked'));
  expect(await devicesOf('quarantined')).toEqual(expected((d) => d.accessState === 'Quarantined'));
  expect(await devicesOf('stale')).toEqual(expected((d) => isStale(d.lastSuccessSync, now, 30)));
  expect(await devicesOf('policy-not-applied')).toEqual(expected((d) => d.policyApplicationStatus !== 'AppliedInFull'));
  const pending = expected((d) => !!(d.deviceWipeRequestTime ?? d.accountOnlyDeviceWipeRequestTime) && !(d.deviceWipeAckTime ?? d.accountOnlyDeviceWipeAckTime));
  expect(await devicesOf('wipe-pending')).toEqual(pending);
  const v = (x: string | null) => (x ? x.split('.').map(Number) : null);
  const below161 = (d: DeviceView) => { const x = v(d.activeSyncVersion); return !!x && (x[0] < 16 || (x[0] === 16 && (x[1] ?? 0) < 1)); };
  expect(expected(below161)).toHaveLength(3);
  expect(await devicesOf('below-activesync-16-1')).toEqual(expected(below161));
});

test("When a collection is saved, then its devices are its filter's; it can be replaced and deleted; built-ins cannot", async () => {
  const saved = await call('PUT', '/api/collections/sales-iphones', { description: 'iPhones syncing natively', filter: { deviceType: 'iPhone', clientType: 'EAS' } });
  expect(saved.status).toBe(201);
  expect(await devicesOf('sales-iphones')).toEqual(expected((d) => d.deviceType === 'iPhone' && d.clientType === 'EAS'));
  expect((await call('PUT', '/api/collections/sales-iphones', { filter: { deviceType: 'iPhone' } })).status).toBe(200);
  expect(await devicesOf('sales-iphones')).toEqual(expected((d) => d.deviceType === 'iPhone'));
  expect((await call('PUT', '/api/collections/stale', { filter: {} })).body.code).toBe('BuiltInCollection');
  expect((await call('DELETE', '/api/collections/blocked')).status).toBe(409);
  expect((await call('DELETE', '/api/collections/sales-iphones')).status).toBe(204);
  expect((await call('GET', '/api/collections/sales-iphones')).status).toBe(404);
});

test('When a collection body or name is bad, or the caller may only read, then it is refused naming why and nothing is saved', async () => {
  for (const [path, body, field] of [
    ['/api/collections/Bad%20Name', { filter: {} }, 'route.name'],
    ['/api/collections/ok-name', { filter: { colour: 'red' } }, 'body.filter'],
    ['/api/collections/ok-name', { filter: { stale: 'true' } }, 'body.filter.stale'],
    ['/api/collections/ok-name', { filter: { lastSyncBefore: 'yesterday' } }, 'body.filter.lastSyncBefore'],
  ] as const) {
    const r = await call('PUT', path, body);
    expect({ path, status: r.status }).toEqual({ path, status: 400 });
    expect(r.body.errors.some((e: { field: string }) => e.field.startsWith(field))).toBe(true);
  }
  expect((await call('PUT', '/api/collections/ok-name', { filter: {} }, ['Devices.Read'])).status).toBe(403);
  expect(await fx.runtime.storage.collections.list(fx.stack.tenantId)).toEqual([]);
});
