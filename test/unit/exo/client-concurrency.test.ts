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
  it('When a budget throttle halved the limit, then successes raise it only to just below the throttled level until a long quiet run', async () => {
    const limiter = new AdaptiveLimiter(8);
    const first = await limiter.acquire();
    limiter.onThrottle(first);
    first.release();
    expect(limiter.limit).toBe(4);
    const succeed = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const s = await limiter.acquire();
        s.release();
        limiter.onSuccess(s);
      }
    };
    await succeed(15 + 100); // 4 -> 7 takes 4 + 5 + 6 successes
    expect(limiter.limit).toBe(7);
    await succeed(50); // 20 x 7 successes at the ceiling raise it
    expect(limiter.limit).toBe(8);
  });

  it('When 3 of 8 calls in flight are refused for tenant concurrency, then the limit drops to 5 and stays there, not back at 8', async () => {
    const limiter = new AdaptiveLimiter(8);
    const slots = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire()));
    limiter.onThrottle(slots[0], 'tenantConcurrency');
    expect(limiter.limit).toBe(7);
    limiter.onThrottle(slots[1], 'tenantConcurrency'); // same burst: one more over the tenant's limit
    limiter.onThrottle(slots[2], 'tenantConcurrency');
    expect(limiter.limit).toBe(5);
    for (const s of slots) s.release();
    for (let i = 0; i < 50; i++) {
      const s = await limiter.acquire();
      s.release();
      limiter.onSuccess(s);
    }
    expect(limiter.limit).toBe(5);
    expect(limiter.throttleCeiling).toBe(5);
  });

  it('When each probe above a steady tenant limit is refused, then the next probe waits twice as many successes, and a probe that holds resets the wait', async () => {
    const limiter = new AdaptiveLimiter(12);
    const slots = await Promise.all(Array.from({ length: 9 }, () => limiter.acquire()));
    limiter.onThrottle(slots[8], 'tenantConcurrency'); // the tenant admits 8
    for (const s of slots) s.release();
    expect(limiter.throttleCeiling).toBe(8);
    /** Successes until the ceiling rises above 8 (a probe); refused at once while `refuse`. */
    const successesUntilProbe = async (refuse: boolean): Promise<number> => {
      for (let n = 1; n < 100_000; n++) {
        const s = await limiter.acquire();
        limiter.onSuccess(s);
        s.release();
        if (limiter.throttleCeiling > 8) {
          if (refuse) {
            // The limit climbs to the probed 9, and the 9th call in flight is refused.
            while (limiter.limit < 9) {
              const c = await limiter.acquire();
              c.release();
              limiter.onSuccess(c);
            }
            const held = await Promise.all(Array.from({ length: 9 }, () => limiter.acquire()));
            limiter.onThrottle(held[8], 'tenantConcurrency');
            for (const h of held) h.release();
            expect(limiter.throttleCeiling).toBe(8);
          }
          return n;
        }
      }
      throw new Error('the ceiling never rose');
    };
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await successesUntilProbe(true));
    expect(waits).toEqual([160, 320, 640, 1280]);
    // This probe holds: a whole (backed-off) patience at 9 without a throttle confirms it, and the wait for 10 is the plain one again.
    const probeTo9 = await successesUntilProbe(false);
    expect(probeTo9).toBe(2560);
    const successesUntilCeiling = async (target: number): Promise<number> => {
      let n = 0;
      while (limiter.throttleCeiling < target) {
        const s = await limiter.acquire();
        s.release();
        limiter.onSuccess(s);
        n++;
      }
      return n;
    };
    // 9 confirmed after the backed-off patience (2,880 successes at 9, after the climb to it), and 10 probed at once.
    const toTen = await successesUntilCeiling(10);
    expect(toTen).toBeGreaterThanOrEqual(20 * 9 * 16);
    expect(toTen).toBeLessThanOrEqual(20 * 9 * 16 + 9);
    // The wait for 11 is the plain patience again: 20 x 10 successes once the limit has climbed to 10.
    const toEleven = await successesUntilCeiling(11);
    expect(toEleven).toBeGreaterThanOrEqual(20 * 10);
    expect(toEleven).toBeLessThanOrEqual(20 * 10 + 10);
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
    // Each answer is held long enough that 8 parallel calls overlap even on a loaded machine.
    peer = await startPeer(() => ({ ...ok([]), delayMs: 80, headers: { 'Rate-Limit-Limit': '1000', 'Rate-Limit-Remaining': String(remaining) } }));
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

  it('When one call is refused for tenant concurrency, then only that call waits its Retry-After, the limit drops below what was in flight, and the other calls go on', async () => {
    const h = await heldPeer();
    peer = h.peer;
    const clock = new FakeClock('manual');
    const { client } = testClient(peer, { maxConcurrency: 8, clock });
    const calls = Array.from({ length: 8 }, (_, i) => client.invoke('Get-MobileDeviceStatistics', { Mailbox: `u${i}` }));
    await until(() => peer.requests.length === 8);

    h.held.shift()!({
      status: 429,
      headers: { 'Retry-After': '2' },
      body: { error: { code: 'TooManyRequests', message: 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again' } },
    });
    await until(() => clock.sleeping === 1);
    expect(clock.sleeps).toEqual([2000]);
    expect(client.stats().concurrencyLimit).toBe(7);

    for (const r of h.held.splice(0)) r(ok([]));
    const later = client.invoke('Get-MobileDeviceStatistics', { Mailbox: 'v' });
    await until(() => peer.requests.length === 9); // not paused: sent before the clock moves
    h.held.shift()!(ok([]));
    await expect(later).resolves.toEqual([]);

    clock.advance(2000);
    await until(() => peer.requests.length === 10);
    h.releaseAll();
    await Promise.all(calls);
    expect(client.stats()).toMatchObject({ throttled: 1, retries: 1, concurrencyLimit: 7 });
  });
});
