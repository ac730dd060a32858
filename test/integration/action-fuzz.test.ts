/**
 * Malformed requests to the device-action and audit routes, generated from a seeded
 * pseudo-random generator (the same requests every run), sent to the real function
 * registrations on the local host. Each request starts from a valid one (a synced
 * device, a valid token, a valid body) and carries at least one defect: a bad token, a
 * bad route value, body, content type, size, Idempotency-Key or query. Every answer must
 * be a 4xx problem+json, and nothing may change: no state-changing Exchange call, no
 * stored action, no audit entry, no prototype polluted.
 */
import net from 'node:net';
import type { DeviceRecord } from '../../lib/domain/device';
import { Roles } from '../../lib/http/caller';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 12, mailboxes: 6, seed: 41 } }, host: {} });

// Another seed or count explores further: FUZZ_SEED=7 FUZZ_REQUESTS=5000 npx jest action-fuzz
const SEED = Number(process.env.FUZZ_SEED ?? 0x10a0d17);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1_200);
const CONCURRENCY = 16;

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function rngOf(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const text = (n: number, alphabet: string) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  return { next, int, pick, text, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rngOf>;

const HEX = '0123456789abcdef';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VISIBLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
const guidOf = (r: Rng) => `${r.text(8, HEX)}-${r.text(4, HEX)}-${r.text(4, HEX)}-${r.text(4, HEX)}-${r.text(12, HEX)}`;
const actionIdOf = (r: Rng) => `2026${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(10, 28))}T${r.text(9, '0123456789')}Z-${r.text(8, HEX)}`;

interface FuzzRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** `{p}` is the route value. */
  path: string;
  param: 'guid' | 'action' | null;
  body: 'wipe' | 'empty' | 'reject' | null;
  capBytes: number;
  idempotency: boolean;
  query: 'force' | 'audit' | null;
}

const ROUTES: FuzzRoute[] = [
  { method: 'POST', path: 'devices/{p}/wipe', param: 'guid', body: 'wipe', capBytes: 4096, idempotency: true, query: null },
  { method: 'POST', path: 'devices/{p}/wipe/cancel', param: 'guid', body: 'empty', capBytes: 16_384, idempotency: true, query: null },
  { method: 'POST', path: 'devices/{p}/block', param: 'guid', body: 'empty', capBytes: 16_384, idempotency: true, query: null },
  { method: 'POST', path: 'devices/{p}/allow', param: 'guid', body: 'empty', capBytes: 16_384, idempotency: true, query: null },
  { method: 'DELETE', path: 'devices/{p}', param: 'guid', body: null, capBytes: 0, idempotency: true, query: 'force' },
  { method: 'GET', path: 'devices/{p}', param: 'guid', body: null, capBytes: 0, idempotency: false, query: null },
  { method: 'GET', path: 'devices/{p}/actions', param: 'guid', body: null, capBytes: 0, idempotency: false, query: null },
  { method: 'GET', path: 'actions/{p}', param: 'action', body: null, capBytes: 0, idempotency: false, query: null },
  { method: 'POST', path: 'actions/{p}/approve', param: 'action', body: 'empty', capBytes: 16_384, idempotency: false, query: null },
  { method: 'POST', path: 'actions/{p}/reject', param: 'action', body: 'reject', capBytes: 16_384, idempotency: false, query: null },
  { method: 'GET', path: 'audit', param: null, body: null, capBytes: 0, idempotency: false, query: 'audit' },
];

/** A request in parts: each defect replaces one part of a valid request. */
interface Draft {
  route: FuzzRoute;
  /** The route value as it goes into the URL (already percent-encoded). */
  segment: string;
  query: string;
  authorization: string | null;
  contentType: string | null;
  idempotencyKey: string | null;
  body: string | Uint8Array | null;
  /** Sent as a stream: chunked, no Content-Length. */
  stream: boolean;
  extraHeaders: Record<string, string>;
  defects: string[];
}

interface Tokens {
  valid: string;
  /** name -> a token the connector must refuse (401) or that lacks every role (403). */
  refused: Record<string, string>;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

// --- Defects, each a function of the draft (returns false when it does not apply). ---

function badToken(r: Rng, d: Draft, t: Tokens): string {
  const kind = r.pick(['none', 'scheme', 'garbage', 'minted', 'minted', 'minted', 'huge'] as const);
  if (kind === 'none') d.authorization = null;
  else if (kind === 'scheme') d.authorization = r.pick(['Bearer', 'Bearer ', `Bearer ${t.valid} extra`, `Basic ${Buffer.from('admin:admin').toString('base64')}`, `Token ${t.valid}`, t.valid, `Bearer\t`]);
  else if (kind === 'garbage') d.authorization = `${r.pick(['Bearer', 'bearer', 'BEARER'])} ${r.pick([r.text(r.int(1, 400), B64URL), `${r.text(20, B64URL)}.${r.text(40, B64URL)}.${r.text(40, B64URL)}`, `${b64({ alg: 'RS256' })}.${r.text(30, B64URL)}.`, '..', 'e30.e30.e30', r.text(r.int(1, 200), VISIBLE)])}`;
  else if (kind === 'minted') {
    const name = r.pick(Object.keys(t.refused));
    d.authorization = `Bearer ${t.refused[name]}`;
    return `token:${name}`;
  } else d.authorization = `Bearer ${r.text(r.int(6_000, 9_000), B64URL)}`;
  return `token:${kind}`;
}

const UNICODE = ['ｆ', 'а', 'е', '😀', '\u200d', '\u202e', '\u0000', 'ß', '中', '\ufeff', '٣', 'é'];

/**
 * Route values, always well-formed percent-encoding: the local host (dev/local-host.ts)
 * answers a malformed escape (`%zz`) with a bare 500 of its own before any function runs.
 */
function badParam(r: Rng, d: Draft): string | false {
  if (!d.route.param) return false;
  const valid = d.route.param === 'guid' ? guidOf(r) : actionIdOf(r);
  const kind = r.pick(['long', 'unicode', 'traversal', 'slash', 'shape', 'injection'] as const);
  let raw: string | null = null;
  let encoded: string | null = null;
  if (kind === 'long') raw = r.pick([valid + r.text(r.int(1, 50), HEX), valid.repeat(r.int(2, 30)), r.text(r.int(37, 2_000), HEX)]);
  else if (kind === 'unicode') {
    const at = r.int(0, valid.length - 1);
    raw = valid.slice(0, at) + r.pick(UNICODE) + valid.slice(at + 1);
  } else if (kind === 'traversal') encoded = r.pick(['..%2F..%2Fstatus', '..%2f..%2f..%2fetc%2fpasswd', '..%5C..%5Cwindows', '%2e%2e%2fstatus', `${valid}%2F..%2F..`, '%252e%252e%252fstatus', '....%2F%2F', `..%2F${valid}`]);
  else if (kind === 'slash') encoded = r.pick([`${valid.slice(0, 8)}%2F${valid.slice(9)}`, `${valid}%2Fwipe`, `%2F${valid}`, `${valid.slice(0, 18)}%2f${valid.slice(18)}`, `${valid}%00`, `${valid}%0A`]);
  else if (kind === 'shape') raw = r.pick([`{${valid}}`, valid.replace(/-/g, ''), valid.slice(1), `${valid} `, ` ${valid}`, valid.replace(/[0-9a-f]/, 'g'), 'null', 'undefined', '0', '-1', 'true', '[]', '{}']);
  else raw = r.pick([`' or PartitionKey ne '`, `${valid}' or 1 eq 1 or RowKey eq '`, '<script>alert(1)</script>', '${jndi:ldap://x}', '%s%s%s%n', 'a;b=c', 'a*']);
  d.segment = encoded ?? encodeURIComponent(raw!);
  return `param:${kind}`;
}

const MALFORMED_JSON = ['{', '}', '{"mode":', "{'mode':'accountOnly'}", '{"reason":"x",}', '{mode:accountOnly}', 'NaN', '\ufeff{}', '{"a":1}{"b":2}', '{"reason":"a\u0001b"}', 'undefined', '{"reason":"x"', '[', ']]', '{"reason":"\\x41"}', '{"reason":"\\u12"}', 'tru', '{"":}', '\u0000'];

function badBody(r: Rng, d: Draft): string | false {
  const shape = d.route.body;
  if (!shape) return false;
  const kind = r.pick(['malformed', 'types', 'huge', 'unknown', 'array', 'primitive', 'proto', 'deep'] as const);
  const wipe = shape === 'wipe';
  const reason = shape !== 'empty';
  let body: unknown;
  if (kind === 'malformed') {
    d.body = r.pick(MALFORMED_JSON);
    return 'body:malformed';
  }
  if (kind === 'types') {
    body = wipe
      ? r.pick([{ mode: 1 }, { mode: null }, { mode: 'Full' }, { mode: 'everything' }, { notify: 'it@contoso.com' }, { notify: [1] }, { notify: ['not-an-address'] }, { notify: Array(11).fill('it@contoso.com') }, { removeAfterAcknowledged: 'true' }, { removeAfterAcknowledged: 1 }, { reason: 5 }, { reason: '' }, { reason: ['x'] }, { reason: { x: 1 } }])
      : reason
        ? r.pick([{ reason: 5 }, { reason: '' }, { reason: null }, { reason: ['no'] }, { reason: { text: 'no' } }, { reason: true }])
        : r.pick([{ force: true }, { reason: 'x' }, { mode: 'full' }]);
  } else if (kind === 'huge') {
    const n = r.int(501, Math.max(600, d.route.capBytes - 100));
    body = reason ? { reason: r.text(n, VISIBLE.replace(/["\\]/g, '')) } : { [r.text(r.int(1, 50), B64URL)]: r.text(n, B64URL) };
  } else if (kind === 'unknown') {
    const extra = r.pick(['colour', 'Mode', 'mode ', 'deviceGuid', 'actionId', 'state', 'tenantId', 'approved', r.text(r.int(1, 300), B64URL)]);
    body = { ...(wipe ? { mode: 'accountOnly' } : {}), [extra]: r.pick(['red', 1, null, [], {}]) };
    if (r.chance(0.2)) body = Object.fromEntries(Array.from({ length: r.int(20, 300) }, (_, i) => [`k${i}`, i]));
  } else if (kind === 'array') body = r.pick([[], [{}], [{ mode: 'full' }], [[]], [null]]);
  else if (kind === 'primitive') {
    d.body = r.pick(['null', '0', '-1', '"{}"', 'true', 'false', '""', '1e999', '"accountOnly"']);
    return 'body:primitive';
  } else if (kind === 'proto') {
    d.body = r.pick([
      '{"__proto__":{"polluted":"yes"}}',
      '{"__proto__":{"mode":"full"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"reason":"x","__proto__":{"reason":"y","polluted":"yes"}}',
      '{"__proto__":null}',
      '{"prototype":{"polluted":"yes"}}',
      '{"hasOwnProperty":"x"}',
      '{"toString":"x","valueOf":1}',
    ]);
    return 'body:proto';
  } else {
    const depth = r.int(50, Math.min(3_000, Math.floor(d.route.capBytes / 2) - 20));
    d.body = r.pick([`${'['.repeat(depth)}${']'.repeat(depth)}`, `{"notify":${'['.repeat(depth)}${']'.repeat(depth)}}`, `${'{"a":'.repeat(Math.floor(depth / 5))}1${'}'.repeat(Math.floor(depth / 5))}`]);
    return 'body:deep';
  }
  d.body = JSON.stringify(body);
  return `body:${kind}`;
}

function badContentType(r: Rng, d: Draft): string | false {
  if (!d.route.body) return false;
  // A body the route would take, under a media type that is not JSON (or none at all).
  if (d.body === null || String(d.body).trim() === '') d.body = '{}';
  d.contentType = r.pick([null, 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/octet-stream', 'application/jsonp', 'json', '*/*', 'application/x-json', ';', 'text/json']);
  if (d.contentType === null) d.body = Buffer.from(String(d.body));
  return `contentType:${d.contentType ?? 'none'}`;
}

function oversize(r: Rng, d: Draft): string | false {
  if (!d.route.body) return false;
  const n = d.route.capBytes + r.int(1, d.route.capBytes * 3);
  d.body = JSON.stringify(d.route.body === 'empty' ? { x: 'a'.repeat(n) } : { reason: 'a'.repeat(n) });
  d.stream = r.chance(0.4);
  return `size:${d.stream ? 'stream' : 'declared'}`;
}

function badIdempotencyKey(r: Rng, d: Draft): string | false {
  if (!d.route.idempotency) return false;
  const kind = r.pick(['long', 'control', 'space', 'latin1', 'empty'] as const);
  if (kind === 'long') d.idempotencyKey = r.text(r.int(201, 2_000), VISIBLE);
  // The control characters an HTTP parser lets through (tab); the others are refused before any function (see the last test).
  else if (kind === 'control') d.idempotencyKey = `${r.text(r.int(1, 20), VISIBLE)}\t${r.text(r.int(1, 20), VISIBLE)}`;
  else if (kind === 'space') d.idempotencyKey = `${r.text(r.int(1, 20), B64URL)} ${r.text(r.int(1, 20), B64URL)}`;
  else if (kind === 'latin1') d.idempotencyKey = `${r.text(r.int(0, 20), B64URL)}${r.pick(['é', 'ÿ', '\u00a0', '\u0085', 'ß'])}${r.text(r.int(0, 20), B64URL)}`;
  else d.idempotencyKey = '';
  return `idempotency:${kind}`;
}

const AUDIT_BAD: ((r: Rng) => string)[] = [
  (r) => `${r.pick(['colour', 'top', 'skip', '$skip', '$filter', 'Device', 'from ', '__proto__', 'constructor', 'tenant', 'tenantId'])}=${encodeURIComponent(r.pick(['1', 'x', "PartitionKey ne ''"]))}`,
  (r) => `$top=${encodeURIComponent(r.pick(['0', '1001', '-1', '1e3', '0x10', '', ' 5', '5.5', 'abc', '99999', '１０']))}`,
  (r) => `${r.pick(['from', 'to'])}=${encodeURIComponent(r.pick(['yesterday', '2026-13-01', '2026-02-30', '2026-01-01T25:00:00Z', '2026-01-01T12:00:00', '1969-12-31T23:59:59Z', '2300-01-01', '', 'now', '1700000000000', r.text(r.int(1, 1_000), VISIBLE)]))}`,
  () => 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
  () => 'from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
  (r) => `device=${encodeURIComponent(r.pick(['not-a-guid', guidOf(r) + 'x', `${guidOf(r)}' or target ne '`, '', '*']))}`,
  (r) => `actor=${encodeURIComponent(r.pick(['', r.text(r.int(257, 1_000), VISIBLE)]))}`,
  (r) => `action=${encodeURIComponent(r.pick(['wipe*', "wipe.' or action ne '", '', 'ä', r.text(r.int(101, 500), HEX), 'wipe request']))}`,
  (r) => `continuation=${encodeURIComponent(r.pick(['garbage!', '', r.text(r.int(1, 200), B64URL), b64({ v: 1, m: '202601', k: '0', h: 'x' }), b64({ v: 1, m: '202601', k: `${'9'.repeat(13)}-${guidOf(r)}`, h: r.text(32, B64URL) }), r.text(2_001, B64URL)]))}`,
];

function badQuery(r: Rng, d: Draft): string | false {
  if (d.route.query === 'force') {
    d.query = `?${r.pick(['force=yes', 'force=TRUE', 'force=', 'force=1', 'colour=red', '__proto__=1', 'constructor=x', 'force=true&extra=1', 'force%5B%5D=true', 'FORCE=true', 'force=true&force=maybe'])}`;
    return 'query:force';
  }
  if (d.route.query === 'audit') {
    const valid = r.pick(['', '$top=5&', 'action=wipe.&', `device=${guidOf(r)}&`]);
    d.query = `?${valid}${r.pick(AUDIT_BAD)(r)}`;
    return 'query:audit';
  }
  return false;
}

const DEFECTS: ((r: Rng, d: Draft, t: Tokens) => string | false)[] = [badToken, badParam, badBody, badBody, badContentType, oversize, badIdempotencyKey, badQuery, badQuery];

function validDraft(r: Rng, route: FuzzRoute, devices: DeviceRecord[], t: Tokens): Draft {
  const d: Draft = { route, segment: '', query: '', authorization: `Bearer ${t.valid}`, contentType: 'application/json', idempotencyKey: null, body: null, stream: false, extraHeaders: {}, defects: [] };
  if (route.param === 'guid') d.segment = r.pick(devices).deviceGuid;
  else if (route.param === 'action') d.segment = actionIdOf(r);
  if (route.body === 'wipe') d.body = r.pick(['{}', '{"reason":"lost phone"}', '{"mode":"accountOnly","notify":["it@contoso.com"]}', '']);
  else if (route.body === 'empty') d.body = r.pick(['{}', '', ' ']);
  else if (route.body === 'reject') d.body = r.pick(['{}', '{"reason":"not this one"}']);
  if (route.idempotency && r.chance(0.5)) d.idempotencyKey = `fuzz-${r.text(12, B64URL)}`;
  if (route.query === 'force') d.query = r.pick(['', '?force=false', '?force=true']);
  // Noise a route ignores: unknown headers, and query values on routes without a query.
  if (r.chance(0.2)) d.extraHeaders[r.pick(['x-forwarded-for', 'x-http-method-override', 'accept', 'x-ms-client-principal', 'origin'])] = r.pick(['DELETE', '127.0.0.1', '*/*', b64({ userId: 'admin' }), 'https://evil.example']);
  if (!route.query && r.chance(0.2)) d.query = `?${r.pick(['force=true', '__proto__[polluted]=1', 'x=1'])}`;
  return d;
}

function generate(count: number, seed: number, devices: DeviceRecord[], t: Tokens): Draft[] {
  const r = rngOf(seed);
  const out: Draft[] = [];
  while (out.length < count) {
    const d = validDraft(r, r.pick(ROUTES), devices, t);
    const wanted = r.chance(0.25) ? r.int(2, 3) : 1;
    for (let tries = 0; d.defects.length < wanted && tries < 20; tries++) {
      const applied = r.pick(DEFECTS)(r, d, t);
      if (applied) d.defects.push(applied);
    }
    // Never a bare dot segment: URL parsing would resolve it to another route.
    if (d.defects.length > 0 && !/^(?:\.|%2e){1,2}$/i.test(d.segment)) out.push(d);
  }
  return out;
}

interface Outcome {
  draft: Draft;
  status: number;
  contentType: string | null;
  body: string;
}

async function send(d: Draft): Promise<Outcome> {
  const headers: Record<string, string> = { ...d.extraHeaders };
  if (d.authorization !== null) headers.authorization = d.authorization;
  if (d.contentType !== null) headers['content-type'] = d.contentType;
  if (d.idempotencyKey !== null) headers['idempotency-key'] = d.idempotencyKey;
  let body: RequestInit['body'] = d.body === null ? undefined : d.body;
  if (d.stream && d.body !== null) {
    const bytes = Buffer.from(String(d.body));
    body = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 1_024) c.enqueue(bytes.subarray(i, i + 1_024));
        c.close();
      },
    });
  }
  const res = await fetch(`${fx.host.url}/api/${d.route.path.replace('{p}', d.segment)}${d.query}`, { method: d.route.method, headers, body, ...(d.stream ? { duplex: 'half' } : {}) } as RequestInit);
  return { draft: d, status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

async function pool<T, R>(items: T[], width: number, run: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await run(items[i]);
      }
    }),
  );
  return out;
}

/** Why an answer is not a 4xx problem+json, or null. */
function fault(o: Outcome): string | null {
  if (o.status < 400 || o.status > 499) return `status ${o.status}`;
  if (o.contentType !== 'application/problem+json') return `content-type ${o.contentType}`;
  try {
    const p = JSON.parse(o.body) as { status?: unknown; code?: unknown };
    if (p.status !== o.status || typeof p.code !== 'string' || p.code === '') return `problem ${o.body.slice(0, 200)}`;
  } catch {
    return `body is not JSON: ${o.body.slice(0, 200)}`;
  }
  return null;
}

let devices: DeviceRecord[] = [];
let tokens: Tokens;

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId)) if (d.clientType === 'EAS' && d.deviceId && !d.removed) devices.push(d);
  devices.sort((a, b) => a.deviceGuid.localeCompare(b.deviceGuid));
  const { idp, tenantId, callerApp } = fx.stack;
  const audience = `api://${fx.stack.clientId}`;
  const all = Object.values(Roles);
  const app = (o: Partial<Parameters<typeof idp.mintAppToken>[0]> = {}) => idp.mintAppToken({ tenantId, clientId: callerApp.clientId, audience, roles: all, ...o });
  const valid = await app();
  const [header, payload] = valid.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  tokens = {
    valid,
    refused: {
      expired: await app({ expiresInSeconds: -3_600 }),
      wrongAudience: await app({ audience: 'api://00000000-0000-0000-0000-000000000000' }),
      graphAudience: await app({ audience: 'https://graph.microsoft.com' }),
      otherTenant: await idp.mintAppToken({ tenantId: '11111111-2222-3333-4444-555555555555', clientId: callerApp.clientId, audience, roles: all }),
      unknownKey: await app({ signWithUnknownKey: true }),
      rs512: await app({ algorithm: 'RS512' }),
      noExp: await app({ omitClaims: ['exp'] }),
      noTid: await app({ omitClaims: ['tid'] }),
      noAudience: await app({ omitClaims: ['aud'] }),
      noRoles: await app({ roles: ['Policies.Manage'] }),
      userWithoutRoles: await idp.mintUserToken({ tenantId, audience, upn: 'mallory@contoso.com', roles: [] }),
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      algNoneUnsigned: `${b64({ alg: 'none' })}.${b64({ ...claims, roles: all })}`,
      tamperedPayload: `${header}.${b64({ ...claims, tid: '11111111-2222-3333-4444-555555555555' })}.${valid.split('.')[2]}`,
      hs256: `${b64({ alg: 'HS256', typ: 'JWT' })}.${payload}.${Buffer.from('x'.repeat(32)).toString('base64url')}`,
    },
  };
  expect(devices.length).toBeGreaterThan(3);
});

describe('malformed requests', () => {
  test(`When ${REQUESTS} malformed requests (seed ${SEED}) reach the action and audit routes, then each is answered 4xx problem+json, and nothing changes in Exchange or storage`, async () => {
    const drafts = generate(REQUESTS, SEED, devices, tokens);
    expect(drafts).toHaveLength(REQUESTS);
    expect(new Set(drafts.map((d) => `${d.route.method} ${d.route.path}`)).size).toBe(ROUTES.length);
    const outcomes = await pool(drafts, CONCURRENCY, send);
    const faults = outcomes.flatMap((o) => {
      const f = fault(o);
      return f ? [`${o.draft.route.method} /api/${o.draft.route.path.replace('{p}', o.draft.segment.slice(0, 80))}${o.draft.query.slice(0, 80)} [${o.draft.defects.join(', ')}]: ${f}`] : [];
    });
    expect(faults.slice(0, 20)).toEqual([]);

    // Every kind of defect was tried, and each kind was refused for its own reason.
    const kinds = new Set(outcomes.flatMap((o) => o.draft.defects.map((x) => x.split(':')[0])));
    expect([...kinds].sort()).toEqual(['body', 'contentType', 'idempotency', 'param', 'query', 'size', 'token']);
    const single = (kind: string) => outcomes.filter((o) => o.draft.defects.length === 1 && o.draft.defects[0].startsWith(`${kind}:`)).map((o) => o.status);
    expect(new Set(single('token'))).toEqual(new Set([401, 403]));
    expect(new Set(single('size'))).toEqual(new Set([413]));
    expect(new Set(single('contentType'))).toEqual(new Set([415]));
    for (const kind of ['body', 'param', 'idempotency', 'query']) expect([kind, new Set(single(kind))]).toEqual([kind, new Set([400])]);

    const calls = fx.stack.emulator.control.calls();
    expect({ clear: calls.byCmdlet['Clear-MobileDevice'] ?? 0, remove: calls.byCmdlet['Remove-MobileDevice'] ?? 0, setCas: calls.byCmdlet['Set-CASMailbox'] ?? 0 }).toEqual({ clear: 0, remove: 0, setCas: 0 });
    expect(calls.total).toBe(0);
    expect(await fx.runtime.storage.actions.open(fx.stack.tenantId)).toEqual([]);
    for (const d of devices) expect(await fx.runtime.storage.actions.forDevice(fx.stack.tenantId, d.deviceGuid)).toEqual([]);
    expect(await fx.runtime.storage.audit.list(fx.stack.tenantId, new Date().toISOString().slice(0, 7))).toEqual([]);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('When a header carries control characters, then the HTTP parser refuses the request (400) before any function runs, and Exchange is not called', async () => {
    const { port } = new URL(fx.host.url);
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        let answer = '';
        const s = net.connect(Number(port), '127.0.0.1', () => s.write(request));
        s.on('data', (c) => (answer += c));
        s.on('end', () => resolve(answer));
        s.on('error', (e) => resolve(`error ${e.message}`));
      });
    const guid = devices[0].deviceGuid;
    for (const ch of ['\x00', '\x01', '\x1b', '\x7f', '\x0b']) {
      const answer = await raw(`POST /api/devices/${guid}/block HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens.valid}\r\nContent-Type: application/json\r\nIdempotency-Key: key${ch}x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    }
    expect(fx.stack.emulator.control.calls().total).toBe(0);
    expect(await fx.runtime.storage.actions.forDevice(fx.stack.tenantId, guid)).toEqual([]);
  });
});
