import { gzipSync } from 'node:zlib';
import { ExoIncompleteListingError, ExoNotFoundError, ExoPagingExpiredError, ExoResponseError } from '../../../lib/exo/errors';
import { ExoClient } from '../../../lib/exo/client';
import { ValidationError } from '../../../lib/errors';
import { silentLogger } from '../../../lib/log';
import { FakeTokens, collect, exchangeError, ok, startPeer, testClient, type Peer } from './peer';

const TRUNCATED = 'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

describe('ExoClient requests and paging', () => {
  let peer: Peer;
  afterEach(async () => peer?.close());

  it('When a cmdlet is invoked, then the request has the admin API shape, headers and body', async () => {
    peer = await startPeer(() => ok([{ Identity: 'a' }]));
    const { client, tokens } = testClient(peer, { pageSize: 250 });
    await client.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' });
    const [req] = peer.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand');
    expect(req.headers.authorization).toBe('Bearer token-1');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-anchormailbox']).toBe('APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com');
    expect(req.headers.prefer).toBe('odata.maxpagesize=250');
    expect(req.headers['x-cmdletname']).toBe('Get-MobileDevice');
    expect(req.headers['x-clientrequestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(req.headers['user-agent']).toMatch(/exo-mobile-connector/);
    expect(req.json).toEqual({ CmdletInput: { CmdletName: 'Get-MobileDevice', Parameters: { ResultSize: 'Unlimited' } } });
    expect(tokens.requests).toBe(1);
  });

  it('When the call acts on one mailbox, then X-AnchorMailbox is UPN:<upn>', async () => {
    peer = await startPeer(() => ok([]));
    const { client } = testClient(peer);
    await client.invoke('Get-CASMailbox', { Identity: 'jdoe@contoso.com' }, { anchorMailbox: 'jdoe@contoso.com' });
    await client.invoke('Get-CASMailbox', { Identity: 'jdoe@contoso.com' }, { anchorMailbox: 'SMTP:jdoe@contoso.com' });
    expect(peer.requests.map((r) => r.headers['x-anchormailbox'])).toEqual(['UPN:jdoe@contoso.com', 'SMTP:jdoe@contoso.com']);
  });

  it('When a listing has 3 pages, then each nextLink is POSTed with the same body, anchor and headers', async () => {
    peer = await startPeer((_req, i) => {
      const next = i < 2 ? { '@odata.nextLink': `${peer.url}/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=p${i + 2}` } : {};
      return ok([{ Identity: `d${i * 2 + 1}` }, { Identity: `d${i * 2 + 2}` }], next);
    });
    const { client, log } = testClient(peer);
    const pages = await collect(client.pages('Get-MobileDevice', { ResultSize: 'Unlimited' }, { anchorMailbox: 'admin@contoso.com' }));

    expect(pages.map((p) => p.pageNumber)).toEqual([1, 2, 3]);
    expect(pages.flatMap((p) => p.items.map((d) => d.Identity))).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    expect(peer.requests.map((r) => r.url)).toEqual([
      '/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand',
      '/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=p2',
      '/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=p3',
    ]);
    const first = peer.requests[0];
    for (const req of peer.requests) {
      expect(req.method).toBe('POST');
      expect(req.body).toBe(first.body);
      for (const h of ['x-anchormailbox', 'prefer', 'x-cmdletname', 'x-clientrequestid', 'content-type', 'authorization']) {
        expect(req.headers[h]).toBe(first.headers[h]);
      }
    }
    expect(first.headers['x-anchormailbox']).toBe('UPN:admin@contoso.com');

    const done = log.entries.filter((e) => e.message === 'Exchange cmdlet invoked');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ level: 'info', fields: { cmdlet: 'Get-MobileDevice', status: 'ok', pages: 3, items: 6, retries: 0, parameterNames: ['ResultSize'] } });
    expect(client.stats()).toMatchObject({ calls: 1, callsByCmdlet: { 'Get-MobileDevice': 1 }, requests: 3, pages: 3, items: 6 });
  });

  it('When a nextLink points to another origin, then the client refuses it and never sends the token there', async () => {
    const elsewhere = await startPeer(() => ok([{ Identity: 'stolen' }]));
    try {
      peer = await startPeer(() => ok([{ Identity: 'd1' }], { '@odata.nextLink': `${elsewhere.url}/adminapi/beta/x/InvokeCommand?$skiptoken=2` }));
      const { client } = testClient(peer);
      const seen: string[] = [];
      const listing = (async () => {
        for await (const page of client.pages('Get-MobileDevice', {})) seen.push(...page.items.map((d) => String(d.Identity)));
      })();
      await expect(listing).rejects.toThrow(ExoResponseError);
      await expect(listing).rejects.toThrow(/nextLink' points to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+/);
      expect(elsewhere.requests).toHaveLength(0);
      expect(seen).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('When objects carry @odata/@data.type annotations and unknown properties, then annotations are stripped at every depth and the rest kept', async () => {
    peer = await startPeer(() =>
      ok([
        {
          '@odata.type': '#Exchange.GenericHashTable',
          Identity: 'd1',
          Guid: '3f6a...',
          'Guid@data.type': 'System.Guid',
          'ActiveSyncAllowedDeviceIDs@odata.type': '#Collection(String)',
          ActiveSyncAllowedDeviceIDs: ['A', 'B'],
          'NumberOfFoldersSynced@odata.type': '#Int16',
          NumberOfFoldersSynced: 4,
          SomethingNew: { '@odata.type': '#X', Inner: 1 },
        },
      ]),
    );
    const { client } = testClient(peer);
    const [device] = await client.invoke('Get-MobileDevice');
    expect(device).toEqual({ Identity: 'd1', Guid: '3f6a...', ActiveSyncAllowedDeviceIDs: ['A', 'B'], NumberOfFoldersSynced: 4, SomethingNew: { Inner: 1 } });
  });

  it('When Exchange compresses the answer with gzip, then the client reads it', async () => {
    peer = await startPeer(() => ({ headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(ok([{ Identity: 'z' }]).body)) }));
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice')).resolves.toEqual([{ Identity: 'z' }]);
    expect(peer.requests[0].headers['accept-encoding']).toBe('gzip, deflate');
  });

  it('When Exchange answers 204 or 200 with an empty body, then the result is an empty page', async () => {
    peer = await startPeer((_req, i) => (i === 0 ? { status: 204 } : { status: 200, body: '' }));
    const { client } = testClient(peer);
    await expect(client.invoke('Set-CASMailbox', { Identity: 'jdoe' })).resolves.toEqual([]);
    const pages = await collect(client.pages('Remove-MobileDevice', { Identity: 'x', Confirm: false }));
    expect(pages).toEqual([{ items: [], pageNumber: 1, warnings: [], errors: [], requestId: expect.any(String) }]);
  });

  const link = (n: number) => `${peer.url}/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=p${n}`;
  const askedPageSize = (i: number) => peer.requests[i].headers.prefer;

  it('When every page with a nextLink carries the "more results" warning (ResultSize Unlimited), then the listing completes and the followed pages show no such warning', async () => {
    peer = await startPeer((_req, i) =>
      i < 2 ? ok([{ Identity: `d${i + 1}` }], { '@odata.nextLink': link(i + 2), '@adminapi.warnings': [TRUNCATED, 'other'] }) : ok([{ Identity: 'd3' }]),
    );
    const { client } = testClient(peer, { pageSize: 1 });
    const pages = await collect(client.pages('Get-MobileDevice', { ResultSize: 'Unlimited' }));
    expect(pages.flatMap((p) => p.items.map((d) => d.Identity))).toEqual(['d1', 'd2', 'd3']);
    expect(pages.map((p) => p.warnings)).toEqual([['other'], ['other'], []]);
  });

  it('When the last page (no nextLink) warns that more results exist, then the pages are yielded and the listing ends with ExoIncompleteListingError', async () => {
    peer = await startPeer((_req, i) =>
      i === 0 ? ok([{ Identity: 'd1' }], { '@odata.nextLink': link(2), '@adminapi.warnings': [TRUNCATED] }) : ok([{ Identity: 'd2' }], { '@adminapi.warnings': [TRUNCATED] }),
    );
    const { client } = testClient(peer, { pageSize: 1 });
    const seen: unknown[] = [];
    let completed = false;
    const listing = (async () => {
      for await (const page of client.pages('Get-MobileDevice', { ResultSize: 'Unlimited' })) seen.push(...page.items.map((d) => d.Identity));
      completed = true;
    })();
    await expect(listing).rejects.toMatchObject({ code: 'ExoIncompleteListing', itemsRead: 2, pagesRead: 2 });
    expect(seen).toEqual(['d1', 'd2']);
    expect(completed).toBe(false);
  });

  it('When a numeric ResultSize is not reached and the last page warns, then the listing is incomplete', async () => {
    peer = await startPeer(() => ok([{ Identity: 'd1' }, { Identity: 'd2' }], { '@adminapi.warnings': [TRUNCATED] }));
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice', { ResultSize: 5000 })).rejects.toBeInstanceOf(ExoIncompleteListingError);
  });

  it('When a probe asks ResultSize 1 and Exchange gives a nextLink with the warning, then exactly one HTTP call is made and no error is raised', async () => {
    peer = await startPeer(() => ok([{ Identity: 'd1' }], { '@odata.nextLink': link(2), '@adminapi.warnings': [TRUNCATED] }));
    const { client } = testClient(peer);
    const pages = await collect(client.pages('Get-MobileDevice', { ResultSize: 1 }));
    expect(peer.requests).toHaveLength(1);
    expect(askedPageSize(0)).toBe('odata.maxpagesize=1');
    expect(pages.map((p) => p.items.length)).toEqual([1]);
    expect(pages[0].warnings).toEqual([TRUNCATED]);
  });

  it('When ResultSize 5 is asked with page size 2, then the pages ask for 2, 2 and 1 objects and the listing stops at 5 without following the last link', async () => {
    peer = await startPeer((req, i) => {
      const size = Number(/maxpagesize=(\d+)/.exec(String(req.headers.prefer))?.[1]);
      return ok(Array.from({ length: size }, (_, k) => ({ Identity: `d${i * 2 + k + 1}` })), { '@odata.nextLink': link(i + 2), '@adminapi.warnings': [TRUNCATED] });
    });
    const { client } = testClient(peer, { pageSize: 2 });
    const items = await client.invoke('Get-MobileDevice', { ResultSize: '5' });
    expect(items.map((d) => d.Identity)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    expect(peer.requests.map((_r, i) => askedPageSize(i))).toEqual(['odata.maxpagesize=2', 'odata.maxpagesize=2', 'odata.maxpagesize=1']);
  });

  it('When a page of a numeric ResultSize comes back short with a nextLink, then the link is not followed', async () => {
    peer = await startPeer(() => ok([{ Identity: 'd1' }], { '@odata.nextLink': link(2), '@adminapi.warnings': [TRUNCATED] }));
    const { client } = testClient(peer, { pageSize: 10 });
    await expect(client.invoke('Get-MobileDevice', { ResultSize: 50 })).resolves.toEqual([{ Identity: 'd1' }]);
    expect(peer.requests).toHaveLength(1);
  });

  it('When the caller accepts truncation, then a truncated last page raises no error and keeps its warning', async () => {
    peer = await startPeer(() => ok([{ Identity: 'd1' }], { '@adminapi.warnings': [TRUNCATED] }));
    const { client } = testClient(peer);
    const pages = await collect(client.pages('Get-MobileDevice', { ResultSize: 'Unlimited' }, { acceptTruncation: true }));
    expect(pages[0].warnings).toEqual([TRUNCATED]);
  });

  it('When a page link has expired, then ExoPagingExpiredError ends the listing without a retry', async () => {
    peer = await startPeer((_req, i) =>
      i === 0
        ? ok([{ Identity: 'd1' }], { '@odata.nextLink': `${peer.url}/adminapi/beta/t/InvokeCommand?$skiptoken=2` })
        : { status: 400, body: { error: { code: 'BadRequest', message: 'Expired or Invalid pagination request. Default Expiry time is 00:30:00' } } },
    );
    const { client, clock } = testClient(peer);
    await expect(collect(client.pages('Get-MobileDevice', {}))).rejects.toBeInstanceOf(ExoPagingExpiredError);
    expect(peer.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([]);
  });

  it('When Exchange answers 200 with something that is not the expected JSON, then ExoResponseError names what', async () => {
    peer = await startPeer((_req, i) => [{ body: '<html>login</html>' }, { body: { value: 'nope' } }, { body: [1, 2] }][i]);
    const { client } = testClient(peer);
    await expect(client.invoke('Get-User')).rejects.toThrow(/HTTP 200 with a body that is not JSON \("<html>login<\/html>"\)/);
    await expect(client.invoke('Get-User')).rejects.toThrow(/'value' is string, not an array/);
    await expect(client.invoke('Get-User')).rejects.toMatchObject({ code: 'ExoBadResponse', status: 502 });
  });

  it('When a read-only cmdlet reports non-terminating errors, then they are in the page; for a mutating cmdlet they are thrown', async () => {
    const notFound = "ex1|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found.";
    peer = await startPeer(() => ok([{ Identity: 'd1' }], { '@adminapi.errors': [notFound] }));
    const { client } = testClient(peer);
    const pages = await collect(client.pages('Get-MobileDeviceStatistics', { Mailbox: 'jdoe' }));
    expect(pages[0].errors).toEqual([notFound]);
    await expect(client.invoke('Clear-MobileDevice', { Identity: 'x', Confirm: false })).rejects.toBeInstanceOf(ExoNotFoundError);
  });

  it('When Exchange says an object does not exist, then ExoNotFoundError carries the request id and Exchange text', async () => {
    peer = await startPeer(() => exchangeError(400, 'ManagementObjectNotFoundException', "The operation couldn't be performed because object 'nope' couldn't be found.", { 'request-id': 'req-42' }));
    const { client, log } = testClient(peer);
    const error = await client.invoke('Get-MobileDevice', { Identity: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExoNotFoundError);
    expect(error).toMatchObject({ requestId: 'req-42', httpStatus: 400, exchangeMessage: "The operation couldn't be performed because object 'nope' couldn't be found." });
    expect(log.entries.at(-1)).toMatchObject({ level: 'info', fields: { status: 'ExoNotFound', lastRequestId: 'req-42' } });
    expect(client.stats().failuresByCode).toEqual({ ExoNotFound: 1 });
  });

  it('When a call is logged, then parameter names appear but never their values or the token', async () => {
    peer = await startPeer(() => ok([]));
    const { client, log } = testClient(peer);
    await client.invoke('Set-ActiveSyncOrganizationSettings', { UserMailInsert: 'secret-ish text', AdminMailRecipients: ['boss@contoso.com'] });
    const text = JSON.stringify(log.entries);
    expect(text).toContain('UserMailInsert');
    expect(text).not.toContain('secret-ish text');
    expect(text).not.toContain('boss@contoso.com');
    expect(text).not.toContain('token-1');
  });

  it('When the endpoint is plain http on a non-loopback host, then the client refuses to start', () => {
    const make = (endpoint: string) => () => new ExoClient({ endpoint, tenantId: 't', tokenProvider: new FakeTokens(), log: silentLogger });
    expect(make('http://outlook.office365.com')).toThrow(ValidationError);
    expect(make('not a url')).toThrow(/endpoint: not a URL/);
    expect(make('https://outlook.office365.com')).not.toThrow();
  });

  it('When the cmdlet name or page size is malformed, then nothing is sent', async () => {
    peer = await startPeer(() => ok([]));
    const { client } = testClient(peer);
    await expect(client.invoke('Get-MobileDevice; rm', {})).rejects.toBeInstanceOf(ValidationError);
    await expect(client.invoke('Get-MobileDevice', {}, { pageSize: 5000 })).rejects.toBeInstanceOf(ValidationError);
    expect(peer.requests).toHaveLength(0);
  });
});
