/**
 * The emulator tells the truth about paging and the tenant's limits (reference "Paging",
 * corrected): the "more results" warning on every page that has a nextLink, a numeric
 * ResultSize that still gets a link, pages refused when asked with another anchor or
 * tenant than page 1 (and after a vanity domain), and the per-tenant concurrency limit.
 * Raw HTTP against the emulator, not the connector's client.
 */
import { CONCURRENCY_TEXT, PAGING_EXPIRED_TEXT, TRUNCATED_WARNING } from '../../dev/exo-emulator';
import { type Harness, readJson, startHarness, SYSTEM_ANCHOR, TENANT_DOMAIN } from './emulator-harness';

const VANITY = 'contoso.com';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ tenantDomains: [TENANT_DOMAIN, VANITY] });
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.seed({ devices: 2500, mailboxes: 900, seed: 77 });
  h.emulator.control.clearFaults();
  h.emulator.control.resetCounters();
});

/** Asserts Exchange's answer to an expired, replayed or foreign page link. */
async function expectExpiredLink(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  const body = await readJson(res);
  expect(body.error.message).toBe(PAGING_EXPIRED_TEXT);
  expect(body.error.innererror.type).toBe('System.Exception');
  expect(body.error).not.toHaveProperty('details');
}

describe('ResultSize and the more-results warning', () => {
  it('When ResultSize 1 is asked and more devices exist, then one device comes with a nextLink and the warning, and the link serves the next one', async () => {
    const first = await h.ok('Get-MobileDevice', { ResultSize: 1 });
    expect(first.value).toHaveLength(1);
    expect(first['@odata.nextLink']).toBeDefined();
    expect(first['@adminapi.warnings']).toEqual([TRUNCATED_WARNING]);
    const second = await h.ok('Get-MobileDevice', { ResultSize: 1 }, { url: first['@odata.nextLink'] });
    expect(second.value).toHaveLength(1);
    expect(second.value[0].Guid).not.toBe(first.value[0].Guid);
    expect(h.emulator.control.listDevices().slice(0, 2).map((d) => d.guid)).toEqual([first.value[0].Guid, second.value[0].Guid]);
  });

  it('When ResultSize Unlimited spans pages, then every page with a nextLink carries the warning and the last one does not', async () => {
    const { pages } = await h.listAll('Get-MobileDevice', { ResultSize: 'Unlimited' });
    expect(pages.map((p) => p.value.length)).toEqual([1000, 1000, 500]);
    expect(pages.map((p) => [Boolean(p['@odata.nextLink']), p['@adminapi.warnings']])).toEqual([
      [true, [TRUNCATED_WARNING]],
      [true, [TRUNCATED_WARNING]],
      [false, []],
    ]);
  });

  it('When Prefer odata.maxpagesize is below a numeric ResultSize, then the page size rules; above it, the ResultSize does', async () => {
    const small = await h.ok('Get-MobileDevice', { ResultSize: 700 }, { maxPageSize: 300 });
    expect(small.value).toHaveLength(300);
    expect(small['@odata.nextLink']).toBeDefined();
    const capped = await h.ok('Get-MobileDevice', { ResultSize: 700 }, { maxPageSize: 1000 });
    expect(capped.value).toHaveLength(700);
    expect(capped['@adminapi.warnings']).toEqual([TRUNCATED_WARNING]);
  });

  it('When a numeric ResultSize covers everything that matches, then there is no nextLink and no warning', async () => {
    const body = await h.ok('Get-MobileDevice', { ResultSize: 10, Filter: `DeviceId -eq '${h.emulator.control.listDevices()[3].deviceId}'` });
    expect(body.value).toHaveLength(1);
    expect(body['@odata.nextLink']).toBeUndefined();
    expect(body['@adminapi.warnings']).toEqual([]);
  });
});

describe('pages that must go like page 1', () => {
  it('When page 2 is asked with another tenant in the URL than page 1, then it is refused like an expired link', async () => {
    const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
    const link = first['@odata.nextLink']!.replace(`/adminapi/beta/${h.tenantId}/`, `/adminapi/beta/${TENANT_DOMAIN}/`);
    await expectExpiredLink(await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: link }));
  });

  it('When page 2 is asked with another X-AnchorMailbox than page 1, then it is refused like an expired link, and the link is spent', async () => {
    const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
    const url = first['@odata.nextLink'];
    await expectExpiredLink(await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url, anchorMailbox: SYSTEM_ANCHOR(TENANT_DOMAIN) }));
    await expectExpiredLink(await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url }));
  });

  it('When the tenant GUID or its onmicrosoft.com domain is in the URL and anchor, then every page is served', async () => {
    for (const tenant of [h.tenantId, TENANT_DOMAIN]) {
      const { objects } = await h.listAll('Get-MobileDevice', { ResultSize: 'Unlimited' }, { tenant, anchorMailbox: SYSTEM_ANCHOR(tenant) });
      expect(objects).toHaveLength(2500);
    }
  });

  it('When page 1 names the tenant by a vanity domain in the URL, then page 1 works and page 2 fails like an expired link', async () => {
    const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { tenant: VANITY });
    expect(first.value).toHaveLength(1000);
    expect(first['@odata.nextLink']).toContain(`/adminapi/beta/${VANITY}/InvokeCommand?`);
    await expectExpiredLink(await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'], tenant: VANITY }));
  });

  it('When page 1 goes with an anchor in a vanity domain, then page 2 with the same anchor fails like an expired link', async () => {
    const anchorMailbox = `UPN:alex.wilber@${VANITY}`;
    const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { anchorMailbox });
    await expectExpiredLink(await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'], anchorMailbox }));
  });
});

describe('tenant concurrency limit', () => {
  /** Holds the next call of a cmdlet inside the emulator (in flight) until released. */
  function holdNextCall(cmdlet: string): { entered: Promise<void>; release(): void } {
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inside = new Promise<void>((r) => (entered = r));
    h.emulator.control.onNextCall(cmdlet, async () => {
      entered();
      await gate;
    });
    return { entered: inside, release };
  }

  it('When no limit is set, then calls in flight together are all served', async () => {
    const held = holdNextCall('Get-MobileDevice');
    const first = h.invoke('Get-MobileDevice', { ResultSize: 1 });
    await held.entered;
    const others = await Promise.all([1, 2, 3].map(() => h.invoke('Get-Mailbox', { ResultSize: 1 })));
    held.release();
    expect([(await first).status, ...others.map((r) => r.status)]).toEqual([200, 200, 200, 200]);
  });

  it('When more calls are in flight than the limit, then the extra call answers 429 with the per-tenant concurrency text and Retry-After', async () => {
    h.emulator.control.setTenantConcurrencyLimit(1);
    const held = holdNextCall('Get-MobileDevice');
    const first = h.invoke('Get-MobileDevice', { ResultSize: 1 });
    await held.entered;
    const extra = await h.invoke('Get-Mailbox', { ResultSize: 1 });
    held.release();
    expect((await first).status).toBe(200);
    expect(extra.status).toBe(429);
    expect(extra.headers.get('retry-after')).toBe('1');
    const body = await readJson(extra);
    expect(body.error.details[0].message).toContain(CONCURRENCY_TEXT);
    expect(h.emulator.control.calls().throttled).toBe(1);
    // Once the held call is answered, there is room again.
    expect((await h.invoke('Get-Mailbox', { ResultSize: 1 })).status).toBe(200);
  });

  it('When the limit is set through setFaults or over /_emulator, then it applies, and clearFaults or null lifts it', async () => {
    h.emulator.control.setFaults({ tenantConcurrencyLimit: 1, latencyMs: 0 });
    let held = holdNextCall('Get-MobileDevice');
    let first = h.invoke('Get-MobileDevice', { ResultSize: 1 });
    await held.entered;
    expect((await h.invoke('Get-User', { ResultSize: 1 })).status).toBe(429);
    held.release();
    await first;
    h.emulator.control.clearFaults();

    const set = await fetch(`${h.emulator.url}/_emulator/setTenantConcurrencyLimit`, { method: 'POST', body: JSON.stringify({ limit: 1, retryAfterSeconds: 0.5 }) });
    expect(set.status).toBe(200);
    held = holdNextCall('Get-MobileDevice');
    first = h.invoke('Get-MobileDevice', { ResultSize: 1 });
    await held.entered;
    const extra = await h.invoke('Get-User', { ResultSize: 1 });
    expect(extra.status).toBe(429);
    expect(extra.headers.get('retry-after')).toBe('0.5');
    held.release();
    await first;
    await fetch(`${h.emulator.url}/_emulator/setTenantConcurrencyLimit`, { method: 'POST', body: JSON.stringify({ limit: null }) });
    expect(() => h.emulator.control.setTenantConcurrencyLimit(0)).toThrow(/tenantConcurrencyLimit/);
  });

  it('When the emulator starts with tenantConcurrencyLimit, then the limit holds from the first call', async () => {
    const limited = await startHarness({ tenantConcurrencyLimit: 1 });
    try {
      limited.emulator.control.seed({ devices: 20, mailboxes: 10, seed: 1 });
      let release!: () => void;
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      limited.emulator.control.onNextCall('Get-MobileDevice', () => {
        entered();
        return new Promise<void>((r) => (release = r));
      });
      const first = limited.invoke('Get-MobileDevice');
      await inside;
      expect((await limited.invoke('Get-Mailbox')).status).toBe(429);
      release();
      expect((await first).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
