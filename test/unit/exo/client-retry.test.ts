import {
  ExoAuthError,
  ExoBadParameterError,
  ExoCancelledError,
  ExoNotFoundError,
  ExoOutcomeUnknownError,
  ExoThrottledError,
  ExoTimeoutError,
  ExoTransientError,
  ExoFailedError,
  PermissionMissingError,
} from '../../../lib/exo/errors';
import { FakeClock, collect, exchangeError, ok, startPeer, testClient, type Peer, type PeerReply } from './peer';

const throttled = (retryAfter?: string): PeerReply => ({ status: 429, headers: retryAfter === undefined ? {} : { 'Retry-After': retryAfter }, body: '' });

describe('ExoClient retries (fake clock)', () => {
  let peer: Peer;
  afterEach(async () => peer?.close());

  it('When Exchange answers 429 with Retry-After 1.5, then the client waits 1.5 s and retries', async () => {
    peer = await startPeer((_req, i) => (i === 0 ? throttled('1.5') : ok([{ Identity: 'd1' }])));
    const { client, clock, log } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice')).resolves.toEqual([{ Identity: 'd1' }]);
    expect(clock.sleeps).toEqual([1500]);
    expect(peer.requests).toHaveLength(2);
    const retry = log.entries.find((e) => e.message === 'Exchange call will be retried');
    expect(retry).toMatchObject({ level: 'warn', fields: { cmdlet: 'Get-MobileDevice', reason: 'ExoThrottled', waitMs: 1500, httpStatus: 429 } });
    expect(client.stats()).toMatchObject({ retries: 1, throttled: 1, waitMs: 1500, requests: 2 });
  });

  it('When Exchange answers 429 with Retry-After 3, then the client waits 3 s', async () => {
    peer = await startPeer((_req, i) => (i === 0 ? throttled('3') : ok([])));
    const { client, clock } = testClient(peer);
    await client.invoke('Get-MobileDevice');
    expect(clock.sleeps).toEqual([3000]);
  });

  it('When 429s come without Retry-After, then the waits back off exponentially up to the cap', async () => {
    peer = await startPeer((_req, i) => (i < 5 ? throttled() : ok([])));
    const { client, clock } = testClient(peer, { baseBackoffMs: 2000, maxBackoffMs: 10_000, random: () => 1 });
    await client.invoke('Get-MobileDevice');
    expect(clock.sleeps).toEqual([2000, 4000, 8000, 10_000, 10_000]);
  });

  it('When the jitter source gives 0.25, then a transient wait is a quarter of the exponential ceiling', async () => {
    peer = await startPeer((_req, i) => (i < 3 ? { status: 503 } : ok([])));
    const { client, clock } = testClient(peer, { baseBackoffMs: 2000, random: () => 0.25 });
    await client.invoke('Get-MobileDevice');
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
  });

  it('When Exchange keeps throttling, then after maxRetries the call fails with ExoThrottledError naming the attempts', async () => {
    peer = await startPeer(() => throttled('1'));
    const { client, clock } = testClient(peer, { maxRetries: 3 });
    const error = await client.invoke('Get-MobileDevice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExoThrottledError);
    expect(error).toMatchObject({ attempts: 4, retryAfterMs: 1000, code: 'ExoThrottled', status: 503 });
    expect((error as Error).message).toContain('still throttled after 4 attempts');
    expect(peer.requests).toHaveLength(4);
    expect(clock.sleeps).toEqual([1000, 1000, 1000]);
  });

  it('When Retry-After is longer than the client accepts, then it fails at once instead of waiting', async () => {
    peer = await startPeer(() => throttled('3600'));
    const { client, clock } = testClient(peer, { maxRetryAfterMs: 60_000 });
    await expect(client.invoke('Get-MobileDevice')).rejects.toThrow(/wait 3600 s, longer than the 60 s/);
    expect(peer.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('When a call caps its waits (a sync under a lease) and Retry-After is longer, then it fails at once; shorter ones and backoffs stay within the cap', async () => {
    peer = await startPeer(() => throttled('50'));
    const { client, clock } = testClient(peer, { maxRetryAfterMs: 300_000 });
    await expect(client.invoke('Get-MobileDevice', {}, { maxWaitMs: 40_000 })).rejects.toThrow(/wait 50 s, longer than the 40 s/);
    expect(peer.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    await peer.close();

    peer = await startPeer((_req, i) => (i === 0 ? throttled('30') : i < 4 ? { status: 503 } : ok([])));
    const capped = testClient(peer, { baseBackoffMs: 20_000, maxBackoffMs: 60_000, random: () => 1 });
    await capped.client.withDefaults({ maxWaitMs: 40_000 }).invoke('Get-MobileDevice');
    expect(capped.clock.sleeps).toEqual([30_000, 40_000, 40_000, 40_000]);
  });

  it('When Exchange keeps answering 503, then after maxRetries the call fails with ExoTransientError', async () => {
    peer = await startPeer(() => ({ status: 503, body: 'busy' }));
    const { client } = testClient(peer, { maxRetries: 2 });
    await expect(client.invoke('Get-MobileDevice')).rejects.toMatchObject({ constructor: ExoTransientError, attempts: 3 });
    expect(peer.requests).toHaveLength(3);
  });

  it('When a 400 names a transient exception type, then the call is retried and succeeds', async () => {
    peer = await startPeer((_req, i) => (i === 0 ? exchangeError(400, 'DCOverloadedException', 'Active Directory is busy.') : ok([{ Identity: 'x' }])));
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice')).resolves.toHaveLength(1);
    expect(peer.requests).toHaveLength(2);
  });

  it('When the per-tenant concurrency text comes with status 500, then the call is treated as throttled and retried', async () => {
    peer = await startPeer((_req, i) =>
      i === 0 ? exchangeError(500, 'ThrottlingException', 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again') : ok([]),
    );
    const { client } = testClient(peer);
    await client.invoke('Get-MobileDevice');
    expect(client.stats().throttled).toBe(1);
  });

  it('When Exchange answers 401, then the token is refreshed once and the call retried', async () => {
    peer = await startPeer((req) => (req.headers.authorization === 'Bearer token-1' ? { status: 401 } : ok([{ Identity: 'd' }])));
    const { client, tokens, clock } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice')).resolves.toHaveLength(1);
    expect(tokens.forcedRefreshes).toBe(1);
    expect(peer.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(clock.sleeps).toEqual([]);
  });

  it('When Exchange answers 401 again after the refresh, then ExoAuthError and no third attempt', async () => {
    peer = await startPeer(() => ({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }));
    const { client, tokens } = testClient(peer);
    const error = await client.invoke('Get-MobileDevice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExoAuthError);
    expect((error as Error).message).toMatch(/refused a freshly acquired token too.*fake token provider/);
    expect(tokens.forcedRefreshes).toBe(1);
    expect(peer.requests).toHaveLength(2);
  });

  it('When no token can be acquired, then ExoAuthError names the provider and nothing is sent', async () => {
    peer = await startPeer(() => ok([]));
    const { client, tokens } = testClient(peer);
    tokens.fail = new Error('AADSTS7000215: Invalid client secret provided.');
    await expect(client.invoke('Get-MobileDevice')).rejects.toThrow(/no access token could be acquired from fake token provider: Error: AADSTS7000215/);
    expect(peer.requests).toHaveLength(0);
  });

  it('When Exchange answers 403 with NUL bytes, then PermissionMissingError names the cmdlet and there is no retry', async () => {
    peer = await startPeer(() => ({ status: 403, headers: { 'x-ms-diagnostics': '2000008;reason="Cmdlet not allowed"' }, body: Buffer.alloc(32) }));
    const { client, clock, tokens } = testClient(peer);
    const error = await client.invoke('Clear-MobileDevice', { Identity: 'x', Confirm: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionMissingError);
    expect((error as Error).message).toMatch(/^Invoking cmdlet Clear-MobileDevice failed: the app is not allowed to run it \(2000008;reason="Cmdlet not allowed"\)/);
    expect(peer.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(tokens.forcedRefreshes).toBe(0);
  });

  it.each([
    ['not found', exchangeError(400, 'ManagementObjectNotFoundException', "object 'x' couldn't be found"), ExoNotFoundError],
    ['unknown parameter', exchangeError(400, 'ParameterBindingException', "A parameter cannot be found that matches parameter name 'Colour'."), ExoBadParameterError],
  ])('When Exchange answers %s, then the call is not retried', async (_what, reply, type) => {
    peer = await startPeer(() => reply);
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice', { Identity: 'x' })).rejects.toBeInstanceOf(type);
    expect(peer.requests).toHaveLength(1);
  });

  it('When the connection drops without an answer, then the call is retried and succeeds', async () => {
    peer = await startPeer((_req, i) => (i < 2 ? { drop: true } : ok([{ Identity: 'd' }])));
    const { client, clock, log } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice')).resolves.toHaveLength(1);
    expect(peer.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([2000, 4000]);
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.fields.reason)).toEqual(['ECONNRESET', 'ECONNRESET']);
  });

  it('When the connection keeps dropping, then after maxRetries ExoTransientError says the connection failed', async () => {
    peer = await startPeer(() => ({ drop: true }));
    const { client } = testClient(peer, { maxRetries: 1 });
    await expect(client.invoke('Get-MobileDevice')).rejects.toThrow(/connection failed \(ECONNRESET: .*\) after 2 attempts/);
  });

  it('When Exchange does not answer in time, then the call times out, is retried, and ends with ExoTimeoutError', async () => {
    peer = await startPeer(() => ({ hang: true }));
    const { client } = testClient(peer, { maxRetries: 1, timeoutMs: 100 });
    const error = await client.invoke('Get-MobileDevice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExoTimeoutError);
    expect(error).toMatchObject({ code: 'ExoTimeout', status: 504, attempts: 2, timeoutMs: 100 });
    expect(peer.requests).toHaveLength(2);
  });

  it('When a page request is throttled mid-listing, then the same nextLink is retried and the listing completes', async () => {
    peer = await startPeer((_req, i) => {
      if (i === 0) return ok([{ Identity: 'd1' }], { '@odata.nextLink': `${peer.url}/adminapi/beta/t/InvokeCommand?$skiptoken=2` });
      if (i === 1) return throttled('0.5');
      return ok([{ Identity: 'd2' }]);
    });
    const { client, clock } = testClient(peer);
    const pages = await collect(client.pages('Get-MobileDevice', {}));
    expect(pages.map((p) => p.items.length)).toEqual([1, 1]);
    expect(peer.requests.map((r) => r.url)).toEqual([
      '/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand',
      '/adminapi/beta/t/InvokeCommand?$skiptoken=2',
      '/adminapi/beta/t/InvokeCommand?$skiptoken=2',
    ]);
    expect(peer.requests[2].headers['x-anchormailbox']).toBe(peer.requests[0].headers['x-anchormailbox']);
    expect(clock.sleeps).toEqual([500]);
  });

  it('When the caller aborts during a backoff wait, then the call ends with ExoCancelledError', async () => {
    peer = await startPeer(() => ({ status: 503 }));
    const controller = new AbortController();
    const { client } = testClient(peer, {
      clock: Object.assign(new FakeClock(), {
        sleep: () => {
          controller.abort();
          return Promise.reject(new Error('aborted'));
        },
      }),
    });
    await expect(client.invoke('Get-MobileDevice', {}, { signal: controller.signal })).rejects.toBeInstanceOf(ExoCancelledError);
    expect(peer.requests).toHaveLength(1);
  });
});

describe('ExoClient never sends a state-changing cmdlet twice', () => {
  let peer: Peer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it('When the connection drops after a wipe request was sent, then it is not sent again and the outcome is reported unknown', async () => {
    peer = await startPeer(() => ({ drop: true }));
    const { client } = testClient(peer);
    const error = await client.invoke('Clear-MobileDevice', { Identity: 'jdoe\\ExchangeActiveSyncDevices\\iPhone§1', Confirm: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExoOutcomeUnknownError);
    expect((error as Error).message).toMatch(/Invoking cmdlet Clear-MobileDevice failed: the connection broke \(ECONNRESET\).*not sent again/);
    expect(peer.requests).toHaveLength(1);
  });

  it('When a state-changing cmdlet gets no answer in time or a 504, then it is not retried; a 503 refusal is', async () => {
    peer = await startPeer(() => ({ hang: true }));
    const hanging = testClient(peer, { timeoutMs: 100 });
    await expect(hanging.client.invoke('Remove-MobileDevice', { Identity: 'x', Confirm: false })).rejects.toBeInstanceOf(ExoOutcomeUnknownError);
    expect(peer.requests).toHaveLength(1);
    await peer.close();

    peer = await startPeer(() => ({ status: 504, body: '' }));
    await expect(testClient(peer).client.invoke('Set-CASMailbox', { Identity: 'x' })).rejects.toBeInstanceOf(ExoOutcomeUnknownError);
    expect(peer.requests).toHaveLength(1);
    await peer.close();

    peer = await startPeer((_req, i) => (i === 0 ? { status: 503, body: '' } : ok([])));
    await expect(testClient(peer).client.invoke('Set-CASMailbox', { Identity: 'x' })).resolves.toEqual([]);
    expect(peer.requests).toHaveLength(2);
  });

  it('When Exchange answers 503 with Retry-After 6, then the client waits at least 6 s before sending again', async () => {
    peer = await startPeer((_req, i) => (i === 0 ? { status: 503, headers: { 'Retry-After': '6' }, body: '' } : ok([{ Identity: 'd' }])));
    const { client, clock } = testClient(peer, { random: () => 0 });
    await expect(client.invoke('Get-MobileDevice')).resolves.toHaveLength(1);
    expect(clock.sleeps).toEqual([6000]);
  });

  it('When a 503 asks for a wait longer than the client accepts, then it fails at once with ExoTransientError', async () => {
    peer = await startPeer(() => ({ status: 503, headers: { 'Retry-After': '900' }, body: '' }));
    const { client, clock } = testClient(peer, { maxRetryAfterMs: 60_000 });
    await expect(client.invoke('Get-MobileDevice')).rejects.toThrow(ExoTransientError);
    expect(peer.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('When a read-only cmdlet gets HTTP 500, then it is retried within the same bound', async () => {
    peer = await startPeer((_req, i) => (i < 2 ? exchangeError(500, 'ADOperationException', 'An internal error occurred.') : ok([{ Identity: 'd' }])));
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDeviceStatistics', { Mailbox: 'jdoe' })).resolves.toHaveLength(1);
    expect(peer.requests).toHaveLength(3);
    await peer.close();

    peer = await startPeer(() => exchangeError(500, 'ADOperationException', 'An internal error occurred.'));
    await expect(testClient(peer, { maxRetries: 2 }).client.invoke('Search-MailboxAuditLog', {})).rejects.toMatchObject({ constructor: ExoTransientError, attempts: 3 });
  });

  it('When a state-changing cmdlet gets HTTP 500, then it is not sent again', async () => {
    peer = await startPeer(() => exchangeError(500, 'ADOperationException', 'An internal error occurred.'));
    const { client } = testClient(peer);
    await expect(client.invoke('Clear-MobileDevice', { Identity: 'x', Confirm: false })).rejects.toBeInstanceOf(ExoFailedError);
    await expect(client.invoke('Set-CASMailbox', { Identity: 'x' })).rejects.toBeInstanceOf(ExoFailedError);
    expect(peer.requests).toHaveLength(2);
  });

  it('When a not-found comes with code InternalServerError (HTTP 500), then ExoNotFoundError at once, without a retry', async () => {
    peer = await startPeer(() => exchangeError(500, 'ManagementObjectNotFoundException', "The operation couldn't be performed because object 'x' couldn't be found."));
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDeviceStatistics', { Identity: 'x' })).rejects.toBeInstanceOf(ExoNotFoundError);
    expect(peer.requests).toHaveLength(1);
  });

  it('When Exchange answers 401 "User is not allowed to call Get-Mailbox", then PermissionMissingError names the cmdlet, with no token refresh and no audience advice', async () => {
    peer = await startPeer(() => ({ status: 401, body: { error: { code: 'Unauthorized', message: 'User is not allowed to call Get-Mailbox' } } }));
    const { client, tokens, clock } = testClient(peer);
    const error = await client.invoke('Get-Mailbox', { Identity: 'jdoe' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionMissingError);
    expect(error).toMatchObject({ cmdlet: 'Get-Mailbox', httpStatus: 401 });
    expect((error as Error).message).toMatch(/^Invoking cmdlet Get-Mailbox failed: the app is not allowed to run it \(User is not allowed to call Get-Mailbox\)/);
    expect((error as Error).message).not.toMatch(/audience/i);
    expect(tokens.forcedRefreshes).toBe(0);
    expect(peer.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});
