/**
 * Bulk actions through the real route on the local host, against Azurite, the identity
 * provider and the emulator: the selection, one Set-CASMailbox per mailbox, the per-device
 * results, and the resulting lists in Exchange.
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { isStale } from '../../lib/domain/inventory';
import { NAMED_SCAN_FROM } from '../../lib/app/actions/bulk-select';
import { compareVersions, versionOf } from '../../lib/domain/inventory-query';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 1200, mailboxes: 450, seed: 33 } }, host: {} });
let devices: DeviceRecord[] = [];

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId, { includeRemoved: false })) devices.push(d);
}, 120_000);

async function bulk(body: unknown, roles = ['Devices.Read', 'Devices.Manage', 'Devices.Wipe']) {
  const res = await fetch(`${fx.host.url}/api/actions/bulk`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${await fx.stack.callerToken({ roles })}` } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}
const emu = () => fx.stack.emulator.control;

describe('bulk actions', () => {
  test('When 1,000 devices over 400 mailboxes are blocked in bulk, then one Set-CASMailbox per mailbox is sent and every DeviceId is on its blocked list', async () => {
    const byMailbox = new Map<string, DeviceRecord[]>();
    for (const d of devices) if (d.deviceId) byMailbox.set(d.mailbox, [...(byMailbox.get(d.mailbox) ?? []), d]);
    // 400 mailboxes, then devices of them up to 1,000.
    const mailboxes = [...byMailbox.keys()].slice(0, 400);
    const chosen = mailboxes.map((m) => byMailbox.get(m)![0]);
    for (const m of mailboxes) for (const d of byMailbox.get(m)!.slice(1)) if (chosen.length < 1000) chosen.push(d);
    expect(chosen).toHaveLength(1000);
    const r = await bulk({ action: 'block', devices: chosen.map((d) => d.deviceGuid) });
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({ done: 1000, failed: 0, skipped: 0 });
    expect(r.body.mailboxCalls).toBe(400);
    expect(emu().calls().byCmdlet['Set-CASMailbox']).toBe(400);
    for (const d of chosen) expect(emu().getMailbox(d.mailbox)!.blockedDeviceIds).toContain(d.deviceId);
    expect(new Set(r.body.results.map((x: { deviceGuid: string }) => x.deviceGuid)).size).toBe(1000);
  });

  test('When the stale cleanup is asked as a dry run, then it lists exactly the stale devices and changes nothing in Exchange', async () => {
    const now = new Date();
    const stale = devices.filter((d) => isStale(d.lastSuccessSync, now, 30)).map((d) => d.deviceGuid).sort();
    expect(stale.length).toBeGreaterThan(0);
    const r = await bulk({ action: 'remove', filter: { stale: true }, dryRun: true });
    expect(r.status).toBe(200);
    expect(r.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort()).toEqual(stale);
    expect(emu().calls().byCmdlet['Remove-MobileDevice'] ?? 0).toBe(0);
    expect(emu().calls().byCmdlet['Set-CASMailbox'] ?? 0).toBe(0);
    for (const g of stale.slice(0, 20)) expect(emu().getDevice(g)).toBeDefined();
  });

  test('When a bulk wipe is asked, then every device waits for a second person (not the requester) and Exchange is asked only once one approves; without Devices.Wipe it is 403', async () => {
    const targets = devices.filter((d) => d.clientType === 'EAS').slice(-3).map((d) => d.deviceGuid);
    const refused = await bulk({ action: 'wipe', devices: targets }, ['Devices.Read', 'Devices.Manage']);
    expect(refused.status).toBe(403);
    const r = await bulk({ action: 'wipe', devices: targets });
    expect(r.status).toBe(200);
    expect(r.body.counts.awaitingApproval).toBe(3);
    expect(emu().calls().byCmdlet['Clear-MobileDevice'] ?? 0).toBe(0);
    for (const g of targets) expect((await fx.runtime.storage.actions.openWipe(fx.stack.tenantId, g))?.state).toBe('awaitingApproval');

    const approve = async (token: string) => {
      const res = await fetch(`${fx.host.url}/api/actions/${r.body.bulkId}/approve`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return { status: res.status, body: (await res.json()) as any };
    };
    const self = await approve(await fx.stack.callerToken({ roles: ['Devices.Wipe'] }));
    expect(self.status).toBe(403);
    expect(emu().calls().byCmdlet['Clear-MobileDevice'] ?? 0).toBe(0);
    const other = await approve(await fx.stack.callerToken({ roles: ['Devices.Wipe'], upn: 'second.admin@contoso.com' }));
    expect(other.status).toBe(202);
    expect(other.body.actions.map((a: { state: string }) => a.state)).toEqual(['requested', 'requested', 'requested']);
    expect(emu().calls().byCmdlet['Clear-MobileDevice']).toBe(3);
    for (const g of targets) expect(emu().getDevice(g)!.accountOnlyDeviceWipeRequestTime).not.toBeNull();
  });

  test('When more devices are named than point reads suit, then the table is read as one projection and the selection is the same: every named device found, unknown ones skipped', async () => {
    const named = devices.map((d) => d.deviceGuid);
    const unknown = Array.from({ length: NAMED_SCAN_FROM - named.length + 10 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const r = await bulk({ action: 'block', devices: [...named, ...unknown], dryRun: true });
    expect(r.status).toBe(200);
    expect(r.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort()).toEqual([...named].sort());
    const byGuid = new Map(devices.map((d) => [d.deviceGuid, d]));
    for (const d of r.body.devices.slice(0, 50)) expect(d).toMatchObject({ name: byGuid.get(d.deviceGuid)!.name, mailbox: byGuid.get(d.deviceGuid)!.mailbox, deviceOs: byGuid.get(d.deviceGuid)!.deviceOs });
    expect(r.body.results.filter((x: { why: string }) => x.why === 'not in the inventory')).toHaveLength(unknown.length);
    expect(emu().calls().total).toBe(0);
  });

  test('When a bulk request names neither devices nor a filter, or both, or an unknown filter, then 400 naming it and nothing is touched', async () => {
    for (const body of [{ action: 'block' }, { action: 'block', devices: [devices[0].deviceGuid], filter: { stale: true } }, { action: 'block', filter: { colour: 'red' } }]) {
      const r = await bulk(body);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('ValidationError');
    }
    expect(emu().calls().total).toBe(0);
  });

  test('When a bulk names a collection, then it acts on exactly the devices Exchange shows in it (blocked: through the index), and the allow leaves none of them blocked in Exchange', async () => {
    // Five more blocked in Exchange itself, then a sync: the inventory and the index learn them.
    const extra = devices.filter((d) => d.deviceId && emu().getDevice(d.deviceGuid)!.accessState !== 'Blocked').slice(0, 5);
    for (const d of extra) emu().invoke('Set-CASMailbox', { Identity: d.mailbox, ActiveSyncBlockedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', add: [d.deviceId] } });
    await fx.runtime.sync.run({ kind: 'full' });
    emu().resetCounters();
    const blocked = emu().listDevices().filter((d) => d.accessState === 'Blocked').map((d) => d.guid).sort();
    expect(blocked.length).toBeGreaterThanOrEqual(5);

    const dry = await bulk({ action: 'allow', collection: 'blocked', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort()).toEqual(blocked);
    expect(emu().calls().byCmdlet['Set-CASMailbox'] ?? 0).toBe(0);

    const r = await bulk({ action: 'allow', collection: 'blocked' });
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({ done: blocked.length, failed: 0 });
    expect(emu().listDevices().filter((d) => d.accessState === 'Blocked')).toEqual([]);
    for (const g of blocked) {
      const d = emu().getDevice(g)!;
      expect(emu().getMailbox(d.mailbox.upn)!.blockedDeviceIds).not.toContain(d.deviceId);
    }
    const month = new Date().toISOString().slice(0, 7);
    const entry = (await fx.runtime.storage.audit.list(fx.stack.tenantId, month, { limit: 100_000 })).find((e) => e.action === 'bulk.allow' && e.outcome === 'started' && e.target === `bulk:${r.body.bulkId}`);
    expect(entry?.details).toMatchObject({ collection: 'blocked', filter: { accessState: 'Blocked' }, selected: blocked.length });
  });

  test('When a bulk filters by ActiveSync version, by filter or by the built-in collection, then both select exactly the partnerships Exchange reports below 16.1', async () => {
    const old = devices.filter((d) => d.clientType === 'EAS').slice(0, 4);
    for (const d of old) emu().updateDevice(d.deviceGuid, { activeSyncVersion: '14.1' });
    await fx.runtime.sync.run({ kind: 'full' });
    emu().resetCounters();
    const below = emu().listDevices().filter((d) => { const v = versionOf(d.activeSyncVersion); return v !== null && compareVersions(v, [16, 1]) < 0; }).map((d) => d.guid).sort();
    expect(below).toEqual(expect.arrayContaining(old.map((d) => d.deviceGuid)));

    const byFilter = await bulk({ action: 'block', filter: { activeSyncVersionBelow: '16.1' }, dryRun: true });
    const byCollection = await bulk({ action: 'block', collection: 'below-activesync-16-1', dryRun: true });
    for (const r of [byFilter, byCollection]) {
      expect(r.status).toBe(200);
      expect(r.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort()).toEqual(below);
    }
    expect(emu().calls().total).toBe(0);
  });

  test('When a bulk names an unknown collection, one of removed partnerships, or a collection beside devices or a filter, then 404 or 400 naming it and nothing is touched', async () => {
    const manage = await fx.stack.callerToken({ roles: ['Devices.Read', 'Devices.Manage'] });
    const put = await fetch(`${fx.host.url}/api/collections/gone-phones`, { method: 'PUT', body: JSON.stringify({ filter: { removed: true } }), headers: { 'content-type': 'application/json', authorization: `Bearer ${manage}` } });
    expect(put.status).toBe(201);

    const unknown = await bulk({ action: 'remove', collection: 'no-such-collection' });
    expect(unknown.status).toBe(404);
    const removed = await bulk({ action: 'remove', collection: 'gone-phones' });
    expect(removed.status).toBe(400);
    expect(removed.body.detail ?? removed.body.message).toMatch(/body\.collection/);
    const both = await bulk({ action: 'block', collection: 'stale', filter: { stale: true } });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toMatch(/not filter and collection/);
    const removedFilter = await bulk({ action: 'remove', filter: { removed: true } });
    expect(removedFilter.status).toBe(400);
    expect(emu().calls().total).toBe(0);
    expect((await fx.runtime.storage.bulks.running(fx.stack.tenantId)).length).toBe(0);
  });
});
