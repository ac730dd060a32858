/**
 * GET /api/devices after a full sync of the emulator's seeded devices: each filter returns
 * exactly the devices computed here from the emulator's own data, paging returns every
 * device exactly once (also while a sync rewrites records beside it), and a bad parameter
 * is a 400 naming it with no table read.
 */
import { isStale } from '../../lib/domain/inventory';
import type { DeviceView } from '../../dev/exo-emulator';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 700, mailboxes: 260, seed: 61 } }, host: {} });
let inExchange: DeviceView[] = [];

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  inExchange = fx.stack.emulator.control.listDevices();
}, 120_000);

async function get(path: string) {
  const token = await fx.stack.callerToken({ roles: ['Devices.Read'] });
  const res = await fetch(`${fx.host.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}

/** Every page of a listing: the guids in the order given. */
async function all(query: string, top = 1000): Promise<string[]> {
  const out: string[] = [];
  let next: string | undefined = `/api/devices?${query}${query ? '&' : ''}$top=${top}`;
  for (let pages = 0; next && pages < 200; pages++) {
    const r = await get(next);
    expect(r.status).toBe(200);
    out.push(...r.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid));
    next = r.body.nextLink;
  }
  return out;
}
const sorted = (xs: string[]) => [...xs].map((x) => x.toLowerCase()).sort();
const expected = (p: (d: DeviceView) => boolean) => sorted(inExchange.filter(p).map((d) => d.guid));

test('When the inventory is listed unfiltered in small pages, then every device of Exchange comes exactly once', async () => {
  const guids = await all('', 97);
  expect(guids.length).toBe(inExchange.length);
  expect(new Set(guids).size).toBe(guids.length);
  expect(sorted(guids)).toEqual(expected(() => true));
});

test('When a filter is given, then exactly the devices of Exchange that match it come back', async () => {
  const now = new Date();
  const firstIos = inExchange.find((d) => d.deviceOs?.startsWith('iOS'))!.deviceOs!.split(' ').slice(0, 2).join(' ');
  const someUser = inExchange[0].mailbox;
  const cases: [string, (d: DeviceView) => boolean][] = [
    ['deviceType=iphone', (d) => d.deviceType.toLowerCase() === 'iphone'],
    [`os=${encodeURIComponent(firstIos)}`, (d) => (d.deviceOs ?? '').toLowerCase().startsWith(firstIos.toLowerCase())],
    ['clientType=Outlook', (d) => d.clientType === 'Outlook'],
    ['accessState=Quarantined', (d) => d.accessState === 'Quarantined'],
    ['stale=true', (d) => isStale(d.lastSuccessSync, now, 30)],
    ['stale=false&clientType=EAS', (d) => !isStale(d.lastSuccessSync, now, 30) && d.clientType === 'EAS'],
    [`user=${encodeURIComponent(someUser.upn.slice(0, 6).toUpperCase())}`, (d) => [d.mailbox.upn, d.mailbox.primarySmtpAddress, d.mailbox.displayName].some((v) => v.toLowerCase().startsWith(someUser.upn.slice(0, 6).toLowerCase()))],
    ['lastSyncBefore=2026-06-01T00:00:00Z', (d) => !!d.lastSuccessSync && Date.parse(d.lastSuccessSync) < Date.parse('2026-06-01T00:00:00Z')],
    ['activeSyncVersionAtLeast=16.1', (d) => !!d.activeSyncVersion && Number(d.activeSyncVersion.split('.')[0]) * 100 + Number(d.activeSyncVersion.split('.')[1] ?? 0) >= 1601],
    ['lastSyncAfter=2026-11-01T00:00:00Z&deviceType=iPhone', (d) => !!d.lastSuccessSync && Date.parse(d.lastSuccessSync) > Date.parse('2026-11-01T00:00:00Z') && d.deviceType === 'iPhone'],
  ];
  for (const [q, p] of cases) {
    const want = expected(p);
    expect({ q, n: want.length > 0 }).toEqual({ q, n: true });
    expect({ q, got: sorted(await all(q, 50)) }).toEqual({ q, got: want });
  }
});

test('When a device is removed from Exchange, then it leaves the default listing and shows with removed=true', async () => {
  const gone = inExchange.find((d) => d.clientType === 'EAS')!;
  fx.stack.emulator.control.removeDevice(gone.guid);
  await fx.runtime.sync.run({ kind: 'full' });
  expect(await all('')).not.toContain(gone.guid.toLowerCase());
  expect(await all('removed=true')).toContain(gone.guid.toLowerCase());
  inExchange = fx.stack.emulator.control.listDevices();
});

test('When a sync runs beside the paging, then every device present throughout still comes exactly once', async () => {
  for (const d of inExchange.slice(0, 150)) fx.stack.emulator.control.updateDevice(d.guid, { deviceOs: `${d.deviceOs ?? 'OS'} .1` });
  const listing = all('', 40);
  const sync = fx.runtime.sync.run({ kind: 'delta' });
  const [guids] = await Promise.all([listing, sync]);
  expect(new Set(guids).size).toBe(guids.length);
  expect(sorted(guids)).toEqual(expected(() => true));
});

test('When an indexed filter is paged while a sync runs beside it, then each of its devices comes exactly once', async () => {
  // The sync rewrites every quarantined record (and its entry) and ends with the index repair while the pages are read.
  for (const d of inExchange.filter((x) => x.accessState !== 'Allowed' || x.clientType === 'Outlook')) fx.stack.emulator.control.updateDevice(d.guid, { deviceOs: `${d.deviceOs ?? 'OS'} .2` });
  const quarantined = expected((d) => d.accessState === 'Quarantined');
  const blocked = expected((d) => d.accessState === 'Blocked');
  let done = false;
  const sync = fx.runtime.sync.run({ kind: 'full' }).finally(() => (done = true));
  // Whole listings one after the other for as long as the sync writes and repairs.
  let listings = 0;
  while (!done || listings === 0) {
    const [q, b] = await Promise.all([all('accessState=Quarantined', 1), all('accessState=Blocked', 2)]);
    for (const [guids, want] of [[q, quarantined], [b, blocked]] as const) {
      expect(new Set(guids).size).toBe(guids.length);
      expect(sorted(guids)).toEqual(want);
      expect(guids.length).toBeGreaterThanOrEqual(3);
    }
    listings++;
  }
  await sync;
  expect(listings).toBeGreaterThan(1);
  inExchange = fx.stack.emulator.control.listDevices();
});

test('When a parameter is unknown or bad, or the continuation edited, then 400 names it and no device entity is read', async () => {
  const first = await get('/api/devices?deviceType=iPhone&$top=5');
  const token = new URL(first.body.nextLink, 'http://x').searchParams.get('continuation')!;
  // The same tables, served by a runtime whose device reads are counted.
  await fx.withRuntime(fx.settings({ STORAGE_TABLE_PREFIX: fx.runtime.config.storage.tablePrefix }), async (r) => {
    let reads = 0;
    const queryPage = r.storage.devices.queryPage.bind(r.storage.devices);
    r.storage.devices.queryPage = (t, q) => (reads++, queryPage(t, q));
    expect((await get('/api/devices?deviceType=iPhone&$top=5')).status).toBe(200);
    expect(reads).toBe(1); // the counter sees the reads of this runtime
    reads = 0;
    for (const [q, field] of [['colour=red', 'query'], ['$top=0', 'query.$top'], ['$top=1001', 'query.$top'], ['stale=yes', 'query.stale'], ['lastSyncBefore=2026-02-31', 'query.lastSyncBefore'], ['accessState=Open', 'query.accessState'], ['continuation=%21%21', 'query.continuation'], [`deviceType=Outlook&$top=5&continuation=${token}`, 'query.continuation'], [`deviceType=iPhone&$top=5&continuation=${token.slice(0, -2)}AA`, 'query.continuation']] as const) {
      const res = await get(`/api/devices?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect({ q, named: res.body.errors.some((e: { field: string }) => e.field.startsWith(field)) }).toEqual({ q, named: true });
    }
    expect(reads).toBe(0);
  });
});

describe('sorted listings ($orderby)', () => {
  const byUpnThenGuid = (a: DeviceView, b: DeviceView) => {
    const [x, y] = [a.mailbox.upn.toLowerCase(), b.mailbox.upn.toLowerCase()];
    return x !== y ? (x < y ? -1 : 1) : a.guid.toLowerCase() < b.guid.toLowerCase() ? -1 : 1;
  };

  test('When the inventory is listed by user in small pages, then every device comes once, in that order, ties by guid', async () => {
    const guids = await all('$orderby=userUpn', 53);
    expect(guids).toEqual([...inExchange].sort(byUpnThenGuid).map((d) => d.guid.toLowerCase()));
  });

  test('When listed by last sync newest first, then the times descend and devices without one come last', async () => {
    const token = await fx.stack.callerToken({ roles: ['Devices.Read'] });
    const seen: { guid: string; at: string | null }[] = [];
    let next: string | undefined = `/api/devices?$orderby=${encodeURIComponent('lastSuccessSync desc')}&$top=71`;
    while (next) {
      const res = await fetch(`${fx.host.url}${next}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { devices: { deviceGuid: string; lastSuccessSync: string | null }[]; nextLink?: string };
      seen.push(...body.devices.map((d) => ({ guid: d.deviceGuid, at: d.lastSuccessSync })));
      next = body.nextLink;
    }
    expect(sorted(seen.map((s) => s.guid))).toEqual(expected(() => true));
    const times = seen.map((s) => (s.at ? Date.parse(s.at) : null));
    const firstUnknown = times.indexOf(null);
    expect(firstUnknown).toBeGreaterThan(0); // Outlook devices report no sync time
    expect(times.slice(firstUnknown).every((t) => t === null)).toBe(true);
    const known = times.slice(0, firstUnknown) as number[];
    expect(known.every((t, i) => i === 0 || known[i - 1]! >= t)).toBe(true);
  });

  test('When a filter with an index is sorted, then exactly its devices come in the order asked', async () => {
    const guids = await all(`accessState=Quarantined&$orderby=${encodeURIComponent('userUpn desc')}`, 2);
    const want = inExchange.filter((d) => d.accessState === 'Quarantined').sort(byUpnThenGuid).reverse();
    // Ties (one user's devices) stay in guid order in either direction.
    const grouped = want.sort((a, b) => (a.mailbox.upn.toLowerCase() === b.mailbox.upn.toLowerCase() ? (a.guid.toLowerCase() < b.guid.toLowerCase() ? -1 : 1) : a.mailbox.upn.toLowerCase() < b.mailbox.upn.toLowerCase() ? 1 : -1));
    expect(guids).toEqual(grouped.map((d) => d.guid.toLowerCase()));
    expect(guids.length).toBeGreaterThan(2);
  });

  test('When the sort is unknown, asked with CSV, or its continuation used with another order, then 400 names the parameter', async () => {
    const first = await get('/api/devices?$orderby=deviceModel&$top=5');
    expect(first.status).toBe(200);
    const token = new URL(first.body.nextLink, 'http://x').searchParams.get('continuation')!;
    for (const [q, field] of [
      ['$orderby=colour', 'query.$orderby'],
      ['$orderby=name%20sideways', 'query.$orderby'],
      ['$orderby=name&format=csv', 'query.$orderby'],
      [`$orderby=deviceModel%20desc&$top=5&continuation=${token}`, 'query.continuation'],
      [`$top=5&continuation=${token}`, 'query.continuation'],
    ] as const) {
      const res = await fetch(`${fx.host.url}/api/devices?${q}`, { headers: { authorization: `Bearer ${await fx.stack.callerToken({ roles: ['Devices.Read'] })}` } });
      const body = (await res.json()) as { errors: { field: string }[] };
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect({ q, named: body.errors.some((e) => e.field.startsWith(field)) }).toEqual({ q, named: true });
    }
  });
});
