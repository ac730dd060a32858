/**
 * Mailbox policies end to end: the real routes on the local host, Azurite, the identity
 * provider and the emulator. Each test asserts the emulator's resulting policy (read back
 * with Get-MobileDeviceMailboxPolicy as an administrator would) and the calls it counted.
 */
import { completeGroup, normaliseFound, samePolicyValue, settingsOfGroup, POLICY_GROUPS, type PolicyGroup, type PolicyValue } from '../../lib/domain/policy';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 20, mailboxes: 8, seed: 3 } }, host: {} });

async function call(method: string, route: string, o: { body?: unknown; headers?: Record<string, string>; roles?: string[] } = {}) {
  const token = await fx.stack.callerToken({ roles: o.roles ?? ['Policies.Read', 'Policies.Manage'] });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: o.body === undefined ? undefined : JSON.stringify(o.body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...o.headers } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, etag: res.headers.get('etag'), body: (text ? JSON.parse(text) : null) as any };
}
const emu = () => fx.stack.emulator.control;
const calls = (cmdlet?: string) => (cmdlet ? (emu().calls().byCmdlet[cmdlet] ?? 0) : emu().calls().total);
/** The policy as Exchange shows it (an administrator's Get-MobileDeviceMailboxPolicy). */
const inExchange = (name: string) => emu().invoke('Get-MobileDeviceMailboxPolicy', { Identity: name })[0];
/** Every setting of a group, normalised, as Exchange holds it. */
const groupIn = (policy: Record<string, unknown>, g: PolicyGroup) => Object.fromEntries(settingsOfGroup(g).map((s) => [s.parameter, normaliseFound(s.parameter, policy[s.parameter])]));

test('When one password setting is PUT, then the whole password group is managed with one Set- call, and every other group is untouched in Exchange', async () => {
  emu().invoke('New-MobileDeviceMailboxPolicy', { Name: 'Sales Phones', PasswordEnabled: true, MinPasswordLength: 6, AllowCamera: false, MaxEmailAgeFilter: 'OneWeek' });
  const before = inExchange('Sales Phones');
  emu().resetCounters();
  const r = await call('PUT', 'policies/Sales%20Phones', { body: { groups: { password: { minPasswordLength: 8 } } } });
  expect(r.status).toBe(201);
  expect(calls('Set-MobileDeviceMailboxPolicy')).toBe(1);
  expect(calls('New-MobileDeviceMailboxPolicy')).toBe(0);
  const passwordParameters = new Set(settingsOfGroup('password').map((s) => s.parameter));
  // Exchange held PasswordEnabled true and 6: the group rule writes the length and every other member's default.
  expect(r.body.exchangeCall.parameters.length).toBeGreaterThan(0);
  for (const p of r.body.exchangeCall.parameters) expect(passwordParameters.has(p)).toBe(true);
  // Exactly the password members whose value in Exchange differed from the completed group, computed here from what Exchange held.
  const desired = completeGroup('password', { minPasswordLength: 8 });
  const differing = settingsOfGroup('password').filter((d) => !samePolicyValue(desired[d.key], normaliseFound(d.parameter, before[d.parameter]) as PolicyValue)).map((d) => d.parameter);
  expect([...r.body.exchangeCall.parameters].sort()).toEqual(differing.sort());
  expect(differing).toEqual(expect.arrayContaining(['MinPasswordLength', 'PasswordEnabled']));
  // And Exchange now holds the whole completed group.
  const now = inExchange('Sales Phones');
  for (const d of settingsOfGroup('password')) expect({ [d.key]: normaliseFound(d.parameter, now[d.parameter]) }).toEqual({ [d.key]: desired[d.key] });
  const after = inExchange('Sales Phones');
  expect(after.MinPasswordLength).toBe(8);
  expect(after.PasswordEnabled).toBe(false); // the group's default for a member left unset
  for (const g of POLICY_GROUPS.filter((x) => x !== 'password')) expect(groupIn(after, g)).toEqual(groupIn(before, g));
  expect(after.AllowCamera).toBe(false);
  expect(r.body.groups.password.managed).toBe(true);
  expect(r.body.groups.security.managed).toBe(false);
  expect(r.etag).toMatch(/^"[\w-]+"$/);
  // Relevance is shown with each setting.
  const length = r.body.groups.password.settings.find((s: { key: string }) => s.key === 'minPasswordLength');
  expect(length).toMatchObject({ desired: 8, found: 8, differs: false, relevance: 'current' });
});

test('When a setting is out of range (MinPasswordLength 17, MaxInactivityTimeLock 2 hours), then 400 names each with its allowed range and Exchange is not called', async () => {
  emu().resetCounters();
  const r = await call('PUT', 'policies/Range%20Test', { body: { groups: { password: { minPasswordLength: 17, maxInactivityTimeLock: '02:00:00' }, security: { allowCamera: 'no' } }, isDefault: 'yes' } });
  expect(r.status).toBe(400);
  const fields = r.body.errors.map((e: { field: string }) => e.field);
  expect(fields).toEqual(expect.arrayContaining(['body.groups.password.minPasswordLength', 'body.groups.password.maxInactivityTimeLock', 'body.groups.security.allowCamera', 'body.isDefault']));
  expect(r.body.errors.find((e: { field: string }) => e.field.endsWith('minPasswordLength')).reason).toMatch(/1-16/);
  expect(calls()).toBe(0);
  expect((await call('GET', 'policies/Range%20Test')).status).toBe(404);
});

test('When a managed policy is changed with a stale If-Match, then 412 and nothing changes; without If-Match 428; with the current one it applies', async () => {
  const created = await call('PUT', 'policies/Etag%20Test', { body: { groups: { security: { allowCamera: false } } } });
  expect(created.status).toBe(201);
  expect(inExchange('Etag Test').AllowCamera).toBe(false);
  const first = created.etag!;
  const second = await call('PATCH', 'policies/Etag%20Test', { body: { groups: { security: { allowBluetooth: 'Disable' } } }, headers: { 'if-match': first } });
  expect(second.status).toBe(200);
  emu().resetCounters();
  const stale = await call('PATCH', 'policies/Etag%20Test', { body: { groups: { security: { allowCamera: true } } }, headers: { 'if-match': first } });
  expect(stale.status).toBe(412);
  expect(stale.body.code).toBe('PreconditionFailed');
  const missing = await call('PUT', 'policies/Etag%20Test', { body: { groups: { security: {} } } });
  expect(missing.status).toBe(428);
  expect(calls()).toBe(0);
  expect(inExchange('Etag Test')).toMatchObject({ AllowCamera: false, AllowBluetooth: 'Disable' });
  const ok = await call('PATCH', 'policies/Etag%20Test', { body: { groups: { security: { allowCamera: true } } }, headers: { 'if-match': second.etag! } });
  expect(ok.status).toBe(200);
  expect(inExchange('Etag Test')).toMatchObject({ AllowCamera: true, AllowBluetooth: 'Disable' });
});

test('When nothing changed, then the reconcile reports no drift and makes no Set- call; a setting changed by hand is found, repaired and shown', async () => {
  await call('PUT', 'policies/Drift%20Test', { body: { groups: { password: { passwordEnabled: true, minPasswordLength: 6, maxInactivityTimeLock: '00:15:00', passwordExpiration: '90.00:00:00' }, emailManagement: { maxAttachmentSize: '10MB' } }, allowExternalDeviceManagement: true } });
  expect(inExchange('Drift Test').AllowExternalDeviceManagement).toBe(true);
  emu().resetCounters();
  const quiet = await fx.runtime.reconcile.run();
  expect(quiet.reports!.policies).toMatchObject({ drifted: 0, repaired: 0, failures: 0, drift: [] });
  expect(calls('Set-MobileDeviceMailboxPolicy')).toBe(0);

  // An administrator changes two managed settings and an unmanaged one in the admin center.
  emu().invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Drift Test', MaxInactivityTimeLock: '00:30:00', AllowExternalDeviceManagement: false, AllowCamera: false });
  emu().resetCounters();
  const run = await fx.runtime.reconcile.run();
  expect(run.reports!.policies).toMatchObject({ drifted: 1, repaired: 1, failures: 0 });
  const found = (run.reports!.policies as { drift: { parameter: string }[] }).drift.map((d) => d.parameter).sort();
  expect(found).toEqual(['AllowExternalDeviceManagement', 'MaxInactivityTimeLock']);
  expect(calls('Set-MobileDeviceMailboxPolicy')).toBe(1);
  expect(inExchange('Drift Test')).toMatchObject({ MaxInactivityTimeLock: '00:15:00', AllowExternalDeviceManagement: true, AllowCamera: false });

  const shown = await call('GET', 'policies/Drift%20Test');
  expect(shown.body.differences).toBe(0);
  const lock = shown.body.drift.find((d: { parameter: string }) => d.parameter === 'MaxInactivityTimeLock');
  expect(lock).toMatchObject({ desired: '00:15:00', found: '00:30:00', repairedAt: expect.any(String), requestId: expect.any(String) });
  const month = new Date().toISOString().slice(0, 7);
  expect((await fx.runtime.storage.audit.list(fx.stack.tenantId, month)).some((e) => e.action === 'policy.drift' && e.outcome === 'repaired' && e.target === 'policy:Drift Test')).toBe(true);
  // And again: nothing left to repair.
  emu().resetCounters();
  expect((await fx.runtime.reconcile.run()).reports!.policies).toMatchObject({ drifted: 0 });
  expect(calls('Set-MobileDeviceMailboxPolicy')).toBe(0);
});

test('When a policy is missing in Exchange, then PUT creates it with New- (unset values left out) and isDefault moves the default flag', async () => {
  emu().resetCounters();
  const r = await call('PUT', 'policies/Fresh%20Policy', { body: { groups: { general: { allowNonProvisionableDevices: false } }, isDefault: true } });
  expect(r.status).toBe(201);
  expect(calls('New-MobileDeviceMailboxPolicy')).toBe(1);
  expect(inExchange('Fresh Policy')).toMatchObject({ AllowNonProvisionableDevices: false, IsDefault: true });
  expect(inExchange('Default').IsDefault).toBe(false);
  // The default cannot be dropped, and a default policy is never removed from Exchange.
  const drop = await call('PATCH', 'policies/Fresh%20Policy', { body: { isDefault: false }, headers: { 'if-match': r.etag! } });
  expect(drop.status).toBe(409);
  expect(drop.body.code).toBe('DefaultPolicy');
  const del = await call('DELETE', 'policies/Fresh%20Policy?deleteFromExchange=true');
  expect(del.status).toBe(409);
  expect(del.body.code).toBe('DefaultPolicy');
  // Put the tenant's default back for the other tests.
  emu().invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', IsDefault: true });
});

test('When a mailbox is assigned a policy, then Exchange shows it on the mailbox; the policy cannot be removed from Exchange while assigned, and can once it is not', async () => {
  await call('PUT', 'policies/Assigned%20Policy', { body: { groups: { security: { requireDeviceEncryption: true } } } });
  const mailbox = emu().listMailboxes().find((m) => m.upn)!;
  const a = await call('PUT', `users/${encodeURIComponent(mailbox.upn!)}/policy`, { body: { policy: 'Assigned Policy' } });
  expect(a.status).toBe(200);
  const cas = emu().invoke('Get-CASMailbox', { Identity: mailbox.upn })[0];
  expect(String(cas.ActiveSyncMailboxPolicy)).toMatch(/Assigned Policy/);
  const refused = await call('DELETE', 'policies/Assigned%20Policy?deleteFromExchange=true');
  expect(refused.status).toBe(409);
  expect(refused.body.code).toBe('PolicyInUse');
  expect(inExchange('Assigned Policy')).toBeDefined();
  await call('PUT', `users/${encodeURIComponent(mailbox.upn!)}/policy`, { body: { policy: null } });
  const gone = await call('DELETE', 'policies/Assigned%20Policy?deleteFromExchange=true');
  expect(gone.status).toBe(200);
  expect(gone.body).toMatchObject({ stoppedManaging: true, removedFromExchange: { cmdlet: 'Remove-MobileDeviceMailboxPolicy' } });
  expect(() => inExchange('Assigned Policy')).toThrow();
  expect((await call('GET', 'policies/Assigned%20Policy')).status).toBe(404);
});

test('When a caller has only Policies.Read, then reads work and every change is 403 with no Exchange call', async () => {
  emu().resetCounters();
  const list = await call('GET', 'policies', { roles: ['Policies.Read'] });
  expect(list.status).toBe(200);
  expect(list.body.policies.some((p: { name: string; isDefault: boolean }) => p.isDefault)).toBe(true);
  const before = calls();
  const put = await call('PUT', 'policies/Default', { body: { groups: { password: {} } }, roles: ['Policies.Read'] });
  expect(put.status).toBe(403);
  expect(calls()).toBe(before);
});
