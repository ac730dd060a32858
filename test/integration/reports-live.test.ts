/**
 * The reports read when asked, end to end on the local host: wipes (the actions table)
 * and sync-health (the sync runs). Expectations come from the emulator (its wipe fields,
 * its call counters) and from the actions and syncruns tables read here, not from the
 * report.
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { isFinal } from '../../lib/domain/device-action';
import type { DeviceAction } from '../../lib/app/actions/ports';
import { newActionId } from '../../lib/app/actions/record';
import { useStackFixture } from '../support/stack-fixture';
import { expectCsvMatchesJson, reportClient } from './reports-harness';

const fx = useStackFixture({ stack: { seed: { devices: 80, mailboxes: 30, seed: 57 } }, host: {}, settings: { WIPES_PER_HOUR_BEFORE_APPROVAL: '1000' } });
const emu = () => fx.stack.emulator.control;
const get = reportClient(fx);
const DAY = 86_400_000;
const t = () => fx.stack.tenantId;
let devices: DeviceRecord[] = [];
const used = new Set<string>();

function pick(p: (d: DeviceRecord) => boolean = (d) => d.clientType === 'EAS' && d.isRemoteWipeSupported !== false && !d.wipeRequestTime && !d.accountOnlyWipeRequestTime): DeviceRecord {
  const d = devices.find((x) => !used.has(x.deviceGuid) && p(x));
  if (!d) throw new Error('no unused device left that matches');
  used.add(d.deviceGuid);
  return d;
}

async function post(route: string, body: unknown = {}) {
  const token = await fx.stack.callerToken({ roles: ['Devices.Read', 'Devices.Manage', 'Devices.Wipe'] });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

/** An action as an older one would have been stored: for the window and the open list. */
function oldAction(d: DeviceRecord, o: { kind: DeviceAction['kind']; state: DeviceAction['state']; daysAgo: number }): DeviceAction {
  const at = Date.now() - o.daysAgo * DAY;
  const iso = new Date(at).toISOString();
  return {
    tenantId: t(), actionId: newActionId(at), deviceGuid: d.deviceGuid, kind: o.kind, mode: o.kind === 'wipe' ? 'accountOnly' : null, state: o.state,
    requestedBy: 'old.admin@contoso.com', requestedAt: iso, reason: 'before this month', notify: [], removeAfterAcknowledged: false,
    device: { mailbox: d.mailbox, deviceId: d.deviceId, name: d.name, userUpn: d.userUpn, mailboxIdentity: d.userUpn ?? d.mailbox },
    submittedAt: iso, approval: null, bulkId: null, exchange: [], history: [{ at: iso, state: o.state, by: 'connector', note: `${o.state} long ago` }], updatedAt: iso,
  };
}

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(t())) devices.push(d);
  devices = devices.sort((a, b) => a.deviceGuid.localeCompare(b.deviceGuid));
});

describe('the wipes report', () => {
  test('When wipes are pending, acknowledged, cancelled, awaiting approval and old, then the report lists the pending ones and those of the last 30 days, as the actions table and Exchange hold them', async () => {
    const reason = 'Lost, "left in a taxi"\nZoë asked';
    const [a, b, c, d, oldDone, oldOpen, oldBlock] = [pick(), pick(), pick(), pick(), pick(), pick(), pick()];
    const requested = await post(`devices/${a.deviceGuid}/wipe`, { reason });
    expect(requested.status).toBe(202);
    expect((await post(`devices/${b.deviceGuid}/wipe`)).status).toBe(202);
    emu().checkIn(b.deviceGuid);
    emu().checkIn(b.deviceGuid);
    await fx.runtime.actions.followUp();
    expect((await post(`devices/${c.deviceGuid}/wipe`)).status).toBe(202);
    expect((await post(`devices/${c.deviceGuid}/wipe/cancel`)).status).toBe(200);
    const strict = await fx.newRuntime({ STORAGE_TABLE_PREFIX: fx.runtime.config.storage.tablePrefix, WIPES_PER_HOUR_BEFORE_APPROVAL: '0' });
    const waiting = await strict.actions.wipe({ id: 'alice@contoso.com', roles: ['Devices.Wipe'] }, { deviceGuid: d.deviceGuid, mode: 'accountOnly', notify: [], reason: null, removeAfterAcknowledged: false });
    expect(waiting.state).toBe('awaitingApproval');
    // Older than the window: an acknowledged wipe (left out), a wipe still pending (listed) and an open block (not a wipe).
    for (const x of [oldAction(oldDone, { kind: 'wipe', state: 'acknowledged', daysAgo: 35 }), oldAction(oldOpen, { kind: 'wipe', state: 'noContact', daysAgo: 40 }), oldAction(oldBlock, { kind: 'block', state: 'outcomeUnknown', daysAgo: 50 })]) {
      expect((await fx.runtime.storage.actions.begin(x)).begun).toBe(true);
    }

    const before = fx.runtime.reports.entitiesRead;
    const devicesBefore = fx.runtime.storage.read.deviceEntities;
    const r = await get('reports/wipes');
    const read = fx.runtime.reports.entitiesRead - before;
    expect(r.status).toBe(200);
    expect(fx.runtime.storage.read.deviceEntities).toBe(devicesBefore);

    // The actions table, read here device by device.
    const since = Date.now() - 30 * DAY;
    const stored: DeviceAction[] = [];
    for (const x of [a, b, c, d, oldDone, oldOpen, oldBlock]) stored.push(...(await fx.runtime.storage.actions.forDevice(t(), x.deviceGuid)));
    const expected = stored.filter((x) => x.kind === 'wipe' && (!isFinal(x.state) || Date.parse(x.requestedAt) >= since)).sort((x, y) => y.actionId.localeCompare(x.actionId));
    const pick6 = (x: { actionId: string; state: string; requestedBy: string; requestedAt: string; deviceGuid: string }) => [x.actionId, x.state, x.requestedBy, x.requestedAt, x.deviceGuid];
    expect(r.body.rows.map(pick6)).toEqual(expected.map(pick6));
    expect(r.body.rows.map((x: { deviceId: string; name: string; user: string }) => [x.deviceId, x.name, x.user])).toEqual(expected.map((x) => [x.device.deviceId, x.device.name, x.device.userUpn ?? x.device.mailbox]));
    expect(r.body).toMatchObject({ report: 'wipes', windowDays: 30, pending: 3, recent: 4 });
    const row = (g: string) => r.body.rows.find((x: { deviceGuid: string }) => x.deviceGuid === g);
    expect(row(a.deviceGuid)).toMatchObject({ state: 'requested', pending: true, reason, mode: 'accountOnly', name: a.name, deviceId: a.deviceId });
    expect(row(b.deviceGuid)).toMatchObject({ state: 'acknowledged', pending: false });
    expect(row(c.deviceGuid)).toMatchObject({ state: 'cancelled', pending: false });
    expect(row(d.deviceGuid)).toMatchObject({ state: 'awaitingApproval', pending: true, requestedBy: 'alice@contoso.com' });
    expect(row(oldOpen.deviceGuid)).toMatchObject({ state: 'noContact', pending: true });
    expect(row(oldDone.deviceGuid)).toBeUndefined();
    expect(row(oldBlock.deviceGuid)).toBeUndefined();
    // Exchange agrees: a's request is held and not acknowledged, b acknowledged, c's request withdrawn, d never sent.
    expect(emu().getDevice(a.deviceGuid)).toMatchObject({ accountOnlyDeviceWipeRequestTime: expect.any(String), accountOnlyDeviceWipeAckTime: null });
    expect(emu().getDevice(b.deviceGuid)!.accountOnlyDeviceWipeAckTime).not.toBeNull();
    expect(emu().getDevice(c.deviceGuid)!.accountOnlyDeviceWipeRequestTime).toBeNull();
    expect(emu().getDevice(d.deviceGuid)!.accountOnlyDeviceWipeRequestTime).toBeNull();
    // Read by key: the open rows (a, d, the old noContact wipe and the old block), the window's wipe index rows (a, b, c, d), then one action each.
    expect(read).toBe(4 + 4 + 6);

    const { header, json } = await expectCsvMatchesJson(get, 'wipes');
    expect(header).toEqual(['actionId', 'state', 'pending', 'mode', 'requestedBy', 'requestedAt', 'reason', 'deviceGuid', 'deviceId', 'name', 'user', 'mailbox', 'updatedAt', 'note']);
    expect(json.body.rows).toHaveLength(5);
    expect((await get('reports/wipes?format=csv')).text).toContain(',"Lost, ""left in a taxi""\nZoë asked",');
  });
});

describe('the sync-health report', () => {
  test('When syncs succeed, are throttled, lose a mailbox and fail, then sync-health shows each run as its record and Exchange counted it, and the mailboxes without statistics', async () => {
    const counted = new Map<string, { total: number; throttled: number }>();
    const run = async (kind: 'full' | 'delta') => {
      emu().resetCounters();
      try {
        const { run: r } = await fx.runtime.sync.run({ kind });
        counted.set(r.runId, { total: emu().calls().total, throttled: emu().calls().throttled });
        return r;
      } catch {
        return null;
      }
    };
    await run('delta');
    emu().setFaults({ throttleEveryK: 4, retryAfterSeconds: 0.05, onlyCmdlets: ['Get-MobileDeviceStatistics'] });
    const throttled = (await run('full'))!;
    emu().clearFaults();
    expect(throttled.throttled).toBeGreaterThan(0);
    const victim = emu().listDevices()[0].mailbox;
    emu().onNextCall('Get-MobileDeviceStatistics', () => emu().removeMailbox(victim.guid));
    const lossy = (await run('full'))!;
    expect(lossy.mailboxesWithoutStatistics?.count).toBe(1);
    emu().denyCmdlets(['Get-MobileDevice']);
    expect(await run('delta')).toBeNull();
    emu().allowAll();

    const before = fx.runtime.reports.entitiesRead;
    const r = await get('reports/sync-health');
    expect(r.status).toBe(200);
    expect(fx.runtime.reports.entitiesRead - before).toBeLessThanOrEqual(11);
    const runs = await fx.runtime.storage.runs.latest(t(), 10);
    expect(r.body.rows.map((x: { runId: string }) => x.runId)).toEqual(runs.map((x) => x.runId));
    for (const [i, x] of runs.entries()) {
      const calls = Object.values(x.callsByCmdlet).reduce((n, v) => n + v, 0);
      expect(r.body.rows[i]).toEqual({
        runId: x.runId, kind: x.kind, outcome: x.outcome, startedAt: x.startedAt, endedAt: x.endedAt,
        durationMs: x.endedAt ? Date.parse(x.endedAt) - Date.parse(x.startedAt) : null, activeMs: x.activeMs ?? null, invocations: x.invocations ?? 1,
        exchangeCalls: calls, throttled: x.throttled, retries: x.retries,
        seen: x.counts.seen, new: x.counts.new, changed: x.counts.changed, removed: x.counts.removed, stale: x.counts.stale, statisticsUnavailable: x.counts.statisticsUnavailable,
        mailboxesWithoutStatistics: x.mailboxesWithoutStatistics?.count ?? 0, error: x.error ?? null, callsByCmdlet: x.callsByCmdlet,
      });
      // What Exchange counted: every request is a call or its retry (one listing page each at this size), and the throttled answers.
      const e = counted.get(x.runId);
      if (e) expect({ runId: x.runId, requests: calls + x.retries, throttled: x.throttled }).toEqual({ runId: x.runId, requests: e.total, throttled: e.throttled });
    }
    expect([...counted.keys()].filter((id) => runs.some((x) => x.runId === id))).toHaveLength(3);
    const failed = r.body.rows[0];
    expect(failed).toMatchObject({ kind: 'delta', outcome: 'failed', error: expect.stringContaining('Get-MobileDevice') });
    expect(r.body.failedRuns).toBe(1);
    expect(r.body.mailboxesWithoutStatistics).toEqual({ runId: lossy.runId, count: 1, first: [{ mailbox: victim.name, reason: expect.stringMatching(/find|recipient/i) }] });
    expect(r.body.rows.find((x: { runId: string }) => x.runId === lossy.runId)).toMatchObject({ mailboxesWithoutStatistics: 1, statisticsUnavailable: lossy.counts.statisticsUnavailable });
    expect(r.body.rows.find((x: { runId: string }) => x.runId === throttled.runId).throttled).toBe(counted.get(throttled.runId)!.throttled);

    const { header } = await expectCsvMatchesJson(get, 'sync-health');
    expect(header.slice(0, 3)).toEqual(['runId', 'kind', 'outcome']);
    expect(header).toContain('callsByCmdlet.Get-MobileDeviceStatistics');
  });
});
