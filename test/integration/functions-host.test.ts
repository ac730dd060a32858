/**
 * The real function registrations (functions/*.ts, app.http/app.timer) served by the
 * project's local host, against Azurite, the identity provider and the emulator.
 */
import type { LocalStack } from '../../dev/local-stack';
import type { LocalHost } from '../../dev/local-host';
import { setRuntime, type Runtime } from '../../lib/app/runtime';
import { useStackFixture } from '../support/stack-fixture';
import { runFullSync } from '../../lib/app/sync/sync';

// healthCacheMs 0: each health request checks afresh (the cache has its own test below).
const fx = useStackFixture({ stack: { seed: { devices: 300, mailboxes: 120, seed: 5 } }, host: { overrides: { healthCacheMs: 0 } } });
let stack: LocalStack;
let host: LocalHost;
let runtime: Runtime;
beforeAll(() => {
  ({ stack, host, runtime } = fx);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

const get = (route: string, token?: string) => fetch(`${host.url}/api/${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const post = (route: string, body: unknown, token?: string) =>
  fetch(`${host.url}/api/${route}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

describe('local Functions host', () => {
  test('When the app is loaded, then every trigger is registered with its route, methods and schedule', () => {
    const byName = Object.fromEntries(host.registrations.map((r) => [r.name, r]));
    expect(byName.health).toMatchObject({ kind: 'http', route: 'health', methods: ['GET'], authLevel: 'function' });
    expect(byName.sync).toMatchObject({ kind: 'http', route: 'sync', methods: ['POST'], authLevel: 'function' });
    expect(byName.status).toMatchObject({ kind: 'http', route: 'status', methods: ['GET'] });
    expect(byName.fullSync).toMatchObject({ kind: 'timer', schedule: '0 0 2 * * *' });
    expect(byName.deltaSync).toMatchObject({ kind: 'timer', schedule: '0 0 */2 * * *' });
    expect(byName.fullSyncContinuation).toMatchObject({ kind: 'timer', schedule: '0 */10 * * * *' });
    expect(byName.installCheck).toMatchObject({ kind: 'timer', schedule: '0 0 * * * *', runOnStartup: true });
  });

  test('When health is asked, then storage, token and Exchange are reported reachable without any secret', async () => {
    const res = await get('health');
    const text = await res.text();
    expect(res.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.status).toBe('healthy');
    for (const check of ['config', 'storage', 'token', 'exchange']) expect(body.checks[check].ok).toBe(true);
    expect(text).not.toContain(stack.clientSecret);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toMatch(/AccountKey/i);
  });

  test('When Exchange denies the health probe, then health answers 503 and names the failing cmdlet', async () => {
    stack.emulator.control.denyCmdlets(['Get-ActiveSyncOrganizationSettings']);
    try {
      const res = await get('health');
      expect(res.status).toBe(503);
      const body = await json(res);
      expect(body.checks.storage.ok).toBe(true);
      expect(body.checks.exchange).toMatchObject({ ok: false, detail: expect.stringContaining('Get-ActiveSyncOrganizationSettings') });
    } finally {
      stack.emulator.control.allowAll();
    }
  });

  test('When the status is asked without a token or without the role, then 401 and 403 come back as problem+json', async () => {
    const anonymous = await get('status');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(anonymous)).toMatchObject({ code: 'Unauthorized' });
    const noRole = await get('status', await stack.callerToken({ roles: ['Devices.Wipe'] }));
    expect(noRole.status).toBe(403);
    expect(await json(noRole)).toMatchObject({ code: 'Forbidden', requiredRole: 'Devices.Read' });
    const forged = await get('status', await stack.idp.mintAppToken({ tenantId: stack.tenantId, clientId: stack.callerApp.clientId, audience: `api://${stack.clientId}`, roles: ['Devices.Read'], signWithUnknownKey: true }));
    expect(forged.status).toBe(401);
  });

  test('When a sync is requested with a bad body, then 400 names the field and nothing runs', async () => {
    stack.emulator.control.resetCounters();
    const token = await stack.callerToken({ roles: ['Sync.Run'] });
    const bad = await post('sync', { kind: 'everything' }, token);
    expect(bad.status).toBe(400);
    const problem = await json(bad);
    expect(problem).toMatchObject({ code: 'ValidationError', errors: [expect.objectContaining({ field: 'body.kind' })] });
    const notJson = await post('sync', '{kind:', token);
    expect((await json(notJson)).errors[0]).toMatchObject({ field: 'body', reason: expect.stringMatching(/not valid JSON/) });
    const extra = await post('sync', { kind: 'full', force: true }, token);
    expect((await json(extra)).errors[0].reason).toMatch(/unknown field\(s\): force/);
    expect(stack.emulator.control.calls().total).toBe(0);
  });

  test('When an authorised caller runs a full sync, then the inventory is stored and the status shows the run and installed state', async () => {
    await host.runNow('installCheck');
    const res = await post('sync', { kind: 'full' }, await stack.callerToken({ roles: ['Sync.Run'] }));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.run).toMatchObject({ kind: 'full', outcome: 'succeeded', counts: expect.objectContaining({ seen: 300, new: 300 }) });
    expect(body.summary).toMatch(/full sync .* succeeded/);

    const status = await json(get('status', await stack.callerToken({ roles: ['Devices.Read'] })));
    expect(status.connector).toMatchObject({ state: 'installed', messageId: 1015 });
    expect(status.devices).toMatchObject({ active: 300, removed: 0 });
    expect(status.lastFullSync.runId).toBe(body.run.runId);
  });

  test('When the delta timer is run now, then it syncs through the same registration the host schedules', async () => {
    stack.emulator.control.addDevice({ mailbox: stack.emulator.control.listMailboxes()[0].upn, deviceType: 'Android' });
    await host.runNow('deltaSync');
    const runs = await runtime.storage.runs.latest(stack.tenantId, 1);
    expect(runs[0]).toMatchObject({ kind: 'delta', outcome: 'succeeded', counts: expect.objectContaining({ new: 1 }) });
  });

  test('When a full sync was cut by its time budget, then the continuation timer finishes it; with nothing unfinished it calls nothing', async () => {
    stack.emulator.control.resetCounters();
    await host.runNow('fullSyncContinuation');
    expect(stack.emulator.control.calls().total).toBe(0);

    const partial = await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    expect(partial.run.outcome).toBe('partial');
    await host.runNow('fullSyncContinuation');
    const [latest] = await runtime.storage.runs.latest(stack.tenantId, 1);
    expect(latest).toMatchObject({ runId: partial.run.runId, kind: 'full', outcome: 'succeeded' });
  });

  test('When a route does not exist or the method is wrong, then 404 and 405', async () => {
    expect((await get('nothing-here')).status).toBe(404);
    expect((await get('sync')).status).toBe(405);
  });

  test('When the configuration is invalid, then health answers 503 naming every bad setting and the runtime is not cached', async () => {
    const saved = { ...process.env };
    setRuntime(null);
    try {
      for (const k of Object.keys(process.env)) if (/^(EXO_|STORAGE_)/.test(k)) delete process.env[k];
      process.env.EXO_AUTH_MODE = 'password';
      const res = await get('health');
      expect(res.status).toBe(503);
      const body = await json(res);
      expect(body.checks.config.ok).toBe(false);
      expect(body.checks.config.issues.map((i: { field: string }) => i.field).sort()).toEqual(['EXO_AUTH_MODE', 'EXO_TENANT_ID', 'STORAGE_CONNECTION_STRING']);
    } finally {
      process.env = saved;
      setRuntime(runtime);
    }
    expect((await get('health')).status).toBe(200);
  });
});
