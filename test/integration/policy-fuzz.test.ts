/**
 * Malformed requests to the policy routes: every answer is a 4xx problem+json naming
 * what is wrong, none is a 5xx, Exchange is never called and nothing is stored.
 */
import { randomBytes } from 'node:crypto';
import { POLICY_GROUPS, POLICY_SETTINGS } from '../../lib/domain/policy';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 5, mailboxes: 3, seed: 9 } }, host: {} });

/** A deterministic stream of bad values: wrong types, out of range, unknown names, odd shapes. */
function* badBodies(n: number): Generator<unknown> {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const weird: unknown[] = [null, true, -1, 1e308, 17, 0, '', ' ', 'Unlimited ', '25:00:00', '-00:01:00', '1.5', 'NaN', [], [null], {}, { a: 1 }, 'x'.repeat(300), '\u0000', '10 TB', '2147482625', 2147483648, 3.5, ['a', 'a']];
  for (let i = 0; i < n; i++) {
    const s = pick(POLICY_SETTINGS);
    const kind = i % 6;
    if (kind === 0) yield { groups: { [s.group]: { [s.key]: pick(weird) } }, extra: 1 };
    else if (kind === 1) yield { groups: { [pick(POLICY_GROUPS)]: { [`${s.key}X`]: true } } };
    else if (kind === 2) yield { groups: { [s.group === 'password' ? 'security' : 'password']: { [s.key]: s.default } } };
    else if (kind === 3) yield { groups: pick(weird.filter((w) => !(typeof w === 'object' && w !== null && !Array.isArray(w) && Object.keys(w).length === 0))) };
    else if (kind === 4) yield { groups: { [s.group]: { [s.key]: typeof s.default === 'number' ? String(s.default) : 42 } }, isDefault: pick(['true', 1, null]) };
    else yield pick([null, [], 'groups', { groups: { Password: {} } }, { allowExternalDeviceManagement: 'yes', groups: {} }]);
  }
}

test('When 300 malformed policy bodies, names and headers are sent, then each answer is a 4xx problem naming the field, never a 5xx, and Exchange is never called', async () => {
  const token = await fx.stack.callerToken({ roles: ['Policies.Read', 'Policies.Manage'] });
  const send = async (method: string, route: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers } });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  };
  fx.stack.emulator.control.resetCounters();
  const answers: { status: number; type: string; text: string; what: string }[] = [];
  let i = 0;
  for (const body of badBodies(240)) {
    const method = i++ % 2 ? 'PUT' : 'PATCH';
    answers.push({ ...(await send(method, 'policies/Fuzz%20Target', body)), what: `${method} ${JSON.stringify(body).slice(0, 80)}` });
  }
  const names = ['a'.repeat(65), '%20%20', 'a%2Fb', 'x%3F', 'x%23', '%00'];
  for (const n of names) answers.push({ ...(await send('PUT', `policies/${n}`, { groups: {} })), what: `PUT name ${n}` });
  for (const u of ['not-an-address', 'a b@c', '%40nobody']) answers.push({ ...(await send('PUT', `users/${u}/policy`, { policy: 'Default' })), what: `assign ${u}` });
  for (const b of ['{', '[]', '{"policy": 5}', '{"policy":"Default","x":1}', randomBytes(20).toString('base64')]) answers.push({ ...(await send('PUT', 'users/someone%40contoso.com/policy', b)), what: `assign body ${b}` });
  answers.push({ ...(await send('PUT', 'policies/Fuzz%20Target', { groups: {} }, { 'content-type': 'text/plain' })), what: 'text/plain' });
  answers.push({ ...(await send('DELETE', 'policies/Fuzz%20Target?deleteFromExchange=maybe', undefined)), what: 'delete query' });
  expect(answers.length).toBeGreaterThanOrEqual(250);
  for (const a of answers) {
    expect({ what: a.what, status: a.status >= 400 && a.status < 500 }).toEqual({ what: a.what, status: true });
    expect(a.type).toMatch(/application\/problem\+json/);
  }
  expect(fx.stack.emulator.control.calls().total).toBe(0);
  expect(await fx.runtime.storage.policies.list(fx.stack.tenantId)).toEqual([]);
});
