/**
 * GET /api/audit end to end: the real function registrations on the local host, Azurite,
 * the identity provider and the emulator. Entries come from real actions through the
 * routes, or are appended through the audit repository at chosen times (months apart);
 * every test compares the answer with the entries the table holds.
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { declaredRoutes } from '../../lib/http/route';
import type { AuditEntry, StoredAuditEntry } from '../../lib/storage/audit-repository';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 20, mailboxes: 10, seed: 31 } }, host: {} });
let devices: DeviceRecord[] = [];

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId)) if (d.clientType === 'EAS' && d.deviceId) devices.push(d);
  devices = devices.sort((a, b) => a.deviceGuid.localeCompare(b.deviceGuid));
});

const reader = (upn = 'auditor@contoso.com') => fx.stack.callerToken({ roles: ['Devices.Read'], upn });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(method: string, route: string, o: { token?: string; body?: unknown } = {}): Promise<{ status: number; contentType: string | null; body: any }> {
  const res = await fetch(`${fx.host.url}${route.startsWith('/') ? route : `/api/${route}`}`, {
    method,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token ?? (await reader())}` },
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

/** Appends entries directly (the way every writer does), each at its own time. */
async function append(entries: Partial<AuditEntry>[]): Promise<StoredAuditEntry[]> {
  const out: StoredAuditEntry[] = [];
  for (const e of entries) {
    out.push(await fx.runtime.storage.audit.append({ tenantId: fx.stack.tenantId, at: new Date().toISOString(), actor: 'seed@contoso.com', action: 'test.seed', target: 'nothing', outcome: 'done', details: {}, ...e }));
  }
  return out;
}

const newestFirst = (xs: StoredAuditEntry[]) => [...xs].sort((a, b) => b.at.localeCompare(a.at));
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
const q = (params: Record<string, string>) => `audit?${new URLSearchParams(params)}`;

describe('listing', () => {
  test('When a synced device is blocked and then allowed through the routes, then GET /api/audit lists those entries newest first, with who did what', async () => {
    const d = devices[0];
    const manager = (upn: string) => fx.stack.callerToken({ roles: ['Devices.Manage'], upn });
    const block = await call('POST', `devices/${d.deviceGuid}/block`, { body: {}, token: await manager('blocker@contoso.com') });
    const allow = await call('POST', `devices/${d.deviceGuid}/allow`, { body: {}, token: await manager('allower@contoso.com') });
    expect([block.status, allow.status]).toEqual([200, 200]);

    const r = await call('GET', q({ device: d.deviceGuid }));
    expect(r.status).toBe(200);
    expect(r.body.nextLink).toBeUndefined();
    const entries = r.body.entries as StoredAuditEntry[];
    expect(entries).toHaveLength(4);
    // The allow's two entries (its Exchange call and the action) come before the block's.
    expect(new Set(entries.slice(0, 2).map((e) => `${e.action}:${e.actor}:${e.details.actionId}`))).toEqual(new Set([`device.allow:allower@contoso.com:${allow.body.actionId}`, `exchange.Set-CASMailbox:connector:${allow.body.actionId}`]));
    expect(new Set(entries.slice(2).map((e) => `${e.action}:${e.actor}:${e.details.actionId}`))).toEqual(new Set([`device.block:blocker@contoso.com:${block.body.actionId}`, `exchange.Set-CASMailbox:connector:${block.body.actionId}`]));
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort().reverse());
    expect(entries.every((e) => e.target === d.deviceGuid && e.outcome === 'done')).toBe(true);

    // The same entries as the table holds them for this month.
    const stored = (await fx.runtime.storage.audit.list(fx.stack.tenantId, new Date().toISOString().slice(0, 7))).filter((e) => e.target === d.deviceGuid);
    expect(new Set(ids(entries))).toEqual(new Set(ids(stored)));
    expect(await call('GET', q({ device: d.deviceGuid.toUpperCase() }))).toMatchObject({ status: 200, body: { entries: expect.arrayContaining(entries) } });
  });

  test('When another tenant has entries in the same table, then none of them is listed', async () => {
    const [mine] = await append([{ actor: 'tenant-check@contoso.com' }]);
    await fx.runtime.storage.audit.append({ tenantId: 'fabrikam.onmicrosoft.com', at: new Date().toISOString(), actor: 'tenant-check@contoso.com', action: 'test.seed', target: 'nothing', outcome: 'done', details: {} });
    const r = await call('GET', q({ actor: 'tenant-check@contoso.com' }));
    expect(ids(r.body.entries)).toEqual([mine.id]);
  });
});

describe('filters', () => {
  // A year of its own (2024), so entries of the other tests never fall in its range.
  const A = '6f1c2b0e-1111-4a4a-8b8b-000000000001';
  const B = '6f1c2b0e-2222-4a4a-8b8b-000000000002';
  let set: StoredAuditEntry[] = [];
  beforeAll(async () => {
    set = await append([
      { at: '2024-03-01T00:00:00.000Z', actor: 'ann@contoso.com', action: 'wipe.request', target: A },
      { at: '2024-03-05T10:00:00.000Z', actor: 'connector', action: 'exchange.Clear-MobileDevice', target: A },
      { at: '2024-03-09T08:30:00.000Z', actor: 'connector', action: 'wipe.state', target: A },
      { at: '2024-03-15T12:00:00.000Z', actor: 'bob@contoso.com', action: 'wipe.cancel', target: B },
      { at: '2024-03-31T23:59:59.999Z', actor: 'bob@contoso.com', action: 'device.block', target: B },
      { at: '2024-04-01T00:00:00.000Z', actor: 'ann@contoso.com', action: 'device.allow', target: B },
      { at: '2024-04-02T06:00:00.000Z', actor: 'ann@contoso.com', action: 'wipe.request', target: B },
      { at: '2024-04-20T18:00:00.000Z', actor: 'app:5b1e', action: 'wipeish.other', target: A },
      { at: '2024-05-10T09:00:00.000Z', actor: 'bob@contoso.com', action: 'device.remove', target: A },
      { at: '2024-06-01T00:00:00.000Z', actor: "o'brien@contoso.com", action: "device.block' or action ne '", target: B },
    ]);
  });
  const year = { from: '2024-01-01T00:00:00Z', to: '2024-12-31T23:59:59Z' };
  const expected = (p: (e: StoredAuditEntry) => boolean) => ids(newestFirst(set.filter(p)));
  const listed = async (params: Record<string, string>) => {
    const r = await call('GET', q(params));
    expect(r.status).toBe(200);
    return ids(r.body.entries);
  };

  test('When filtered by device, actor or action prefix, then exactly the matching entries are listed, newest first', async () => {
    expect(await listed({ ...year })).toEqual(expected(() => true));
    expect(await listed({ ...year, device: A })).toEqual(expected((e) => e.target === A));
    expect(await listed({ ...year, actor: 'ann@contoso.com' })).toEqual(expected((e) => e.actor === 'ann@contoso.com'));
    expect(await listed({ ...year, action: 'wipe.' })).toEqual(expected((e) => e.action.startsWith('wipe.')));
    expect(await listed({ ...year, action: 'wipe' })).toEqual(expected((e) => e.action.startsWith('wipe')));
    expect(await listed({ ...year, action: 'device.', actor: 'bob@contoso.com', device: B })).toEqual(expected((e) => e.action.startsWith('device.') && e.actor === 'bob@contoso.com' && e.target === B));
    expect(await listed({ ...year, actor: 'nobody@contoso.com' })).toEqual([]);
    // Quotes in a value stay inside its OData string.
    expect(await listed({ ...year, actor: "o'brien@contoso.com" })).toEqual(expected((e) => e.actor === "o'brien@contoso.com"));
    expect(await listed({ ...year, actor: "x' or actor ne '" })).toEqual([]);
  });

  test('When a time range is given, then it selects the entries from `from` to `to`, both inclusive, across months', async () => {
    const range = { from: '2024-03-09T08:30:00.000Z', to: '2024-04-01T00:00:00.000Z' };
    expect(await listed(range)).toEqual(expected((e) => e.at >= range.from && e.at <= range.to));
    expect(await listed(range)).toHaveLength(4);
    expect(await listed({ from: '2024-04-01', to: '2024-04-02T06:00:00+00:00' })).toEqual(expected((e) => e.at >= '2024-04-01' && e.at <= '2024-04-02T06:00:00.000Z'));
    expect(await listed({ from: '2024-03-31T23:59:59.999Z', to: '2024-04-01T00:00:00.000Z', device: B })).toEqual(expected((e) => e.target === B && e.at >= '2024-03-31T23:59:59.999Z' && e.at <= '2024-04-01T00:00:00.000Z'));
  });

  test('When no range is given, then the last 30 days are listed and nothing older', async () => {
    const [old] = await append([{ at: new Date(Date.now() - 31 * 86_400_000).toISOString(), actor: 'default-range@contoso.com' }]);
    const [recent] = await append([{ at: new Date(Date.now() - 29 * 86_400_000).toISOString(), actor: 'default-range@contoso.com' }]);
    expect(await listed({ actor: 'default-range@contoso.com' })).toEqual([recent.id]);
    expect(await listed({ actor: 'default-range@contoso.com', from: new Date(Date.now() - 40 * 86_400_000).toISOString() })).toEqual([recent.id, old.id]);
  });
});

describe('paging', () => {
  // December 2023 (3 entries) and November 2023 (4): a page holds the last of one month and the first of the other.
  let set: StoredAuditEntry[] = [];
  const range = { from: '2023-11-01T00:00:00Z', to: '2023-12-31T23:59:59Z' };
  beforeAll(async () => {
    set = await append(
      ['2023-11-03T01:00:00Z', '2023-11-12T02:00:00Z', '2023-11-20T03:00:00Z', '2023-11-30T23:59:59.500Z', '2023-12-01T00:00:00.250Z', '2023-12-07T05:00:00Z', '2023-12-24T06:00:00Z'].map((at) => ({ at: new Date(at).toISOString(), actor: 'pager@contoso.com', action: 'test.page' })),
    );
  });

  async function walk(first: string): Promise<{ pages: StoredAuditEntry[][]; links: string[] }> {
    const pages: StoredAuditEntry[][] = [];
    const links: string[] = [];
    let next: string | undefined = first;
    while (next) {
      const r = await call('GET', next);
      expect(r.status).toBe(200);
      pages.push(r.body.entries);
      next = r.body.nextLink;
      if (next) links.push(next);
      expect(pages.length).toBeLessThan(20);
    }
    return { pages, links };
  }

  test('When $top=2 is followed by nextLink to the end, then every entry comes exactly once, newest first, across the month boundary', async () => {
    const { pages, links } = await walk(`/api/${q({ ...range, $top: '2' })}`);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flat().map((e) => e.id)).toEqual(ids(newestFirst(set)));
    expect(pages[1].map((e) => e.at.slice(0, 7))).toEqual(['2023-12', '2023-11']);
    for (const link of links) {
      expect(link).toMatch(/^\/api\/audit\?/);
      expect(new URL(link, fx.host.url).searchParams.get('$top')).toBe('2');
    }
  });

  test('When the entries fill the last page exactly, then it carries no nextLink; the page size may change between pages', async () => {
    const exact = await walk(`/api/${q({ ...range, $top: '7' })}`);
    expect(exact.pages.map((p) => p.length)).toEqual([7]);
    const first = await call('GET', q({ ...range, $top: '3' }));
    const rest = new URL(first.body.nextLink, fx.host.url);
    rest.searchParams.set('$top', '1000');
    const second = await call('GET', `${rest.pathname}${rest.search}`);
    expect([...ids(first.body.entries), ...ids(second.body.entries)]).toEqual(ids(newestFirst(set)));
    expect(second.body.nextLink).toBeUndefined();
  });

  test('When a default range is paged, then nextLink carries the resolved range, so the next page answers the same query', async () => {
    await append([{ actor: 'default-pager@contoso.com' }, { actor: 'default-pager@contoso.com' }, { actor: 'default-pager@contoso.com' }]);
    const { pages, links } = await walk(`/api/${q({ actor: 'default-pager@contoso.com', $top: '2' })}`);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    const link = new URL(links[0], fx.host.url).searchParams;
    expect(Date.parse(link.get('to')!) - Date.parse(link.get('from')!)).toBe(30 * 86_400_000);
  });
});

describe('refusals', () => {
  // August 2023: three entries of their own, so a first page of two has a nextLink.
  const range = { from: '2023-08-01T00:00:00Z', to: '2023-08-31T23:59:59Z', $top: '2' };
  const problem = (r: { status: number; contentType: string | null; body: { errors?: { field: string; reason: string }[] } }) => {
    expect(r.status).toBe(400);
    expect(r.contentType).toBe('application/problem+json');
    return (r.body.errors ?? []).map((e) => `${e.field}: ${e.reason}`).join('\n');
  };
  let token = '';
  beforeAll(async () => {
    await append(['2023-08-02T10:00:00Z', '2023-08-12T10:00:00Z', '2023-08-22T10:00:00Z'].map((at) => ({ at: new Date(at).toISOString(), action: 'test.refusal' })));
    const first = await call('GET', q(range));
    token = new URL(first.body.nextLink, fx.host.url).searchParams.get('continuation')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('When the continuation token is edited, forged or taken to another query, then 400 naming continuation', async () => {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const reencode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const otherMonth = reencode({ ...decoded, m: '202307' });
    const otherRow = reencode({ ...decoded, k: `0${decoded.k.slice(1)}` });
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    for (const continuation of [otherMonth, otherRow, flipped, reencode({ ...decoded, h: undefined }), 'garbage', reencode(['x'])]) {
      expect(problem(await call('GET', q({ ...range, continuation })))).toMatch(/^query\.continuation: /);
    }
    // The token is bound to the query's filters and range: another actor, device or range refuses it.
    const others: Record<string, string>[] = [{ actor: 'pager@contoso.com' }, { device: '6f1c2b0e-1111-4a4a-8b8b-000000000001' }, { action: 'test.' }, { from: '2023-07-01T00:00:00Z' }];
    for (const other of others) {
      expect(problem(await call('GET', q({ ...range, ...other, continuation: token })))).toMatch(/^query\.continuation: /);
    }
    expect((await call('GET', q({ ...range, continuation: token }))).status).toBe(200);
  });

  test('When a parameter is unknown or bad, then 400 problem+json naming each', async () => {
    expect(problem(await call('GET', q({ ...range, colour: 'red', top: '5' })))).toMatch(/^query: unknown field\(s\): colour, top$/);
    const bad = problem(await call('GET', q({ from: 'yesterday', to: '2024-02-30', device: 'not-a-guid', action: 'wipe*', $top: '0' })));
    for (const field of ['from', 'to', 'device', 'action', '$top']) expect(bad.split('\n').filter((line) => line.startsWith(`query.${field}: `))).toHaveLength(1);
    expect(problem(await call('GET', q({ $top: '1001' })))).toMatch(/^query\.\$top: /);
    expect(problem(await call('GET', q({ from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' })))).toMatch(/^query\.to: must be after from/);
    const tooLong = await call('GET', q({ from: '2022-12-31T23:59:59Z', to: '2024-02-01T00:00:00Z' }));
    expect(problem(tooLong)).toMatch(/^query\.from: must be at most 13 months before to/);
    expect(tooLong.body.errors).toHaveLength(1);
    expect((await call('GET', q({ from: '2023-01-01T00:00:00Z', to: '2024-02-01T00:00:00Z' }))).status).toBe(200);
  });

  test('When the caller lacks Devices.Read, then 403; no route writes, changes or deletes audit entries', async () => {
    const r = await call('GET', 'audit', { token: await fx.stack.callerToken({ roles: ['Devices.Manage'] }) });
    expect(r.status).toBe(403);
    expect(r.body.requiredRole).toBe('Devices.Read');
    expect(declaredRoutes.filter((x) => /^audit\b/.test(x.route)).map((x) => x.method)).toEqual(['GET']);
    const before = await fx.runtime.storage.audit.list(fx.stack.tenantId, '2023-08');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect((await call(method, 'audit', { body: {} })).status).toBe(405);
    expect(await fx.runtime.storage.audit.list(fx.stack.tenantId, '2023-08')).toEqual(before);
    expect(before).toHaveLength(3);
  });
});
