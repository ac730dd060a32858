/**
 * Paging as the admin API does it: Prefer odata.maxpagesize, absolute nextLinks POSTed
 * with the same body and headers, single-use expiring skiptokens, and the "more results"
 * warning on every page that has a nextLink.
 */
import { PAGING_EXPIRED_TEXT, TRUNCATED_WARNING } from '../../dev/exo-emulator';
import { errorDetail, type Harness, readJson, startHarness, SYSTEM_ANCHOR } from './emulator-harness';

// Long enough for a loaded machine to fetch a page of 1000 devices before its link expires.
const NEXT_LINK_TTL_MS = 2000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ nextLinkTtlMs: NEXT_LINK_TTL_MS });
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.seed({ devices: 5000, mailboxes: 2000, seed: 11 });
  h.emulator.control.resetCounters();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('When 5,000 devices are listed at maxpagesize 1000, then five pages come back, every device once', async () => {
  const { pages, objects } = await h.listAll('Get-MobileDevice', { ResultSize: 'Unlimited' });
  expect(pages.map((p) => p.value.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
  expect(new Set(objects.map((o) => o.Guid)).size).toBe(5000);
  expect(pages[4]['@odata.nextLink']).toBeUndefined();
  for (const p of pages.slice(0, 4)) {
    expect(p['@odata.nextLink']).toMatch(new RegExp(`^${h.emulator.url}/adminapi/beta/${h.tenantId}/InvokeCommand\\?\\$skiptoken=.+`));
    expect(p['@adminapi.warnings']).toEqual([TRUNCATED_WARNING]);
  }
  expect(pages[4]['@adminapi.warnings']).toEqual([]);
  const calls = h.emulator.control.calls();
  expect(calls.pages).toBe(5);
  expect(calls.continuationPages).toBe(4);
  expect(calls.anchorMismatches).toBe(0);
  const log = h.emulator.control.callLog().filter((c) => c.cmdlet === 'Get-MobileDevice');
  expect(log.map((c) => c.page)).toEqual([1, 2, 3, 4, 5]);
  expect(new Set(log.map((c) => c.listingId)).size).toBe(1);
  expect(new Set(log.map((c) => c.anchorMailbox))).toEqual(new Set([SYSTEM_ANCHOR(h.tenantId)]));
  expect(log.every((c) => c.maxPageSize === 1000)).toBe(true);
});

it('When a page changes X-AnchorMailbox mid-listing, then it is refused like an expired link and the emulator counts the mismatch', async () => {
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  const res = await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'], anchorMailbox: 'UPN:someone@contoso.onmicrosoft.com' });
  expect(res.status).toBe(400);
  expect((await readJson(res)).error.message).toBe(PAGING_EXPIRED_TEXT);
  expect(h.emulator.control.calls().anchorMismatches).toBe(1);
});

it('When Prefer asks for more than 1000, then pages are capped at 1000; without Prefer they are 1000 too', async () => {
  expect((await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { maxPageSize: 5000 })).value).toHaveLength(1000);
  expect((await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { maxPageSize: null })).value).toHaveLength(1000);
  expect((await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { maxPageSize: 250 })).value).toHaveLength(250);
  const res = await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { maxPageSize: 5000 });
  expect(res.headers.get('preference-applied')).toBe('odata.maxpagesize=1000');
});

it('When a nextLink is used twice, then the second use gets 400 Expired or Invalid pagination request', async () => {
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  const link = first['@odata.nextLink']!;
  expect((await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: link })).status).toBe(200);
  const replay = await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: link });
  expect(replay.status).toBe(400);
  expect(replay.headers.get('x-exceptiontype')).toBe('System.Exception');
  const body = await readJson(replay);
  expect(body.error.message).toBe(PAGING_EXPIRED_TEXT);
  expect(body.error.innererror).toMatchObject({ type: 'System.Exception', message: PAGING_EXPIRED_TEXT });
  expect(body.error).not.toHaveProperty('details');
});

it('When a nextLink is used after it expired, then 400 Expired or Invalid pagination request', async () => {
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  await sleep(NEXT_LINK_TTL_MS + 100);
  const late = await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'] });
  expect(late.status).toBe(400);
  expect((await readJson(late)).error.message).toBe(PAGING_EXPIRED_TEXT);
});

it('When the emulator clock jumps past the expiry, then nextLinks expire too', async () => {
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  h.emulator.control.setClock(() => new Date(Date.now() + 31 * 60_000));
  try {
    expect((await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'] })).status).toBe(400);
  } finally {
    h.emulator.control.resetClock();
  }
});

it('When a nextLink is POSTed with another body, then it is refused as invalid', async () => {
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  const res = await h.invoke('Get-MobileDevice', { ResultSize: 4000 }, { url: first['@odata.nextLink'] });
  expect(res.status).toBe(400);
});

it('When an unknown skiptoken is sent, then 400', async () => {
  const res = await h.invoke('Get-MobileDevice', {}, { url: `${h.invokeUrl()}?$skiptoken=bm90LWEtdG9rZW4` });
  expect(res.status).toBe(400);
});

it('When Get-MobileDevice runs without ResultSize, then each page holds its page size and every page with a nextLink carries the warning', async () => {
  const { pages, objects } = await h.listAll('Get-MobileDevice', {}, { maxPageSize: 400 });
  expect(pages.map((p) => p.value.length)).toEqual([...Array(12).fill(400), 200]);
  expect(objects).toHaveLength(5000);
  expect(pages.slice(0, 12).every((p) => p['@odata.nextLink'] && p['@adminapi.warnings'].includes(TRUNCATED_WARNING))).toBe(true);
  expect(pages[12]['@adminapi.warnings']).toEqual([]);
});

it('When a listing is read to its end with a numeric ResultSize, then only its last page has no warning', async () => {
  const { pages, objects } = await h.listAll('Get-MobileDevice', { ResultSize: 5000 });
  expect(objects).toHaveLength(5000);
  expect(pages.map((p) => p['@adminapi.warnings'])).toEqual([[TRUNCATED_WARNING], [TRUNCATED_WARNING], [TRUNCATED_WARNING], [TRUNCATED_WARNING], []]);
});

it('When ResultSize is invalid, then 400 naming ResultSize', async () => {
  for (const ResultSize of [0, 'lots']) {
    const res = await h.invoke('Get-MobileDevice', { ResultSize });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res)).text).toContain("'ResultSize'");
  }
});

it('When devices are added and removed while a listing is paged, then nothing is duplicated and new devices come last', async () => {
  const { control } = h.emulator;
  const before = control.listDevices();
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  const seen = first.value.map((o) => o.Guid as string);
  const removedLater = before[4000];
  control.removeDevice(removedLater.guid);
  control.removeDevice(before[10].guid); // already listed
  const added = control.addDevice({ mailbox: before[0].mailbox.upn, deviceType: 'iPhone', deviceModel: 'iPhone17C1' });
  let url = first['@odata.nextLink'];
  while (url) {
    const page = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url });
    seen.push(...page.value.map((o) => o.Guid as string));
    url = page['@odata.nextLink'];
  }
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).not.toContain(removedLater.guid);
  expect(seen[seen.length - 1]).toBe(added.guid);
  expect(seen).toHaveLength(5000);
});

it("When a filter selects one device type, then pages hold only that type and together hold all of them", async () => {
  const expected = h.emulator.control.listDevices().filter((d) => d.deviceType === 'iPhone').length;
  const { objects } = await h.listAll('Get-MobileDevice', { ResultSize: 'Unlimited', Filter: "DeviceType -eq 'iPhone'" }, { maxPageSize: 300 });
  expect(objects).toHaveLength(expected);
  expect(objects.every((o) => o.DeviceType === 'iPhone')).toBe(true);
});

it('When a filter combines -like, -ne and -and, then it is applied like OPATH', async () => {
  const devices = h.emulator.control.listDevices();
  const expected = devices.filter((d) => d.deviceType.startsWith('SAMSUNG') && d.accessState !== 'Allowed');
  const { objects } = await h.listAll('Get-MobileDevice', {
    ResultSize: 'Unlimited',
    Filter: "(DeviceType -like 'SAMSUNG*') -and (DeviceAccessState -ne 'Allowed')",
  });
  expect(objects.map((o) => o.Guid).sort()).toEqual(expected.map((d) => d.guid).sort());
});

it('When a filter names a property Exchange does not filter devices on, then 400 ParsingNonFilterablePropertyException naming it', async () => {
  const res = await h.invoke('Get-MobileDevice', { Filter: "WhenChanged -gt '2024-01-01'" });
  expect(res.status).toBe(400);
  const detail = errorDetail(await readJson(res));
  expect(detail.type).toMatch(/\.ParsingNonFilterablePropertyException$/);
  expect(detail.text).toContain('"WhenChanged" is not a recognized filterable property');
});

it('When a filter is not valid OPATH, then 400 invalid filter syntax with the position', async () => {
  const res = await h.invoke('Get-MobileDevice', { Filter: "DeviceType -eq 'iPhone' -and" });
  expect(res.status).toBe(400);
  const detail = errorDetail(await readJson(res));
  expect(detail.type).toBe('System.Management.Automation.ParameterBindingException');
  expect(detail.text).toContain('Invalid filter syntax');
});

it('When mailboxes are listed with ResultSize Unlimited, then they page like devices', async () => {
  const { pages, objects } = await h.listAll('Get-Mailbox', { ResultSize: 'Unlimited' });
  expect(pages).toHaveLength(2);
  expect(objects).toHaveLength(2000);
  expect(objects[0]).toHaveProperty('UserPrincipalName');
});
