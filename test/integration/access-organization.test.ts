/**
 * The organization's ActiveSync settings end to end: the real routes on the local host,
 * Azurite, the identity provider and the Exchange emulator. Every test asserts what the
 * emulator holds afterwards (its settings, its devices' access states, its call
 * counters) and the audit trail, not only the answer.
 */
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 150, mailboxes: 60, seed: 11 } }, host: {} });
const ADMIN = 'admin.one@contoso.com';

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
const settingsInExchange = () => emu().getOrganizationSettings();
const calls = (cmdlet: string) => emu().calls().byCmdlet[cmdlet] ?? 0;
const etag = async () => (await call('GET', 'access/organization')).headers.get('etag')!;
const auditOf = async (action: string) => (await fx.runtime.storage.audit.list(fx.stack.tenantId, new Date().toISOString().slice(0, 7))).filter((e) => e.action === action);

describe('organization settings', () => {
  test('When the settings are read, then Exchange\'s values come with the read-only ones (as Exchange holds them, never managed), no managed value yet, and an ETag', async () => {
    emu().setOrganizationFlags({ isIntuneManaged: true });
    const r = await call('GET', 'access/organization', { roles: ['Policies.Read'] });
    expect(r.status).toBe(200);
    expect(r.body.readOnly).toMatchObject({ IsIntuneManaged: true, HasAzurePremiumSubscription: false });
    expect(r.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(r.body).toMatchObject({ exchange: { defaultAccessLevel: 'Allow', adminMailRecipients: [] }, managed: {}, drift: [], inSync: true, etag: r.headers.get('etag') });
    expect(Object.keys(r.body.readOnly)).toEqual(expect.arrayContaining(['DeviceFiltering', 'IsIntuneManaged', 'HasAzurePremiumSubscription']));
  });

  test('When a PUT has no If-Match, then 428; a stale one, then 412; the current one, then 200 and Exchange holds the new values', async () => {
    const before = emu().calls().total;
    const body = { defaultAccessLevel: 'Allow', userMailInsert: 'Call the service desk on 1234 to get your phone released.', adminMailRecipients: ['mobile.admins@contoso.com'] };
    const missing = await call('PUT', 'access/organization', { body });
    expect(missing.status).toBe(428);
    expect(missing.body.code).toBe('PreconditionRequired');
    expect(emu().calls().total).toBe(before);

    const stale = await etag();
    emu().setOrganizationSettingsByHand({ OtaNotificationMailInsert: 'changed by hand in the admin center' });
    const refused = await call('PUT', 'access/organization', { body, headers: { 'if-match': stale } });
    expect(refused.status).toBe(412);
    expect(refused.body.code).toBe('PreconditionFailed');
    expect(settingsInExchange().userMailInsert).toBe('');

    const sets = calls('Set-ActiveSyncOrganizationSettings');
    const ok = await call('PUT', 'access/organization', { body, headers: { 'if-match': await etag() } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ exchange: { userMailInsert: body.userMailInsert, adminMailRecipients: ['mobile.admins@contoso.com'] }, managed: body, inSync: true });
    expect(ok.headers.get('etag')).toBe(ok.body.etag);
    expect(settingsInExchange()).toMatchObject({ userMailInsert: body.userMailInsert, adminMailRecipients: ['mobile.admins@contoso.com'], otaNotificationMailInsert: 'changed by hand in the admin center' });
    // DefaultAccessLevel was Allow already: one call, with only the changed parameters.
    expect(calls('Set-ActiveSyncOrganizationSettings')).toBe(sets + 1);

    // The ETag of a settled change is current; a second writer with the old one is refused.
    const second = await call('PUT', 'access/organization', { body: { ...body, userMailInsert: 'other text' }, headers: { 'if-match': stale } });
    expect(second.status).toBe(412);
    expect(settingsInExchange().userMailInsert).toBe(body.userMailInsert);

    const [entry] = await auditOf('access.organization.set');
    expect(entry).toMatchObject({ actor: ADMIN, target: 'organization', outcome: 'done', details: { parameters: ['AdminMailRecipients', 'UserMailInsert'], before: { userMailInsert: '', adminMailRecipients: [] }, after: { userMailInsert: body.userMailInsert } } });
    expect(entry.details.requestId).toEqual(expect.any(String));
  });

  test('When AdminMailRecipients change, then Exchange gets the add/remove hash table: an address added by hand meanwhile stays', async () => {
    const tag = await etag();
    const current = (await call('GET', 'access/organization')).body.managed;
    emu().onNextCall('Set-ActiveSyncOrganizationSettings', () => {
      emu().setOrganizationSettingsByHand({ AdminMailRecipients: { '@odata.type': '#Exchange.GenericHashTable', add: ['added.by.hand@contoso.com'] } });
    });
    const r = await call('PUT', 'access/organization', { body: { ...current, adminMailRecipients: ['security@contoso.com'] }, headers: { 'if-match': tag } });
    expect(r.status).toBe(200);
    expect([...settingsInExchange().adminMailRecipients].sort()).toEqual(['added.by.hand@contoso.com', 'security@contoso.com']);
  });

  test('When the default would quarantine more devices than ACCESS_CONFIRM_ABOVE, then 409 names the count; with confirmImpact, then 200, and the devices the emulator quarantines are exactly the preview\'s', async () => {
    // A user whose ActiveSync is off: their ActiveSync phone is refused before any rule or default (the top of the precedence).
    const off = emu().listDevices().find((d) => d.clientType === 'EAS' && d.accessState === 'Allowed' && d.accessStateReason === 'Global')!;
    emu().invoke('Set-CASMailbox', { Identity: off.mailbox.upn, ActiveSyncEnabled: false });
    await fx.runtime.sync.run({ kind: 'full' });
    const stateBefore = new Map(emu().listDevices().map((d) => [d.guid, d.accessState]));
    const p = await call('POST', 'access/preview', { body: { defaultAccessLevel: 'Quarantine' }, roles: ['Policies.Read'] });
    expect(p.status).toBe(200);
    expect(p.body.impact).toBeGreaterThan(50);
    expect(p.body).toMatchObject({ threshold: 50, confirmRequired: true, counts: { Quarantined: p.body.impact, Blocked: 0, Allowed: 0 } });
    expect(p.body.devices[0]).toEqual(expect.objectContaining({ deviceGuid: expect.any(String), name: expect.any(String), user: expect.any(String), stateNow: 'Allowed', stateAfter: 'Quarantined', decidedBy: 'organization default' }));
    // The personally exempted and the seeded rule's devices are not the default's.
    expect(p.body.held.personalBlock).toBeGreaterThan(0);
    expect(p.body.held.activeSyncDisabled).toBeGreaterThan(0);
    expect(p.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid)).not.toContain(off.guid);

    const current = (await call('GET', 'access/organization')).body.managed;
    const body = { ...current, defaultAccessLevel: 'Quarantine' };
    const without = await call('PUT', 'access/organization', { body, headers: { 'if-match': await etag() } });
    expect(without.status).toBe(409);
    expect(without.body).toMatchObject({ code: 'ImpactConfirmationRequired', impact: p.body.impact, threshold: 50 });
    expect(without.body.detail).toContain(String(p.body.impact));
    const wrong = await call('PUT', 'access/organization', { body: { ...body, confirmImpact: p.body.impact - 1 }, headers: { 'if-match': await etag() } });
    expect(wrong.status).toBe(409);
    expect(settingsInExchange().defaultAccessLevel).toBe('Allow');

    const ok = await call('PUT', 'access/organization', { body: { ...body, confirmImpact: p.body.impact }, headers: { 'if-match': await etag() } });
    expect(ok.status).toBe(200);
    expect(ok.body.exchange.defaultAccessLevel).toBe('Quarantine');
    expect(settingsInExchange().defaultAccessLevel).toBe('Quarantine');
    const quarantined = emu().listDevices().filter((d) => d.accessState === 'Quarantined' && stateBefore.get(d.guid) !== 'Quarantined').map((d) => d.guid);
    // The emulator applies a DefaultAccessLevel change to every device at once (reference: "affects every connected device ... at once").
    expect({ emulatorAppliedTheDefaultAtOnce: quarantined.length > 0 }).toEqual({ emulatorAppliedTheDefaultAtOnce: true });
    expect(quarantined.sort()).toEqual(p.body.devices.map((d: { deviceGuid: string }) => d.deviceGuid).sort());
    expect(emu().getDevice(off.guid)!.accessState).toBe('Allowed');
    emu().invoke('Set-CASMailbox', { Identity: off.mailbox.upn, ActiveSyncEnabled: true });
  });

  test('When the default is changed by hand, then the reconcile finds the drift, repairs it with one Set- call, GET shows it, and a run with nothing to repair sends nothing', async () => {
    const managed = (await call('GET', 'access/organization')).body.managed;
    emu().setOrganizationSettingsByHand({ DefaultAccessLevel: 'Allow', UserMailInsert: 'typed by hand' });
    const seen = await call('GET', 'access/organization');
    expect(seen.body.inSync).toBe(false);
    expect(seen.body.drift).toEqual(expect.arrayContaining([{ setting: 'defaultAccessLevel', desired: managed.defaultAccessLevel, found: 'Allow' }, { setting: 'userMailInsert', desired: managed.userMailInsert, found: 'typed by hand' }]));

    const sets = calls('Set-ActiveSyncOrganizationSettings');
    const report = await fx.runtime.access.reconcile();
    expect(report).toMatchObject({ driftFound: true, changes: 1, organization: { repaired: true } });
    expect(report!.organization.drift.map((d) => d.setting).sort()).toEqual(['defaultAccessLevel', 'userMailInsert']);
    expect(calls('Set-ActiveSyncOrganizationSettings')).toBe(sets + 1);
    expect(settingsInExchange()).toMatchObject({ defaultAccessLevel: managed.defaultAccessLevel, userMailInsert: managed.userMailInsert });

    const after = await call('GET', 'access/organization');
    expect(after.body.inSync).toBe(true);
    expect(after.body.driftHistory).toEqual(expect.arrayContaining([expect.objectContaining({ setting: 'defaultAccessLevel', desired: managed.defaultAccessLevel, found: 'Allow', foundAt: report!.at, repairedAt: report!.at, requestId: expect.any(String) })]));
    const [repair] = await auditOf('access.organization.repair');
    expect(repair).toMatchObject({ actor: 'connector', outcome: 'done', details: { before: { defaultAccessLevel: 'Allow' }, after: { defaultAccessLevel: managed.defaultAccessLevel } } });

    const quiet = await fx.runtime.access.reconcile();
    expect(quiet).toMatchObject({ driftFound: false, changes: 0 });
    expect(calls('Set-ActiveSyncOrganizationSettings')).toBe(sets + 1);
  });

  test('When the connection drops after Set- was sent, then the answer says the outcome is unknown, nothing is resent, and the reconcile reads that Exchange holds it', async () => {
    const managed = (await call('GET', 'access/organization')).body.managed;
    const sets = calls('Set-ActiveSyncOrganizationSettings');
    emu().failNext('Set-ActiveSyncOrganizationSettings', 1, { status: 504, afterExecute: true });
    const r = await call('PUT', 'access/organization', { body: { ...managed, otaNotificationMailInsert: 'Your phone needs the company app.' }, headers: { 'if-match': await etag() } });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ code: 'ExchangeOutcomeUnknown', cmdlet: 'Set-ActiveSyncOrganizationSettings' });
    expect(r.body.detail).toMatch(/not sent again.*reconcile/);
    expect(calls('Set-ActiveSyncOrganizationSettings')).toBe(sets + 1);
    expect(settingsInExchange().otaNotificationMailInsert).toBe('Your phone needs the company app.');
    expect((await call('GET', 'access/organization')).body.outcomeUnknownAt).toEqual(expect.any(String));

    const report = await fx.runtime.access.reconcile();
    expect(report).toMatchObject({ driftFound: false, changes: 0 });
    expect(calls('Set-ActiveSyncOrganizationSettings')).toBe(sets + 1);
    expect((await call('GET', 'access/organization')).body).toMatchObject({ outcomeUnknownAt: null, inSync: true });
    const [entry] = await auditOf('access.organization.set');
    expect(entry).toMatchObject({ outcome: 'outcomeUnknown', details: { parameters: ['OtaNotificationMailInsert'] } });
  });

  test('When Exchange refuses the change, then the answer carries Exchange\'s words and the desired state stays as it was', async () => {
    const before = (await call('GET', 'access/organization')).body;
    emu().failNext('Set-ActiveSyncOrganizationSettings', 1, { status: 400, exceptionType: 'Microsoft.Exchange.Configuration.Tasks.TaskInvalidOperationException', message: 'The settings could not be saved.' });
    const r = await call('PUT', 'access/organization', { body: { ...before.managed, userMailInsert: 'refused text' }, headers: { 'if-match': before.etag } });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ code: 'ExchangeRefused', cmdlet: 'Set-ActiveSyncOrganizationSettings', requestId: expect.any(String) });
    expect(r.body.detail).toBe('Exchange refused Set-ActiveSyncOrganizationSettings: The settings could not be saved.');
    const after = (await call('GET', 'access/organization')).body;
    expect(after.managed).toEqual(before.managed);
    expect(after.inSync).toBe(true);
    expect(settingsInExchange().userMailInsert).toBe(before.exchange.userMailInsert);
  });

  test('When a body, header or route is bad, then 400 names every field and Exchange is not called', async () => {
    const before = emu().calls().total;
    const r = await call('PUT', 'access/organization', {
      body: { defaultAccessLevel: 'Sometimes', userMailInsert: 'x'.repeat(257), adminMailRecipients: ['not-an-address'], confirmImpact: -1, colour: 'blue' },
      headers: { 'if-match': await etag() },
    });
    const afterGet = emu().calls().total;
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body', 'body.adminMailRecipients.0', 'body.confirmImpact', 'body.defaultAccessLevel', 'body.userMailInsert']);
    const preview = await call('POST', 'access/preview', { body: {} });
    expect(preview.status).toBe(400);
    const quote = await call('PUT', 'access/organization', { body: { defaultAccessLevel: 'Allow' }, headers: { 'if-match': 'x'.repeat(201) } });
    expect(quote.status).toBe(400);
    expect(quote.body.errors[0].field).toBe('header.if-match');
    // Only the GET that read the ETag reached Exchange.
    expect(emu().calls().total).toBe(afterGet);
    expect(afterGet - before).toBeGreaterThan(0);
  });

  test('When a caller has only Policies.Read, then it reads but may not change (403)', async () => {
    const r = await call('PUT', 'access/organization', { body: { defaultAccessLevel: 'Block' }, headers: { 'if-match': await etag() }, roles: ['Policies.Read'] });
    expect(r.status).toBe(403);
    expect(r.body.requiredRole).toBe('Policies.Manage');
  });
});
