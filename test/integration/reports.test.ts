/**
 * The reports a sync computes, end to end: the real function registrations on the local
 * host, Azurite, the identity provider and the Exchange emulator. Every expectation is
 * computed again here from the emulator's own devices, mailboxes and policies
 * (control.listDevices(), getMailbox(), listPolicies()), not from the store.
 */
import type { DeviceView } from '../../dev/exo-emulator/types';
import { useStackFixture } from '../support/stack-fixture';
import { expectCsvMatchesJson, parseCsv, reportClient } from './reports-harness';

const fx = useStackFixture({ stack: { seed: { devices: 150, mailboxes: 60, seed: 31 } }, host: {} });
const emu = () => fx.stack.emulator.control;
const get = reportClient(fx);
const DAY = 86_400_000;

const COUNT_REPORTS = ['devices-by-os', 'devices-by-type', 'devices-by-model', 'devices-by-client-type', 'devices-by-access-state', 'devices-by-activesync-version'];
const ALL_REPORTS = [...COUNT_REPORTS, 'policy-compliance', 'wipes', 'stale-by-user', 'sync-health'];
const SYNC_REPORTS = [...COUNT_REPORTS, 'policy-compliance', 'stale-by-user'];

async function send(method: string, route: string, body: unknown, roles = ['Policies.Read', 'Policies.Manage']) {
  const token = await fx.stack.callerToken({ roles });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  await res.text();
  return res.status;
}

/** First word and major version, written again here: "iOS 16.7.10 20H350" -> "iOS 16". */
const osGroup = (os: string | null) => {
  if (!os) return null;
  const [word, version] = os.trim().split(/\s+/);
  const major = /^\d+/.exec(version ?? '')?.[0];
  return major ? `${word} ${major}` : word;
};
const VALUE_OF: Record<string, (d: DeviceView) => string | null> = {
  'devices-by-os': (d) => osGroup(d.deviceOs),
  'devices-by-type': (d) => d.deviceType || null,
  'devices-by-model': (d) => d.deviceModel || null,
  'devices-by-client-type': (d) => d.clientType || null,
  'devices-by-access-state': (d) => d.accessState || null,
  'devices-by-activesync-version': (d) => d.activeSyncVersion || null,
};

const sortPairs = <T extends unknown[]>(rows: T[]) => rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** What Exchange holds now, counted per report, as sorted [value, count] pairs. */
function expectedCounts(report: string): [string | null, number][] {
  const m = new Map<string | null, number>();
  for (const d of emu().listDevices()) m.set(VALUE_OF[report](d), (m.get(VALUE_OF[report](d)) ?? 0) + 1);
  return sortPairs([...m]);
}

/** The policy Exchange applies to a device: its mailbox's, else the default (Get-MobileDeviceStatistics' DevicePolicyApplied). */
function policyOf(d: DeviceView): string {
  return emu().getMailbox(d.mailbox.guid)?.mailboxPolicy ?? emu().listPolicies().find((p) => p.isDefault)!.name;
}
function expectedPolicyRows(): [string, string, number][] {
  const m = new Map<string, number>();
  for (const d of emu().listDevices()) {
    const k = JSON.stringify([policyOf(d), d.policyApplicationStatus]);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return sortPairs([...m].map(([k, n]) => [...(JSON.parse(k) as [string, string]), n]));
}

/** Stale as the README says: a last successful sync older than STALE_AFTER_DAYS (30); none given is never stale. */
const isStaleNow = (d: DeviceView) => d.lastSuccessSync !== null && Date.now() - Date.parse(d.lastSuccessSync) > 30 * DAY;
async function expectedStaleByUser(): Promise<[string, number, string[]][]> {
  const stale = emu().listDevices().filter(isStaleNow);
  // The readable names are the connector's (first-sync order); read from the stored records they must match.
  const records = await fx.runtime.storage.devices.getMany(fx.stack.tenantId, stale.map((d) => d.guid));
  const byUser = new Map<string, string[]>();
  for (const d of stale) byUser.set(d.mailbox.upn, [...(byUser.get(d.mailbox.upn) ?? []), records.get(d.guid.toLowerCase())!.name]);
  return sortPairs([...byUser].map(([u, names]) => [u, names.length, names.sort().slice(0, 10)]));
}

async function expectReportsMatchExchange(runId: string) {
  const total = emu().listDevices().length;
  for (const report of COUNT_REPORTS) {
    const r = await get(`reports/${report}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ report, runId, total });
    const rows = r.body.rows as { value: string | null; count: number }[];
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].count).toBeGreaterThanOrEqual(rows[i].count);
    expect(sortPairs(rows.map((x) => [x.value, x.count]))).toEqual(expectedCounts(report));
  }
  const policy = await get('reports/policy-compliance');
  expect(policy.body).toMatchObject({ report: 'policy-compliance', runId, total });
  expect(sortPairs(policy.body.rows.map((x: { policy: string; status: string; count: number }) => [x.policy, x.status, x.count]))).toEqual(expectedPolicyRows());
  const stale = await get('reports/stale-by-user');
  const expected = await expectedStaleByUser();
  expect(stale.body).toMatchObject({ report: 'stale-by-user', runId, staleAfterDays: 30, users: expected.length, devices: expected.reduce((n, x) => n + x[1], 0) });
  expect(sortPairs(stale.body.rows.map((x: { user: string; count: number; names: string[] }) => [x.user, x.count, x.names]))).toEqual(expected);
}

let fullRunId = '';
let staleUser = '';
beforeAll(async () => {
  // Two managed policies on a few mailboxes each: one Exchange holds as desired, one changed by hand whose repair Exchange refuses.
  const mailboxes = emu().listMailboxes().filter((m) => m.devices > 0);
  expect(await send('PUT', 'policies/Report%20Phones', { groups: { password: { passwordEnabled: true, minPasswordLength: 6 } } })).toBe(201);
  expect(await send('PUT', 'policies/Drifted%20Phones', { groups: { password: { passwordEnabled: true, minPasswordLength: 8 } } })).toBe(201);
  for (const m of mailboxes.slice(0, 5)) emu().invoke('Set-CASMailbox', { Identity: m.upn, ActiveSyncMailboxPolicy: 'Report Phones' });
  for (const m of mailboxes.slice(5, 8)) emu().invoke('Set-CASMailbox', { Identity: m.upn, ActiveSyncMailboxPolicy: 'drifted phones' });
  emu().invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Drifted Phones', MinPasswordLength: 4 });
  emu().failNext('Set-MobileDeviceMailboxPolicy', 1, { status: 400, exceptionType: 'InvalidOperationException', message: 'The policy is being changed by another administrator.' });
  await fx.runtime.reconcile.run();
  // A user with two devices left stale for 45 days, and a few application statuses moved.
  const owner = mailboxes.find((m) => m.devices >= 2)!;
  staleUser = owner.upn;
  for (const d of emu().listDevices().filter((x) => x.mailbox.upn === owner.upn).slice(0, 2)) emu().updateDevice(d.guid, { lastSuccessSync: new Date(Date.now() - 45 * DAY).toISOString() });
  for (const d of emu().listDevices().slice(10, 14)) emu().updateDevice(d.guid, { policyApplicationStatus: 'NotApplied' });
  const { run } = await fx.runtime.sync.run({ kind: 'full' });
  expect(run.outcome).toBe('succeeded');
  expect(run.counts.outOfScope).toBe(0);
  fullRunId = run.runId;
});

describe('reports computed by the sync', () => {
  test('When a full sync has stored the seeded devices, then each count report, policy-compliance and stale-by-user equal what Exchange holds', async () => {
    await expectReportsMatchExchange(fullRunId);
    // The emulator's seed has Outlook mobile devices, which carry no ActiveSync version.
    const versions = (await get('reports/devices-by-activesync-version')).body.rows;
    expect(versions).toEqual(expect.arrayContaining([expect.objectContaining({ value: null }), expect.objectContaining({ value: '16.1' })]));
    const os = (await get('reports/devices-by-os')).body;
    expect(os.exactOs.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(os.total);
    const stale = (await get('reports/stale-by-user')).body;
    expect(stale.rows.find((r: { user: string }) => r.user === staleUser)?.count).toBeGreaterThanOrEqual(2);
  });

  test('When managed policies are counted, then each row says whether the connector manages its policy and whether Exchange holds it as desired', async () => {
    const r = (await get('reports/policy-compliance')).body;
    const rowsOf = (policy: string) => r.rows.filter((x: { policy: string }) => x.policy === policy);
    const defaultPolicy = emu().listPolicies().find((p) => p.isDefault)!.name;
    // Exchange's side: Report Phones holds the desired length, Drifted Phones the hand-made one.
    expect(emu().getPolicy('Report Phones')!.settings.MinPasswordLength).toBe(6);
    expect(emu().getPolicy('Drifted Phones')!.settings.MinPasswordLength).toBe(4);
    expect(rowsOf('Report Phones').length).toBeGreaterThan(0);
    for (const x of rowsOf('Report Phones')) expect(x).toMatchObject({ managed: true, asDesired: true, checkedAt: expect.any(String) });
    expect(rowsOf('Drifted Phones').length).toBeGreaterThan(0);
    for (const x of rowsOf('Drifted Phones')) expect(x).toMatchObject({ managed: true, asDesired: false, checkedAt: expect.any(String) });
    for (const x of rowsOf(defaultPolicy)) expect(x).toMatchObject({ managed: false, asDesired: null, checkedAt: null });
    const devicesOf = (p: string) => emu().listDevices().filter((d) => policyOf(d) === p).length;
    expect(r.managedPolicies.map((p: { name: string }) => p.name).sort()).toEqual(['Drifted Phones', 'Report Phones']);
    for (const p of r.managedPolicies) expect(p.devices).toBe(devicesOf(p.name));
    for (let i = 1; i < r.rows.length; i++) expect(r.rows[i - 1].count).toBeGreaterThanOrEqual(r.rows[i].count);
  });

  test('When the reports are listed, then all ten name their description and source, and those a sync computes the run they reflect', async () => {
    const r = await get('reports');
    expect(r.status).toBe(200);
    expect(r.body.reports.map((x: { name: string }) => x.name)).toEqual(ALL_REPORTS);
    for (const x of r.body.reports) {
      const fromSync = SYNC_REPORTS.includes(x.name);
      expect(x).toMatchObject({ description: expect.any(String), source: fromSync ? 'sync' : 'live', runId: fromSync ? fullRunId : null, generatedAt: fromSync ? expect.any(String) : null });
    }
  });

  test('When a report name, format or query parameter is wrong, then 404 or 400 names it; without Devices.Read, 403', async () => {
    const unknown = await get('reports/devices-by-colour');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'ReportNotFound', knownReports: ALL_REPORTS });
    const format = await get('reports/wipes?format=xml');
    expect(format.status).toBe(400);
    expect(format.body.errors).toEqual([expect.objectContaining({ field: 'query.format' })]);
    const extra = await get('reports/devices-by-os?colour=red');
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toEqual([expect.objectContaining({ field: 'query', reason: expect.stringContaining('colour') })]);
    const listExtra = await get('reports?format=csv');
    expect(listExtra.status).toBe(400);
    expect(listExtra.body.errors).toEqual([expect.objectContaining({ field: 'query', reason: expect.stringContaining('format') })]);
    expect((await get('reports/devices-by-os', { roles: ['Sync.Run'] })).status).toBe(403);
    expect((await get('reports/stale-by-user?format=csv', { roles: ['Sync.Run'] })).status).toBe(403);
  });

  test('When each report is read, then it reads at most a few entities and never a device entity', async () => {
    const devicesBefore = fx.runtime.storage.read.deviceEntities;
    const managed = (await fx.runtime.storage.policies.list(fx.stack.tenantId)).length;
    const limits: Record<string, number> = { 'policy-compliance': 1 + managed, 'stale-by-user': 1, wipes: 2, 'sync-health': 10 + 1 };
    for (const report of ALL_REPORTS) {
      const before = fx.runtime.reports.entitiesRead;
      expect((await get(`reports/${report}`)).status).toBe(200);
      const read = fx.runtime.reports.entitiesRead - before;
      expect({ report, read, atMost: read <= (limits[report] ?? 1) }).toEqual({ report, read, atMost: true });
    }
    const before = fx.runtime.reports.entitiesRead;
    expect((await get('reports')).status).toBe(200);
    expect(fx.runtime.reports.entitiesRead - before).toBe(2);
    expect(fx.runtime.storage.read.deviceEntities).toBe(devicesBefore);
  });

  test('When a report is asked as CSV, then it holds a header and the same rows as its JSON, and free text is quoted as RFC 4180 says', async () => {
    const d = emu().listDevices().find((x) => x.clientType === 'EAS')!;
    const other = emu().listDevices().find((x) => x.clientType === 'EAS' && x.guid !== d.guid)!;
    emu().updateDevice(d.guid, { deviceModel: 'Pixel "8", Pro\r\nZoë Édition' });
    emu().updateDevice(other.guid, { deviceModel: '=HYPERLINK("x")' });
    const { run } = await fx.runtime.sync.run({ kind: 'delta' });
    expect(run.counts.changed).toBe(2);
    for (const report of SYNC_REPORTS) await expectCsvMatchesJson(get, report);
    const csv = await get('reports/devices-by-model?format=csv');
    expect(csv.text.startsWith('value,count\r\n')).toBe(true);
    expect(csv.text).toContain('\r\n"Pixel ""8"", Pro\r\nZoë Édition",1\r\n');
    expect(csv.text).toContain(`\r\n"'=HYPERLINK(""x"")",1\r\n`);
    expect(parseCsv(csv.text).find((l) => l[0].startsWith('Pixel "'))).toEqual(['Pixel "8", Pro\r\nZoë Édition', '1']);
    // Accept naming JSON as well keeps JSON, the default.
    expect((await get('reports/devices-by-model', { accept: 'text/csv, application/json' })).contentType).toContain('application/json');
    const stale = await expectCsvMatchesJson(get, 'stale-by-user');
    expect(stale.header).toEqual(['user', 'count', 'names']);
    await expectReportsMatchExchange(run.runId);
  });

  test('When a device changes its OS in Exchange and a delta sync runs, then the OS report follows', async () => {
    const d = emu().listDevices().find((x) => x.clientType === 'EAS')!;
    emu().updateDevice(d.guid, { deviceOs: 'Android 99.0.1' });
    const { run } = await fx.runtime.sync.run({ kind: 'delta' });
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.changed).toBe(1);
    const os = (await get('reports/devices-by-os')).body;
    expect(os.rows).toContainEqual({ value: 'Android 99', count: 1 });
    await expectReportsMatchExchange(run.runId);
  });

  test('When a stale device syncs again, a device becomes stale and a policy status changes, then after a full sync stale-by-user and policy-compliance follow', async () => {
    const mine = emu().listDevices().filter((x) => x.mailbox.upn === staleUser && isStaleNow(x));
    for (const d of mine) emu().updateDevice(d.guid, { lastSuccessSync: new Date().toISOString() });
    const newlyStale = emu().listDevices().find((x) => x.mailbox.upn !== staleUser && x.lastSuccessSync !== null && !isStaleNow(x))!;
    emu().updateDevice(newlyStale.guid, { lastSuccessSync: new Date(Date.now() - 31 * DAY).toISOString(), policyApplicationStatus: 'PartiallyApplied' });
    const { run } = await fx.runtime.sync.run({ kind: 'full' });
    expect(run.outcome).toBe('succeeded');
    const stale = (await get('reports/stale-by-user')).body;
    expect(stale.rows.find((r: { user: string }) => r.user === staleUser)).toBeUndefined();
    expect(stale.rows.find((r: { user: string }) => r.user === newlyStale.mailbox.upn)).toBeDefined();
    await expectReportsMatchExchange(run.runId);
  });

  test('When devices are gone from Exchange, then after the full sync that marks them removed they are not counted, also when the sync read the device table instead of its snapshot', async () => {
    const gone = [...new Set([...emu().listDevices().filter(isStaleNow).slice(0, 1), ...emu().listDevices().slice(0, 2)].map((d) => d.guid))];
    for (const g of gone) emu().removeDevice(g);
    // The next sync reads the device table back (the summaries' report keys come from the entities then).
    await fx.runtime.storage.snapshots.invalidate(fx.stack.tenantId);
    const { run } = await fx.runtime.sync.run({ kind: 'full' });
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.removed).toBe(gone.length);
    await expectReportsMatchExchange(run.runId);
    // And a delta from the snapshot that full sync saved agrees.
    const delta = await fx.runtime.sync.run({ kind: 'delta' });
    await expectReportsMatchExchange(delta.run.runId);
  });

  test('When the inventory snapshot was saved by the previous version, then the next sync reads the device table once instead, and its reports are right', async () => {
    const { run: saved } = await fx.runtime.sync.run({ kind: 'delta' });
    expect(saved.outcome).toBe('succeeded');
    // A format 2 head: rows whose keys hold no policy pair and no owner.
    await fx.runtime.storage.tables.state.updateEntity({ partitionKey: fx.stack.tenantId.toLowerCase(), rowKey: 'snapshot', format: 2 }, 'Merge');
    const before = fx.runtime.storage.read.deviceEntities;
    const { run } = await fx.runtime.sync.run({ kind: 'delta' });
    const stored = run.inventory!.active + run.inventory!.removed;
    expect(fx.runtime.storage.read.deviceEntities - before).toBe(stored);
    await expectReportsMatchExchange(run.runId);
    const again = fx.runtime.storage.read.deviceEntities;
    await fx.runtime.sync.run({ kind: 'delta' });
    expect(fx.runtime.storage.read.deviceEntities).toBe(again);
  });

  test('When the OpenAPI document is read, then both report routes are in it with their format parameter, the ten names and JSON and CSV answers', async () => {
    const token = await fx.stack.callerToken({ roles: ['Devices.Read'] });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = (await (await fetch(`${fx.host.url}/api/openapi.json`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
    expect(doc.paths['/api/reports'].get['x-app-role']).toBe('Devices.Read');
    const op = doc.paths['/api/reports/{name}'].get;
    expect(op['x-app-role']).toBe('Devices.Read');
    expect(op.parameters.find((p: { name: string }) => p.name === 'format')).toMatchObject({ in: 'query', schema: { enum: ['json', 'csv'] } });
    const name = op.parameters.find((p: { name: string }) => p.name === 'name');
    for (const n of ALL_REPORTS) expect(name.description).toContain(n);
    const ok = op.responses['200'].content;
    expect(Object.keys(ok).sort()).toEqual(['application/json', 'text/csv']);
    const text = JSON.stringify(ok['application/json'].schema);
    for (const n of ALL_REPORTS) expect(text).toContain(`"${n}"`);
  });
});
