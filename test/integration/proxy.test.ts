/**
 * The outbound proxy end to end: a full sync built from the connector's settings runs
 * through a real local CONNECT proxy (test/support/connect-proxy.ts), against the real
 * identity provider (https), the Exchange Online emulator and Azurite (plain http).
 */
import type { LocalStack } from '../../dev/local-stack';
import type { Runtime } from '../../lib/app/runtime';
import { runFullSync } from '../../lib/app/sync/sync';
import { tableEndpointOf } from '../../lib/storage/tables';
import { silentLogger, type Logger } from '../../lib/log';
import { memoryLogger } from '../support/memory-logger';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture();
let stack: LocalStack;
let proxy: ConnectProxy;
const hostOf = (url: string) => new URL(url).host;

beforeAll(async () => {
  stack = fx.stack;
  proxy = await startConnectProxy();
  stack.emulator.control.seed({ devices: 300, mailboxes: 120, seed: 5 });
});
afterAll(async () => {
  await proxy?.close();
});
beforeEach(() => proxy.reset());

const newRuntime = (settings: Record<string, string>, log: Logger = silentLogger): Promise<Runtime> => fx.newRuntime(settings, { log });

/** Tunnels and forwarded requests the proxy carried to one host:port. */
const through = (p: ConnectProxy, host: string) => (p.tunnels.get(host) ?? 0) + (p.forwarded.get(host) ?? 0);

describe('outbound proxy', () => {
  test('When CONNECTOR_PROXY_URL is set, then the sync\'s Exchange calls, token requests and table calls all go through the proxy', async () => {
    const runtime = await newRuntime({ CONNECTOR_PROXY_URL: proxy.url });
    const { run } = await runFullSync(runtime.syncDeps());

    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ seen: 300 });
    expect(proxy.tunnels.get(hostOf(stack.emulator.url))).toBeGreaterThan(0);
    expect(proxy.tunnels.get(hostOf(stack.idp.url))).toBeGreaterThan(0);
    expect(through(proxy, hostOf(tableEndpointOf({ connectionString: stack.storageConnectionString })))).toBeGreaterThan(0);
  });

  test('When the HTTP API verifies a caller behind the proxy, then the signing keys are fetched through it', async () => {
    const runtime = await newRuntime({ CONNECTOR_PROXY_URL: proxy.url });
    proxy.reset();
    const caller = await runtime.verifyCaller(`Bearer ${await stack.callerToken()}`, 'Sync.Run');
    expect(caller.kind).toBe('app');
    expect(proxy.tunnels.get(hostOf(stack.idp.url))).toBeGreaterThan(0);
  });

  test('When NO_PROXY names the identity provider and the table endpoint, then only Exchange goes through the proxy', async () => {
    const tables = hostOf(tableEndpointOf({ connectionString: stack.storageConnectionString }));
    const runtime = await newRuntime({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: `${hostOf(stack.idp.url)},${tables}` });
    const { run } = await runFullSync(runtime.syncDeps());

    expect(run.outcome).toBe('succeeded');
    expect(proxy.targets()).toEqual([hostOf(stack.emulator.url)]);
  });

  test('When the proxy wants credentials, then the ones in the proxy URL get the sync through and never appear in the logs', async () => {
    const guarded = await startConnectProxy({ requireAuth: { user: 'svc-connector', password: 'p@ss-w0rd!' } });
    try {
      const log = memoryLogger();
      const runtime = await newRuntime({ CONNECTOR_PROXY_URL: `http://svc-connector:${encodeURIComponent('p@ss-w0rd!')}@${hostOf(guarded.url)}` }, log);
      const { run } = await runFullSync(runtime.syncDeps({ log }));

      expect(run.outcome).toBe('succeeded');
      expect(guarded.targets()).toEqual(
        [hostOf(stack.emulator.url), hostOf(stack.idp.url), hostOf(tableEndpointOf({ connectionString: stack.storageConnectionString }))].sort(),
      );
      const logged = JSON.stringify(log.entries);
      expect(logged).not.toContain('p@ss-w0rd!');
      expect(logged).not.toContain(encodeURIComponent('p@ss-w0rd!'));
    } finally {
      await guarded.close();
    }
  });
});
