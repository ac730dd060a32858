/**
 * Device access rules end to end: the real routes on the local host, Azurite, the
 * identity provider and the Exchange emulator. Every test asserts the rules the emulator
 * holds afterwards (and its devices, its call counters, the audit trail), not only the
 * answer. ACCESS_CONFIRM_ABOVE is 5 here, so a rule over a device family needs its
 * impact confirmed.
 */
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 120, mailboxes: 50, seed: 23 } }, host: {}, settings: { ACCESS_CONFIRM_ABOVE: '5' } });
const ADMIN = 'admin.two@contoso.com';

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
});

async function call(method: string, route: string, o: { body?: unknown; headers?: Record<string, string>; roles?: string[] } = {}) {
  const token = await fx.stack.callerToken({ roles: o.roles ?? ['Policies.Read', 'Policies.Manage'], upn: ADMIN });
  const res = await fetch(`${fx.host.url}/api/${route}`, {
    method,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...o.headers },
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as any };
}

const emu = () => fx.stack.emulator.control;
const rulesInExchange = () => emu().listRules().map((r) => ({ identity: r.name, accessLevel: r.accessLevel }));
const identities = () => rulesInExchange().map((r) => r.identity).sort();
const calls = (cmdlet: string) => emu().calls().byCmdlet[cmdlet] ?? 0;
const auditOf = async (action: string, target: string) => (await fx.runtime.storage.audit.list(fx.stack.tenantId, new Date().toISOString().slice(0, 7))).filter((e) => e.action === action && e.target === target);
const create = (characteristic: string, queryString: string, accessLevel: string, confirmImpact?: number) => call('POST', 'access/rules', { body: { characteristic, queryString, accessLevel, ...(confirmImpact === undefined ? {} : { confirmImpact }) } });

describe('device access rules', () => {
  test('When a rule is created, then Exchange holds exactly one more rule, named <QueryString> (<Characteristic>), and the answer gives its URL-safe connector id', async () => {
    const before = identities();
    const r = await create('UserAgent', 'Outlook-iOS/2.0', 'Allow');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ managed: true, identity: 'Outlook-iOS/2.0 (UserAgent)', inExchange: true, accessLevel: 'Allow', desired: { characteristic: 'UserAgent', queryString: 'Outlook-iOS/2.0', accessLevel: 'Allow' }, drift: [] });
    expect(r.body.id).toMatch(/^[a-z0-9-]+$/);
    expect(r.headers.get('location')).toBe(`/api/access/rules/${r.body.id}`);
    expect(identities()).toEqual([...before, 'Outlook-iOS/2.0 (UserAgent)'].sort());
    expect(calls('New-ActiveSyncDeviceAccessRule')).toBe(1);

    const again = await create('UserAgent', 'outlook-ios/2.0', 'Block');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'RuleExists', ruleId: r.body.id, managed: true });
    expect(calls('New-ActiveSyncDeviceAccessRule')).toBe(1);

    const list = await call('GET', 'access/rules', { roles: ['Policies.Read'] });
    expect(list.body.rules).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: r.body.id, managed: true, identity: 'Outlook-iOS/2.0 (UserAgent)' }),
      expect.objectContaining({ id: null, managed: false, identity: 'SM-G950F (DeviceModel)' }),
    ]));
    const [entry] = await auditOf('access.rule.create', r.body.id);
    expect(entry).toMatchObject({ actor: ADMIN, outcome: 'done', details: { after: { identity: 'Outlook-iOS/2.0 (UserAgent)', accessLevel: 'Allow' }, requestId: expect.any(String) } });
  });

  test('When a UserAgent rule and a DeviceModel rule both match a device, then the UserAgent rule decides, in the preview and in the emulator', async () => {
    const model = 'Outlook for iOS and Android';
    const stateBefore = new Map(emu().listDevices().map((d) => [d.guid, d.accessState]));
    const p = await call('POST', 'access/preview', { body: { rule: { characteristic: 'DeviceModel', queryString: model, accessLevel: 'Block' } } });
    expect(p.status).toBe(200);
    // 'Outlook-iOS/2.0 (UserAgent)' Allow (the first test's) keeps the iOS ones: only Outlook for Android is blocked.
    expect(p.body.impact).toBeGreaterThan(0);
    expect(p.body.devices.every((d: { deviceModel: string; stateAfter: string }) => d.deviceModel === model && d.stateAfter === 'Blocked')).toBe(true);
    const ios = emu().listDevices().filter((d) => d.deviceUserAgent === 'Outlook-iOS/2.0').map((d) => d.guid);
    expect(ios.length).toBeGreaterThan(0);
    expect(p.body.devices.filter((d: { deviceGuid: string }) => ios.includes(d.deviceGuid))).toEqual([]);

    const r = await create('DeviceModel', model, 'Block', p.body.impact);
    expect(r.status).toBe(201);
    const blocked = emu().listDevices().filter((d) => d.accessState === 'Blocked' && stateBefore.get(d.guid) !== 'Blocked').map((d) => d.guid);
    // The emulator applies a new rule at once, UserAgent before DeviceModel (dev/exo-emulator/store/device-rules.ts).
    expect(blocked.sort()).toEqual(p.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort());
    expect(emu().listDevices().filter((d) => ios.includes(d.guid)).every((d) => d.accessControlRule === null || d.accessControlRule === 'Outlook-iOS/2.0 (UserAgent)')).toBe(true);
    expect((await call('DELETE', `access/rules/${r.body.id}`)).status).toBe(200);
  });

  test('When a rule would quarantine more devices than the threshold, then 409 names the preview\'s count; confirmed, then 201 and the emulator quarantines exactly those devices', async () => {
    const stateBefore = new Map(emu().listDevices().map((d) => [d.guid, d.accessState]));
    const p = await call('POST', 'access/preview', { body: { rule: { characteristic: 'DeviceType', queryString: 'iPhone', accessLevel: 'Quarantine' } } });
    expect(p.status).toBe(200);
    expect(p.body.impact).toBeGreaterThan(5);
    expect(p.body.devices.every((d: { deviceType: string; decidedBy: string }) => d.deviceType === 'iPhone' && d.decidedBy === 'rule iPhone (DeviceType)')).toBe(true);

    const refused = await create('DeviceType', 'iPhone', 'Quarantine');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ImpactConfirmationRequired', impact: p.body.impact, wouldQuarantine: p.body.impact, threshold: 5 });
    expect(identities()).not.toContain('iPhone (DeviceType)');

    const ok = await create('DeviceType', 'iPhone', 'Quarantine', p.body.impact);
    expect(ok.status).toBe(201);
    expect(identities()).toContain('iPhone (DeviceType)');
    const quarantined = emu().listDevices().filter((d) => d.accessState === 'Quarantined' && stateBefore.get(d.guid) !== 'Quarantined').map((d) => d.guid);
    // The emulator applies a new rule to every device at once (reference: rules apply to devices not personally exempted).
    expect({ emulatorAppliedTheRuleAtOnce: quarantined.length > 0 }).toEqual({ emulatorAppliedTheRuleAtOnce: true });
    expect(quarantined.sort()).toEqual(p.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort());

    // Back as it was, confirmed as well: removing the rule releases them (nothing newly blocked: no confirmation needed).
    const removed = await call('DELETE', `access/rules/${ok.body.id}`);
    expect(removed.status).toBe(200);
    expect(identities()).not.toContain('iPhone (DeviceType)');
  });

  test('When only the access level changes, then one Set- call and the same identity; an If-Match gone stale is 412', async () => {
    const r = await create('DeviceModel', 'Lumia 950', 'Block');
    const sets = calls('Set-ActiveSyncDeviceAccessRule');
    const u = await call('PUT', `access/rules/${r.body.id}`, { body: { characteristic: 'DeviceModel', queryString: 'Lumia 950', accessLevel: 'Allow' }, headers: { 'if-match': r.headers.get('etag')! } });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ id: r.body.id, identity: 'Lumia 950 (DeviceModel)', accessLevel: 'Allow' });
    expect(calls('Set-ActiveSyncDeviceAccessRule')).toBe(sets + 1);
    expect(rulesInExchange()).toContainEqual({ identity: 'Lumia 950 (DeviceModel)', accessLevel: 'Allow' });
    const stale = await call('PUT', `access/rules/${r.body.id}`, { body: { characteristic: 'DeviceModel', queryString: 'Lumia 950', accessLevel: 'Block' }, headers: { 'if-match': r.headers.get('etag')! } });
    expect(stale.status).toBe(412);
    expect(rulesInExchange()).toContainEqual({ identity: 'Lumia 950 (DeviceModel)', accessLevel: 'Allow' });
  });

  test('When a query change\'s removal of the old rule fails once, then the new rule exists, the old one is pending, and the PUT again leaves exactly one rule', async () => {
    const r = await create('DeviceOS', 'Android 9', 'Block');
    const before = identities();
    emu().failNext('Remove-ActiveSyncDeviceAccessRule', 1, { status: 500 });
    const body = { characteristic: 'DeviceOS', queryString: 'Android 10', accessLevel: 'Block' };
    const half = await call('PUT', `access/rules/${r.body.id}`, { body });
    expect(half.status).toBe(502);
    expect(half.body).toMatchObject({ code: 'RuleRemovalPending', ruleId: r.body.id, identity: 'Android 10 (DeviceOS)', pendingRemoval: ['Android 9 (DeviceOS)'] });
    // The new rule came first: both exist now.
    expect(identities()).toEqual([...before, 'Android 10 (DeviceOS)'].sort());
    expect((await call('GET', 'access/rules')).body.rules.find((x: { id: string }) => x.id === r.body.id)).toMatchObject({ identity: 'Android 10 (DeviceOS)', pendingRemoval: ['Android 9 (DeviceOS)'] });

    const retry = await call('PUT', `access/rules/${r.body.id}`, { body });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: r.body.id, identity: 'Android 10 (DeviceOS)', pendingRemoval: [] });
    expect(identities().filter((i) => i.includes('(DeviceOS)'))).toEqual(['Android 10 (DeviceOS)']);
  });

  test('When the removal fails once and nobody retries, then the reconcile removes the old rule: exactly one rule, the unmanaged ones untouched', async () => {
    const r = await create('DeviceModel', 'Pixel 6', 'Block');
    emu().failNext('Remove-ActiveSyncDeviceAccessRule', 1, { status: 500 });
    const half = await call('PUT', `access/rules/${r.body.id}`, { body: { characteristic: 'DeviceModel', queryString: 'Pixel 7', accessLevel: 'Block' } });
    expect(half.status).toBe(502);
    expect(identities()).toEqual(expect.arrayContaining(['Pixel 6 (DeviceModel)', 'Pixel 7 (DeviceModel)']));

    const seeded = rulesInExchange().find((x) => x.identity === 'SM-G950F (DeviceModel)')!;
    const report = await fx.runtime.access.reconcile();
    expect(report!.rules.removed).toEqual(['Pixel 6 (DeviceModel)']);
    expect(report!.rules.unmanaged).toContain('SM-G950F (DeviceModel)');
    expect(identities().filter((i) => i.startsWith('Pixel'))).toEqual(['Pixel 7 (DeviceModel)']);
    expect(rulesInExchange()).toContainEqual(seeded);
    const [removal] = await auditOf('access.rule.remove', r.body.id).then((es) => es.filter((e) => e.outcome === 'done'));
    expect(removal).toMatchObject({ actor: 'connector', details: { identity: 'Pixel 6 (DeviceModel)', by: 'reconcile' } });
  });

  test('When rules are changed or removed by hand, then the reconcile puts the managed ones back, reports the unmanaged one and leaves it alone', async () => {
    const a = await create('DeviceModel', 'Nokia 3310', 'Block');
    const b = await create('DeviceModel', 'Nokia 8110', 'Block');
    emu().setRuleByHand({ queryString: 'Nokia 3310', characteristic: 'DeviceModel', accessLevel: 'Allow' });
    emu().removeRuleByHand('Nokia 8110 (DeviceModel)');
    emu().setRuleByHand({ queryString: 'SM-G950F', characteristic: 'DeviceModel', accessLevel: 'Block' });
    const seen = (await call('GET', 'access/rules')).body.rules;
    expect(seen.find((x: { id: string }) => x.id === a.body.id).drift).toEqual([{ setting: 'accessLevel', desired: 'Block', found: 'Allow' }]);
    expect(seen.find((x: { id: string }) => x.id === b.body.id)).toMatchObject({ inExchange: false, drift: [{ setting: 'exists', desired: true, found: false }] });

    const report = await fx.runtime.access.reconcile();
    expect(report!.rules.repaired).toBe(2);
    expect(report!.rules.drift.map((d) => `${d.identity}:${d.setting}`).sort()).toEqual(['Nokia 3310 (DeviceModel):accessLevel', 'Nokia 8110 (DeviceModel):exists']);
    expect(rulesInExchange()).toEqual(expect.arrayContaining([{ identity: 'Nokia 3310 (DeviceModel)', accessLevel: 'Block' }, { identity: 'Nokia 8110 (DeviceModel)', accessLevel: 'Block' }, { identity: 'SM-G950F (DeviceModel)', accessLevel: 'Block' }]));
    const after = (await call('GET', 'access/rules')).body;
    expect(after.inSync).toBe(true);
    expect(after.rules.find((x: { id: string }) => x.id === a.body.id).driftHistory).toEqual([expect.objectContaining({ setting: 'accessLevel', found: 'Allow', repairedAt: report!.at })]);
    emu().setRuleByHand({ queryString: 'SM-G950F', characteristic: 'DeviceModel', accessLevel: 'Quarantine' });

    const sets = calls('Set-ActiveSyncDeviceAccessRule') + calls('New-ActiveSyncDeviceAccessRule') + calls('Remove-ActiveSyncDeviceAccessRule');
    expect(await fx.runtime.access.reconcile()).toMatchObject({ driftFound: false, changes: 0 });
    expect(calls('Set-ActiveSyncDeviceAccessRule') + calls('New-ActiveSyncDeviceAccessRule') + calls('Remove-ActiveSyncDeviceAccessRule')).toBe(sets);
  });

  test('When a rule body or id is bad, then 400 names every field and Exchange is not called', async () => {
    const before = emu().calls().total;
    const bad = await call('POST', 'access/rules', { body: { characteristic: 'XMSWLHeader', queryString: ' iPhone', accessLevel: 'Deny' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.accessLevel', 'body.characteristic', 'body.queryString']);
    const id = await call('PUT', 'access/rules/not-an-id', { body: { characteristic: 'DeviceType', queryString: 'iPhone', accessLevel: 'Allow' } });
    expect(id.status).toBe(400);
    expect(id.body.errors[0].field).toBe('route.id');
    const preview = await call('POST', 'access/preview', { body: { rule: { remove: true } } });
    expect(preview.status).toBe(400);
    expect(emu().calls().total).toBe(before);
  });
});
