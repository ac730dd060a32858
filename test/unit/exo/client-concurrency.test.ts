import { AdaptiveLimiter } from '../../../lib/exo/limiter';
import { FakeClock, ok, startPeer, testClient, until, type Peer, type PeerReply } from './peer';

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('AdaptiveLimiter', () => {
  it('When a throttle arrives, then the limit halves (min 1); a run of successes raises it by one up to the maximum', async () => {
    const limiter = new AdaptiveLimiter(8);
    const slot = await limiter.acquire();
    slot.release();
    limiter.onThrottle(slot);
    expect(limiter.limit).toBe(4);
    limiter.onThrottle(slot); // same epoch: calls throttled together are one signal
    expect(limiter.limit).toBe(4);
    limiter.onSuccess(slot); // granted before the decrease: says nothing about the new rate
    for (let i = 0; i < 4; i++) {
      const s = await limiter.acquire();
      s.release();
      limiter.onSuccess(s);
    }
    expect(limiter.limit).toBe(5);
    for (let i = 0; i < 5; i++) {
      const s = await limiter.acquire();
      s.release();
      limiter.onThrottle(s);
    }
    expect(limiter.limit).toBe(1);
  });

  it('When the budget cap is lower than the limit, then the cap rules until it is lifted', async () => {
    const limiter = new AdaptiveLimiter(8);
    limiter.setBudgetCap(2);
    expect(limiter.limit).toBe(2);
    const a = await limiter.acquire();
    await limiter.acquire();
    let third = false;
    const pending = limiter.acquire().then((s) => {
      third = true;
      return s;
    });
    await settle();
    expect(third).toBe(false);
    a.release();
    (await pending).release();
    expect(third).toBe(true);
    limiter.setBudgetCap(100);
    expect(limiter.limit).toBe(8);
  });
});

describe('ExoClient adaptive concurrency', () => {
  let peer: Peer;
  afterEach(async () => peer?.close());

  /** A peer whose answers the test releases one by one. */
  async function heldPeer() {
    const held: ((reply: PeerReply) => void)[] = [];
    let answerAtOnce = false;
    const p = await startPeer(() => (answerAtOnce ? ok([]) : new Promise<PeerReply>((resolve) => held.push(resolve))));
    return {
      peer: p,
      held,
      releaseAll() {
        answerAtOnce = true;
        for (const r of held.splice(0)) r(ok([]));
      },
    };
  }

  it('When Exchange throttles one call, then the limit halves and new calls wait until fewer than half are in flight', async () => {
    const h = await heldPeer();
    peer = h.peer;
    const { client } = testClient(peer, { maxConcurrency: 8 });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 9; i++) calls.push(client.invoke('Get-MobileDeviceStatistics', { Mailbox: `u${i}` }));

    await until(() => peer.requests.length === 8);
    await settle();
    expect(peer.requests).toHaveLength(8);
    expect(peer.maxInFlight).toBe(8);

    h.held.shift()!({ status: 429, headers: { 'Retry-After': '0' } });
    await settle();
    expect(client.stats().concurrencyLimit).toBe(4);
    expect(peer.requests).toHaveLength(8); // 7 still in flight, more than the new limit of 4

    for (const r of h.held.splice(0)) r(ok([]));
    await until(() => peer.requests.length === 10); // the throttled call's retry and the 9th call
    for (let i = 0; i < 6; i++) calls.push(client.invoke('Get-MobileDeviceStatistics', { Mailbox: `v${i}` }));
    await until(() => peer.requests.length === 12);
    await settle();
    expect(peer.requests).toHaveLength(12);
    expect(Math.max(...peer.requests.slice(8).map((r) => r.inFlight))).toBeLessThanOrEqual(4);

    h.releaseAll();
    await Promise.all(calls);
    expect(client.stats()).toMatchObject({ calls: 15, throttled: 1, retries: 1 });
  });

  it('When one call is throttled with Retry-After 3, then every call of the client pauses until 3 s have passed', async () => {
    peer = await startPeer((_req, i) => (i === 0 ? { status: 429, headers: { 'Retry-After': '3' } } : ok([{ Identity: `d${i}` }])));
    const clock = new FakeClock('manual');
    const { client } = testClient(peer, { clock });
    const first = client.invoke('Get-MobileDevice', { Identity: 'a' });
    await until(() => clock.sleeping === 1);
    const second = client.invoke('Get-MobileDevice', { Identity: 'b' });
    await until(() => clock.sleeping === 2);
    await settle();
    expect(peer.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([3000, 3000]);

    clock.advance(3000);
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect(peer.requests).toHaveLength(3);
  });

  it('When Rate-Limit-Remaining falls below 10 % of Rate-Limit-Limit, then calls are serialised before any 429', async () => {
    let remaining = 20;
    peer = await startPeer(() => ({ ...ok([]), delayMs: 20, headers: { 'Rate-Limit-Limit': '1000', 'Rate-Limit-Remaining': String(remaining) } }));
    const { client } = testClient(peer, { maxConcurrency: 8 });
    await client.invoke('Get-MobileDevice');
    peer.maxInFlight = 0;
    await Promise.all(Array.from({ length: 5 }, () => client.invoke('Get-MobileDevice')));
    expect(peer.maxInFlight).toBe(1);
    expect(client.stats().throttled).toBe(0);

    remaining = 900;
    await client.invoke('Get-MobileDevice');
    peer.maxInFlight = 0;
    await Promise.all(Array.from({ length: 8 }, () => client.invoke('Get-MobileDevice')));
    expect(peer.maxInFlight).toBe(8);
  });

  it('When the budget is almost gone, then calls pause until Rate-Limit-Reset', async () => {
    const clock = new FakeClock();
    peer = await startPeer(() => ({
      ...ok([]),
      headers: { 'Rate-Limit-Limit': '1000', 'Rate-Limit-Remaining': '3', 'Rate-Limit-Reset': new Date(clock.now() + 30_000).toISOString() },
    }));
    const { client, log } = testClient(peer, { clock });
    await client.invoke('Get-MobileDevice');
    await client.invoke('Get-MobileDevice');
    expect(clock.sleeps).toEqual([30_000]);
    expect(log.entries.find((e) => e.message === 'Exchange budget almost spent; pausing calls')).toMatchObject({ level: 'warn', fields: { rateLimitRemaining: 3, waitMs: 30_000 } });
  });
});
