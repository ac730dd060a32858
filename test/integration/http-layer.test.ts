/**
 * The route helper and the problem table, through the real function registrations
 * served by the local host, against Azurite, the identity provider and the emulator.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { LocalStack } from '../../dev/local-stack';
import type { LocalHost } from '../../dev/local-host';
import { setRuntime, type Runtime } from '../../lib/app/runtime';
import { freshPrefix, useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 60, mailboxes: 30, seed: 9 } }, host: {} });
let stack: LocalStack;
let host: LocalHost;
let runtime: Runtime;
const prefix = () => freshPrefix('l');
beforeAll(() => {
  ({ stack, host, runtime } = fx);
});

const call = (route: string, o: { method?: string; token?: string; body?: string | Uint8Array | ReadableStream; headers?: Record<string, string> } = {}) =>
  fetch(`${host.url}/api/${route}`, {
    method: o.method ?? 'GET',
    body: o.body,
    headers: { ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
    ...(o.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

const withRuntime = fx.withRuntime;

describe('problem answers', () => {
  test('When Table Storage is unreachable, then GET /api/status answers 503 problem+json, not 200', async () => {
    const dead = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('k'.repeat(64)).toString('base64')};TableEndpoint=http://127.0.0.1:9/devstoreaccount1;`;
    await withRuntime({ ...stack.settings, STORAGE_CONNECTION_STRING: dead, STORAGE_TABLE_PREFIX: prefix() }, async () => {
      const res = await call('status', { token: await stack.callerToken({ roles: ['Devices.Read'] }) });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 503, code: 'StorageUnavailable' });
    });
  });

  test('When the connector lacks its storage role (storage answers 403), then an authorised caller gets 502, never 403', async () => {
    const wrongKey = (stack.settings.STORAGE_CONNECTION_STRING as string).replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('x'.repeat(64)).toString('base64')}`);
    await withRuntime({ ...stack.settings, STORAGE_CONNECTION_STRING: wrongKey, STORAGE_TABLE_PREFIX: prefix() }, async () => {
      const res = await call('status', { token: await stack.callerToken({ roles: ['Devices.Read'] }) });
      const body = await res.json();
      expect(res.status).toBe(502);
      expect(body).toMatchObject({ status: 502, code: 'StorageError' });
      expect(JSON.stringify(body)).not.toContain('AccountKey');
    });
  });

  test('When the connector lacks the Exchange role for a cmdlet, then a sync request answers 502 naming the cmdlet, never 403', async () => {
    stack.emulator.control.denyCmdlets(['Get-MobileDevice']);
    try {
      const res = await call('sync', { method: 'POST', body: JSON.stringify({ kind: 'delta' }), token: await stack.callerToken({ roles: ['Sync.Run'] }) });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ code: 'PermissionMissing', cmdlet: 'Get-MobileDevice' });
    } finally {
      stack.emulator.control.allowAll();
    }
    const [run] = await runtime.storage.runs.latest(stack.tenantId, 1);
    expect(run).toMatchObject({ kind: 'delta', outcome: 'failed' });
  });

  test('When another instance holds the sync lease, then the sync request answers 409 problem+json naming the holder', async () => {
    const held = await runtime.storage.state.acquireLease(stack.tenantId, 'sync', 'other-instance', 60_000);
    expect(held.acquired).toBe(true);
    try {
      stack.emulator.control.resetCounters();
      const res = await call('sync', { method: 'POST', body: JSON.stringify({ kind: 'full' }), token: await stack.callerToken({ roles: ['Sync.Run'] }) });
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 409, code: 'SyncInProgress', holder: 'other-instance' });
      expect(stack.emulator.control.calls().total).toBe(0);
    } finally {
      if (held.acquired) await runtime.storage.state.releaseLease(held.lease);
    }
  });
});

describe('a misconfigured connector', () => {
  test('When the settings are invalid, then a caller without a token gets 401, one with a token a generic 503, and no answer holds a setting value', async () => {
    const saved = { ...process.env };
    setRuntime(null);
    try {
      for (const k of Object.keys(process.env)) if (/^(EXO_|STORAGE_|API_)/.test(k)) delete process.env[k];
      Object.assign(process.env, { EXO_TENANT_ID: stack.tenantId, EXO_CLIENT_ID: stack.clientId, EXO_AUTH_MODE: 'secret', EXO_CLIENT_SECRET: 'S3cret-Value-123', STORAGE_ACCOUNT_URL: 'not-a-url?sv=2024&sig=SIGNATURE-VALUE', EXO_PAGE_SIZE: 'many' });
      const anonymous = await call('status');
      expect(anonymous.status).toBe(401);
      const withToken = await call('status', { token: await stack.callerToken({ roles: ['Devices.Read'] }) });
      expect(withToken.status).toBe(503);
      expect(await withToken.clone().json()).toMatchObject({ code: 'ConnectorMisconfigured' });
      const health = await call('health');
      expect(health.status).toBe(503);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const healthBody = (await health.clone().json()) as any;
      expect(healthBody.checks.config.issues.map((i: { field: string }) => i.field)).toEqual(expect.arrayContaining(['STORAGE_ACCOUNT_URL', 'EXO_PAGE_SIZE']));
      for (const res of [anonymous, withToken, health]) {
        const text = await res.text();
        expect(text).not.toContain('SIGNATURE-VALUE');
        expect(text).not.toContain('S3cret-Value-123');
      }
    } finally {
      process.env = saved;
      setRuntime(runtime);
    }
  });
});

describe('bodies', () => {
  test('When a body of 1 MB is sent, with or without Content-Length, then 413 comes back before it is parsed and nothing runs', async () => {
    const token = await stack.callerToken({ roles: ['Sync.Run'] });
    stack.emulator.control.resetCounters();
    const big = `{"kind":"full","pad":"${'x'.repeat(1024 * 1024)}"}`;
    const declared = await call('sync', { method: 'POST', body: big, token });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'PayloadTooLarge', limitBytes: 1024 });
    const bytes = new TextEncoder().encode(big);
    const streamed = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) c.enqueue(bytes.subarray(i, i + 64 * 1024));
        c.close();
      },
    });
    const chunked = await call('sync', { method: 'POST', body: streamed, token });
    expect(chunked.status).toBe(413);
    expect(stack.emulator.control.calls().total).toBe(0);
  });

  test('When a body carries many long unknown field names, then the answer names a few, each cut short', async () => {
    const token = await stack.callerToken({ roles: ['Sync.Run'] });
    // Within the route's 1 KB body limit: 15 names of 52 characters.
    const fields = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${String(i).padStart(2, '0')}_${'y'.repeat(48)}`, 1]));
    const res = await call('sync', { method: 'POST', body: JSON.stringify({ kind: 'full', ...fields }), token });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.length).toBeLessThan(900);
    expect(JSON.parse(text).errors[0].reason).toMatch(/^unknown field\(s\): f00_y{36}\.\.\., .* and 10 more$/);
  });
});

describe('health', () => {
  test('When health is asked 100 times, then Exchange is called at most twice, and the liveness route calls nothing', async () => {
    await withRuntime({ ...stack.settings, STORAGE_TABLE_PREFIX: prefix() }, async () => {
      stack.emulator.control.resetCounters();
      const first = await Promise.all(Array.from({ length: 50 }, () => call('health')));
      for (let i = 0; i < 50; i++) {
        const res = await call('health');
        expect([res.status, ((await res.json()) as { cachedForMs?: number }).cachedForMs]).toEqual([200, expect.any(Number)]);
      }
      expect(first.every((r) => r.status === 200)).toBe(true);
      expect(stack.emulator.control.calls().total).toBeLessThanOrEqual(2);
      stack.emulator.control.resetCounters();
      const live = await call('health/live');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'alive' });
      expect(stack.emulator.control.calls().total).toBe(0);
    });
  });
});

describe('the OpenAPI document', () => {
  test('When GET /api/openapi.json is asked, then it is a valid OpenAPI 3.1 document listing every HTTP route with its role', async () => {
    expect((await call('openapi.json')).status).toBe(401);
    const res = await call('openapi.json', { token: await stack.callerToken({ roles: ['Devices.Read'] }) });
    expect(res.status).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    // A real validator (schema and semantics); it throws naming the first problem. It dereferences its argument, so it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    for (const r of host.registrations.filter((x) => x.kind === 'http')) {
      const p = `/api/${r.route}`;
      for (const m of r.methods ?? ['GET']) expect(doc.paths[p]?.[m.toLowerCase()]).toBeDefined();
    }
    expect(doc.paths['/api/sync'].post).toMatchObject({ 'x-app-role': 'Sync.Run', security: [{ entra: ['Sync.Run'] }] });
    expect(doc.paths['/api/sync'].post.requestBody.content['application/json'].schema.properties.kind.enum).toEqual(['full', 'delta']);
  });
});

describe('the local host', () => {
  test('When a path holds a malformed percent-escape, then no route matches (404), never a 500; a function key in the query is not a route parameter', async () => {
    const token = await stack.callerToken({ roles: ['Devices.Read', 'Devices.Manage'] });
    const bad = await call('devices/%zz', { token });
    expect(bad.status).toBe(404);
    const withKey = await call('devices/00000000-0000-0000-0000-000000000000?force=false&code=some-function-key', { method: 'DELETE', token });
    expect(withKey.status).toBe(404);
    expect(((await withKey.json()) as { code: string }).code).toBe('NotFound');
  });
});
