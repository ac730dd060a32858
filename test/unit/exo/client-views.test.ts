/**
 * Views of one client (view(), withDefaults()): one connection, limiter, throttling pause
 * and token, with counters of their own, so a sync run's record counts its calls only.
 */
import { FakeClock, ok, startPeer, testClient, until, type Peer } from './peer';

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('ExoClient views', () => {
  let peer: Peer;
  afterEach(async () => peer?.close());

  it('When calls go through a view, then the view counts only its own and the client counts them too', async () => {
    peer = await startPeer((_req, i) => (i === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : ok([{ Identity: `d${i}` }])));
    const { client } = testClient(peer);
    const run = client.view();
    await run.invoke('Get-MobileDevice');
    await run.invoke('Get-MobileDeviceStatistics', { Mailbox: 'a@contoso.com' });
    await client.invoke('Get-ActiveSyncOrganizationSettings');

    expect(run.stats()).toMatchObject({ calls: 2, callsByCmdlet: { 'Get-MobileDevice': 1, 'Get-MobileDeviceStatistics': 1 }, requests: 3, pages: 2, items: 2, retries: 1, throttled: 1, waitMs: 1000 });
    expect(client.stats()).toMatchObject({
      calls: 3,
      callsByCmdlet: { 'Get-MobileDevice': 1, 'Get-MobileDeviceStatistics': 1, 'Get-ActiveSyncOrganizationSettings': 1 },
      requests: 4,
      retries: 1,
      throttled: 1,
    });
  });

  it('When a view is given defaults (a lease), then its calls still count into the view, and a second view counts apart', async () => {
    peer = await startPeer(() => ok([]));
    const { client } = testClient(peer);
    const run = client.view();
    const bound = run.withDefaults({ signal: new AbortController().signal, maxWaitMs: 40_000 });
    await bound.invoke('Get-MobileDevice');
    await run.invoke('Get-Recipient');
    const other = client.view();
    await other.invoke('Get-Mailbox');

    expect(run.stats().callsByCmdlet).toEqual({ 'Get-MobileDevice': 1, 'Get-Recipient': 1 });
    expect(bound.stats().callsByCmdlet).toEqual(run.stats().callsByCmdlet);
    expect(other.stats().callsByCmdlet).toEqual({ 'Get-Mailbox': 1 });
    expect(client.stats().calls).toBe(3);
  });

  it('When a view resets its counters, then the client keeps its totals', async () => {
    peer = await startPeer(() => ok([]));
    const { client } = testClient(peer);
    const run = client.view();
    await run.invoke('Get-MobileDevice');
    run.resetStats();
    expect(run.stats().calls).toBe(0);
    expect(client.stats().calls).toBe(1);
  });

  it("When a view's call is throttled with Retry-After 3, then the client's own calls pause too (one pause per tenant)", async () => {
    peer = await startPeer((_req, i) => (i === 0 ? { status: 429, headers: { 'Retry-After': '3' } } : ok([])));
    const clock = new FakeClock('manual');
    const { client } = testClient(peer, { clock });
    const first = client.view().invoke('Get-MobileDevice', { Identity: 'a' });
    await until(() => clock.sleeping === 1);
    const second = client.invoke('Get-ActiveSyncOrganizationSettings');
    await until(() => clock.sleeping === 2);
    await settle();
    expect(peer.requests).toHaveLength(1);

    clock.advance(3000);
    await Promise.all([first, second]);
    expect(peer.requests).toHaveLength(3);
  });
});
