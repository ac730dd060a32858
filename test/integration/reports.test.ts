/**
 * The count reports end to end: the real function registrations on the local host,
 * Azurite, the identity provider and the Exchange emulator. Every expectation is counted
 * again here from the emulator's own devices (control.listDevices()), not from the store.
 */
import type { DeviceView } from '../../dev/exo-emulator/types';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 150, mailboxes: 60, seed: 31 } }, host: {} });
const emu = () => fx.stack.emulator.control;

async function get(route: string, roles = ['Devices.Read']) {
  const res = await fetch(`${fx.host.url}/api/${route}`, { headers: { authorization: `Bearer ${await fx.stack.callerToken({ roles })}` } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
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

/** What Exchange holds now, counted per report, as sorted [value, count] pairs. */
function expectedCounts(report: string): [string | null, number][] {
  const m = new Map<string | null, number>();
  for (const d of emu().listDevices()) m.set(VALUE_OF[report](d), (m.get(VALUE_OF[report](d)) ?? 0) + 1);
  return [...m].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

async function expectReportsMatchExchange(runId: string) {
  for (const report of Object.keys(VALUE_OF)) {
    const r = await get(`reports/${report}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ report, runId, total: emu().listDevices().length });
    const rows = r.body.rows as { value: string | null; count: number }[];
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].count).toBeGreaterThanOrEqual(rows[i].count);
    expect(rows.map((x) => [x.value, x.count]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual(expectedCounts(report));
  }
}

let fullRunId = '';
beforeAll(async () => {
  const { run } = await fx.runtime.sync.run({ kind: 'full' });
  expect(run.outcome).toBe('succeeded');
  expect(run.counts.outOfScope).toBe(0);
  fullRunId = run.runId;
});

describe('count reports', () => {
  test('When a full sync has stored the seeded devices, then each count report equals the counts of the devices Exchange holds', async () => {
    await expectReportsMatchExchange(fullRunId);
    // The emulator's seed has Outlook mobile devices, which carry no ActiveSync version.
    const versions = (await get('reports/devices-by-activesync-version')).body.rows;
    expect(versions).toEqual(expect.arrayContaining([expect.objectContaining({ value: null }), expect.objectContaining({ value: '16.1' })]));
    const os = (await get('reports/devices-by-os')).body;
    expect(os.exactOs.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(os.total);
  });

  test('When the reports are listed, then each of the six names its description and the run and time it reflects', async () => {
    const r = await get('reports');
    expect(r.status).toBe(200);
    expect(r.body.reports.map((x: { name: string }) => x.name)).toEqual(Object.keys(VALUE_OF));
    for (const x of r.body.reports) expect(x).toMatchObject({ runId: fullRunId, generatedAt: expect.any(String), description: expect.any(String) });
  });

  test('When an unknown report is asked, then the answer is 404 naming the known reports; without Devices.Read, 403', async () => {
    const r = await get('reports/devices-by-colour');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'ReportNotFound', knownReports: Object.keys(VALUE_OF) });
    expect((await get('reports/devices-by-os', ['Sync.Run'])).status).toBe(403);
  });

  test('When a report is read, then no device entity is read (one state entity holds every count)', async () => {
    const before = fx.runtime.storage.read.deviceEntities;
    for (const report of Object.keys(VALUE_OF)) expect((await get(`reports/${report}`)).status).toBe(200);
    expect((await get('reports')).status).toBe(200);
    expect(fx.runtime.storage.read.deviceEntities).toBe(before);
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

  test('When devices are gone from Exchange, then after the full sync that marks them removed they are not counted, also when the sync read the device table instead of its snapshot', async () => {
    const gone = emu().listDevices().slice(0, 3);
    for (const d of gone) emu().removeDevice(d.guid);
    // The next sync reads the device table back (the summaries' report values come from the entities then).
    await fx.runtime.storage.snapshots.invalidate(fx.stack.tenantId);
    const { run } = await fx.runtime.sync.run({ kind: 'full' });
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.removed).toBe(3);
    await expectReportsMatchExchange(run.runId);
    const delta = await fx.runtime.sync.run({ kind: 'delta' });
    await expectReportsMatchExchange(delta.run.runId);
  });
});
