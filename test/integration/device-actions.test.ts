/**
 * Device actions end to end: the real function registrations on the local host, Azurite,
 * the identity provider and the Exchange emulator. Every test asserts the emulator's
 * resulting state (its devices, lists and call counters) and the stored actions, not
 * only the answer.
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { isOutlookMobile } from '../../lib/domain/device-action';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 120, mailboxes: 50, seed: 21 } }, host: {}, settings: { WIPES_PER_HOUR_BEFORE_APPROVAL: '1000' } });
let devices: DeviceRecord[] = [];
const used = new Set<string>();

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId)) devices.push(d);
  devices = devices.sort((a, b) => a.deviceGuid.localeCompare(b.deviceGuid));
});

/** A device no other test touched, matching `p`. */
function pick(p: (d: DeviceRecord) => boolean = (d) => d.clientType === 'EAS' && d.isRemoteWipeSupported !== false && !d.wipeRequestTime && !d.accountOnlyWipeRequestTime): DeviceRecord {
  const d = devices.find((x) => !used.has(x.deviceGuid) && p(x));
  if (!d) throw new Error('no unused device left that matches');
  used.add(d.deviceGuid);
  return d;
}

const token = (roles = ['Devices.Read', 'Devices.Manage', 'Devices.Wipe'], upn?: string) => fx.stack.callerToken({ roles, upn });

async function call(method: string, route: string, o: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${fx.host.url}/api/${route}`, {
    method,
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token ?? (await token())}`, ...o.headers },
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as any };
}

const emu = () => fx.stack.emulator.control;
const calls = (cmdlet: string) => emu().calls().byCmdlet[cmdlet] ?? 0;
const followUp = () => fx.runtime.actions.followUp();

describe('wipe', () => {
  test('When an account-only wipe is asked, then Exchange holds the request, and check-ins move the action requested -> sent -> acknowledged', async () => {
    const d = pick();
    const r = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { reason: 'lost phone' } });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/api/actions/${r.body.actionId}`);
    expect(r.body).toMatchObject({ kind: 'wipe', mode: 'accountOnly', state: 'requested', reason: 'lost phone' });
    const inExchange = emu().getDevice(d.deviceGuid)!;
    expect(inExchange.accountOnlyDeviceWipeRequestTime).not.toBeNull();
    expect(inExchange.deviceWipeRequestTime).toBeNull();
    expect(calls('Clear-MobileDevice')).toBe(1);

    emu().checkIn(d.deviceGuid);
    await followUp();
    expect((await call('GET', `actions/${r.body.actionId}`)).body.state).toBe('sent');
    emu().checkIn(d.deviceGuid);
    await followUp();
    const done = await call('GET', `actions/${r.body.actionId}`);
    expect(done.body.state).toBe('acknowledged');
    expect(done.body.history.at(-1).note).toMatch(/acknowledged the wipe/);
    expect(emu().getDevice(d.deviceGuid)!.accountOnlyDeviceWipeAckTime).not.toBeNull();
    expect(calls('Clear-MobileDevice')).toBe(1);

    const month = new Date().toISOString().slice(0, 7);
    const audit = await fx.runtime.storage.audit.list(fx.stack.tenantId, month);
    const mine = audit.filter((e) => e.target === d.deviceGuid).map((e) => `${e.action}:${e.outcome}`);
    expect(mine).toEqual(expect.arrayContaining(['wipe.request:accepted', 'exchange.Clear-MobileDevice:done', 'wipe.state:sent', 'wipe.state:acknowledged']));
  });

  test('When a wipe is cancelled before the device picks it up, then Exchange drops the request; after pick-up the cancel is refused and nothing changes', async () => {
    const d = pick();
    const w = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    expect(w.status).toBe(202);
    const c = await call('POST', `devices/${d.deviceGuid}/wipe/cancel`, { body: {} });
    expect(c.status).toBe(200);
    expect(c.body.state).toBe('cancelled');
    expect(emu().getDevice(d.deviceGuid)!.accountOnlyDeviceWipeRequestTime).toBeNull();

    const e = pick();
    await call('POST', `devices/${e.deviceGuid}/wipe`, { body: {} });
    emu().checkIn(e.deviceGuid);
    await followUp();
    const refused = await call('POST', `devices/${e.deviceGuid}/wipe/cancel`, { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('WipeAlreadyPickedUp');
    expect(emu().getDevice(e.deviceGuid)!.accountOnlyDeviceWipeSentTime).not.toBeNull();
  });

  test('When a full wipe is asked without Devices.WipeFull, then 403 and no Exchange call; of an Outlook mobile partnership, then 409 explaining account-only', async () => {
    const before = calls('Clear-MobileDevice');
    const d = pick();
    const r = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { mode: 'full' }, token: await token(['Devices.Wipe']) });
    expect(r.status).toBe(403);
    expect(r.body.requiredRole).toBe('Devices.WipeFull');
    const outlook = pick((x) => isOutlookMobile(x));
    const o = await call('POST', `devices/${outlook.deviceGuid}/wipe`, { body: { mode: 'full' }, token: await token(['Devices.Wipe', 'Devices.WipeFull']) });
    expect(o.status).toBe(409);
    expect(o.body.code).toBe('FullWipeNotApplicable');
    expect(o.body.detail).toMatch(/account-only/);
    expect(calls('Clear-MobileDevice')).toBe(before);
    expect(emu().getDevice(d.deviceGuid)!.deviceWipeRequestTime).toBeNull();
    expect(emu().getDevice(outlook.deviceGuid)!.deviceWipeRequestTime).toBeNull();
  });

  test('When an account-only wipe is asked of a partnership on ActiveSync 14.1, then Exchange refuses it and the answer (200, not 202) carries its words; the action is failed and Exchange holds no wipe', async () => {
    const d = pick();
    // Exchange's own version of the partnership; the stored record still says 16.1, so the connector asks and shows the answer.
    emu().updateDevice(d.deviceGuid, { activeSyncVersion: '14.1' });
    const r = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { reason: 'old phone' } });
    // Over, not accepted: 200 with the failed action and Exchange's words, no Location to follow.
    expect(r.status).toBe(200);
    expect(r.headers.get('location')).toBeNull();
    expect(r.body).toMatchObject({ kind: 'wipe', mode: 'accountOnly', state: 'failed' });
    expect(r.body.exchange).toEqual([expect.objectContaining({ cmdlet: 'Clear-MobileDevice', outcome: 'refused', detail: expect.stringMatching(/ActiveSync 14\.1 and doesn't support an account-only remote wipe/) })]);
    expect(calls('Clear-MobileDevice')).toBe(1);
    const inExchange = emu().getDevice(d.deviceGuid)!;
    expect(inExchange.accountOnlyDeviceWipeRequestTime).toBeNull();
    expect(inExchange.deviceWipeRequestTime).toBeNull();
    const stored = await fx.runtime.storage.actions.forDevice(fx.stack.tenantId, d.deviceGuid, { limit: 5 });
    expect(stored.map((a) => [a.kind, a.state])).toEqual([['wipe', 'failed']]);
    expect(await fx.runtime.storage.actions.openWipe(fx.stack.tenantId, d.deviceGuid)).toBeNull();
  });

  test('When the same wipe is retried with its Idempotency-Key, then the first answer comes back and one Clear-MobileDevice was sent; the key with another body is 422', async () => {
    const d = pick();
    const headers = { 'idempotency-key': `k-${d.deviceGuid}` };
    const first = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { reason: 'stolen' }, headers });
    const again = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { reason: 'stolen' }, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.actionId).toBe(first.body.actionId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(calls('Clear-MobileDevice')).toBe(1);
    const other = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { reason: 'other' }, headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IdempotencyKeyReused');
    expect(await fx.runtime.storage.actions.forDevice(fx.stack.tenantId, d.deviceGuid)).toHaveLength(1);
  });

  test('When two wipes of one device arrive at once, then one Clear-MobileDevice is sent and the other request is told the wipe is pending', async () => {
    const d = pick();
    const answers = await Promise.all([call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} }), call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} })]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(answers.find((a) => a.status === 409)!.body.code).toBe('WipePending');
    expect(calls('Clear-MobileDevice')).toBe(1);
  });

  test('When the connection drops after Clear-MobileDevice was sent, then it is never resent: the action is outcomeUnknown and the follow-up settles it from Exchange', async () => {
    const d = pick();
    emu().setFaults({ dropEveryK: 1, onlyCmdlets: ['Clear-MobileDevice'] });
    const r = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    emu().clearFaults();
    expect(r.status).toBe(202);
    expect(r.body.state).toBe('outcomeUnknown');
    expect(emu().calls().dropped).toBe(1);
    expect(emu().callLog().filter((c) => c.cmdlet === 'Clear-MobileDevice')).toHaveLength(1);
    await followUp();
    const settled = await call('GET', `actions/${r.body.actionId}`);
    // The emulator's drop comes before the cmdlet runs: Exchange holds no request, so the action failed (and was not resent).
    expect(settled.body.state).toBe('failed');
    expect(settled.body.history.at(-1).note).toMatch(/not sent again/);
    expect(emu().callLog().filter((c) => c.cmdlet === 'Clear-MobileDevice')).toHaveLength(1);
  });
  test('When the connection drops after Exchange carried out Clear-MobileDevice, then the action is outcomeUnknown, never resent, and the follow-up finds the request and settles it requested', async () => {
    const d = pick();
    emu().setFaults({ dropAfterExecuteEveryK: 1, onlyCmdlets: ['Clear-MobileDevice'] });
    const r = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    emu().clearFaults();
    expect(r.body.state).toBe('outcomeUnknown');
    expect(emu().getDevice(d.deviceGuid)!.accountOnlyDeviceWipeRequestTime).not.toBeNull();
    await followUp();
    expect((await call('GET', `actions/${r.body.actionId}`)).body.state).toBe('requested');
    expect(emu().callLog().filter((c) => c.cmdlet === 'Clear-MobileDevice')).toHaveLength(1);
  });
});

describe('approval', () => {
  test('When wipes exceed the hourly limit, then the next waits for a second person; the requester cannot approve it, another caller can', async () => {
    const runtime = await fx.newRuntime({ STORAGE_TABLE_PREFIX: fx.runtime.config.storage.tablePrefix, WIPES_PER_HOUR_BEFORE_APPROVAL: '0' });
    const d = pick();
    const alice = { id: 'alice@contoso.com', roles: ['Devices.Wipe'] };
    const waiting = await runtime.actions.wipe(alice, { deviceGuid: d.deviceGuid, mode: 'accountOnly', notify: [], reason: null, removeAfterAcknowledged: false });
    expect(waiting.state).toBe('awaitingApproval');
    expect(waiting.approval?.requiredBecause).toMatch(/within an hour/);
    expect(calls('Clear-MobileDevice')).toBe(0);
    await expect(runtime.actions.approve(alice, waiting.actionId)).rejects.toMatchObject({ status: 403 });
    const approved = await runtime.actions.approve({ id: 'bob@contoso.com', roles: ['Devices.Wipe'] }, waiting.actionId);
    expect(approved.state).toBe('requested');
    expect(approved.approval).toMatchObject({ decidedBy: 'bob@contoso.com', decision: 'approved' });
    expect(calls('Clear-MobileDevice')).toBe(1);
    expect(emu().getDevice(d.deviceGuid)!.accountOnlyDeviceWipeRequestTime).not.toBeNull();
  });
});

describe('block, allow and remove', () => {
  test('When a device is blocked and then allowed, then each is one Set-CASMailbox moving its DeviceId between the two lists', async () => {
    const d = pick();
    const b = await call('POST', `devices/${d.deviceGuid}/block`, { body: {} });
    expect(b.status).toBe(200);
    expect(b.body.state).toBe('done');
    let m = emu().getMailbox(d.mailbox)!;
    expect(m.blockedDeviceIds).toContain(d.deviceId);
    expect(m.allowedDeviceIds).not.toContain(d.deviceId);
    expect(calls('Set-CASMailbox')).toBe(1);
    const a = await call('POST', `devices/${d.deviceGuid}/allow`, { body: {} });
    expect(a.status).toBe(200);
    m = emu().getMailbox(d.mailbox)!;
    expect(m.allowedDeviceIds).toContain(d.deviceId);
    expect(m.blockedDeviceIds).not.toContain(d.deviceId);
    expect(calls('Set-CASMailbox')).toBe(2);
  });

  test('When an allowed device is removed, then its partnership is gone, its DeviceId is on neither list and the inventory shows it removed', async () => {
    const d = pick();
    await call('POST', `devices/${d.deviceGuid}/allow`, { body: {} });
    const r = await call('DELETE', `devices/${d.deviceGuid}`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('done');
    expect(emu().getDevice(d.deviceGuid)).toBeUndefined();
    const m = emu().getMailbox(d.mailbox)!;
    expect(m.allowedDeviceIds).not.toContain(d.deviceId);
    expect(m.blockedDeviceIds).not.toContain(d.deviceId);
    expect((await fx.runtime.storage.devices.get(fx.stack.tenantId, d.deviceGuid))?.removed).toBe(true);
    const again = await call('DELETE', `devices/${d.deviceGuid}`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DeviceRemoved');
    // Still set up, the phone syncs again: a new partnership, whose access the organization default decides (no personal exemption left).
    emu().checkIn(d.deviceGuid);
    const back = emu().listDevices().find((x) => x.deviceId === d.deviceId && x.guid !== d.deviceGuid);
    expect(back).toBeDefined();
    expect(back!.accessStateReason).not.toBe('Individual');
  });

  test('When a device with a pending wipe is removed, then 409 without force, and with force=true it is removed and the wipe ends with it', async () => {
    const d = pick();
    const w = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    const refused = await call('DELETE', `devices/${d.deviceGuid}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('WipePending');
    expect(emu().getDevice(d.deviceGuid)).toBeDefined();
    const forced = await call('DELETE', `devices/${d.deviceGuid}?force=true`);
    expect(forced.status).toBe(200);
    expect(emu().getDevice(d.deviceGuid)).toBeUndefined();
    expect((await call('GET', `actions/${w.body.actionId}`)).body.state).toBe('cancelled');
  });
});

describe('validation before Exchange', () => {
  test('When the device is unknown, the route value or body is bad, or the role is missing, then 4xx problem+json naming the field, and no Exchange call', async () => {
    const unknown = await call('POST', 'devices/00000000-0000-0000-0000-000000000000/wipe', { body: {} });
    expect(unknown.status).toBe(404);
    const badGuid = await call('POST', 'devices/not-a-guid/wipe', { body: {} });
    expect(badGuid.status).toBe(400);
    expect(JSON.stringify(badGuid.body)).toMatch(/guid/);
    const d = pick();
    const badBody = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: { mode: 'everything', notify: ['not-an-address'], colour: 'red' } });
    expect(badBody.status).toBe(400);
    const fields = badBody.body.errors.map((i: { field: string }) => i.field).join(' ');
    expect(fields).toMatch(/mode/);
    expect(fields).toMatch(/notify/);
    expect(JSON.stringify(badBody.body.errors)).toMatch(/colour/);
    const noRole = await call('POST', `devices/${d.deviceGuid}/block`, { body: {}, token: await token(['Devices.Read']) });
    expect(noRole.status).toBe(403);
    expect(emu().calls().total).toBe(0);
    expect(await fx.runtime.storage.actions.forDevice(fx.stack.tenantId, d.deviceGuid)).toHaveLength(0);
  });
});

describe('missing Exchange roles', () => {
  test('When the connector may not run Clear-MobileDevice or Set-CASMailbox, then 502 PermissionMissing names the cmdlet (never 403), the action is kept failed and Exchange changed nothing', async () => {
    const d = pick();
    emu().denyCmdlets(['Clear-MobileDevice', 'Set-CASMailbox']);
    const w = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    const b = await call('POST', `devices/${d.deviceGuid}/block`, { body: {} });
    emu().allowAll();
    expect(w.status).toBe(502);
    expect(w.body).toMatchObject({ code: 'PermissionMissing', cmdlet: 'Clear-MobileDevice' });
    expect(b.status).toBe(502);
    expect(b.body).toMatchObject({ code: 'PermissionMissing', cmdlet: 'Set-CASMailbox' });
    expect(emu().getDevice(d.deviceGuid)!.accountOnlyDeviceWipeRequestTime).toBeNull();
    expect(emu().getMailbox(d.mailbox)!.blockedDeviceIds).not.toContain(d.deviceId);
    const stored = await fx.runtime.storage.actions.forDevice(fx.stack.tenantId, d.deviceGuid);
    expect(stored.map((a) => a.state)).toEqual(['failed', 'failed']);
    // The wipe slot is free again: once the role is granted, a wipe goes through.
    expect((await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} })).status).toBe(202);
  });
});

describe('the follow-up timer', () => {
  test('When the actionFollowUp timer runs while another instance syncs, then it holds its own lease and moves a picked-up wipe on; nothing open costs no Exchange call', async () => {
    const d = pick();
    const w = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    const sync = await fx.runtime.storage.state.acquireLease(fx.stack.tenantId, 'sync', 'another-instance', 60_000);
    expect(sync.acquired).toBe(true);
    emu().checkIn(d.deviceGuid);
    await fx.host.runNow('actionFollowUp');
    expect((await call('GET', `actions/${w.body.actionId}`)).body.state).toBe('sent');
    expect((await fx.runtime.storage.state.getLease(fx.stack.tenantId, 'sync'))?.owner).toBe('another-instance');
    if (sync.acquired) await fx.runtime.storage.state.releaseLease(sync.lease);

    // Settle every open action, then a run with nothing open reads the table only.
    for (const a of await fx.runtime.storage.actions.open(fx.stack.tenantId)) await fx.runtime.storage.actions.update({ ...a, state: 'failed' });
    emu().resetCounters();
    await fx.host.runNow('actionFollowUp');
    expect(emu().calls().total).toBe(0);
  });
});

describe('syncs and actions', () => {
  test('When a sync reads a wipe the device acknowledged, then the open action moves on without a follow-up; a wipe sent from elsewhere is audited as seen', async () => {
    const d = pick();
    const w = await call('POST', `devices/${d.deviceGuid}/wipe`, { body: {} });
    emu().checkIn(d.deviceGuid);
    emu().checkIn(d.deviceGuid);
    const other = pick();
    emu().invoke('Clear-MobileDevice', { Identity: other.deviceGuid, AccountOnly: true, Confirm: false });
    emu().resetCounters();
    await fx.runtime.sync.run({ kind: 'delta' });
    expect(emu().calls().byCmdlet['Clear-MobileDevice'] ?? 0).toBe(0);
    expect((await call('GET', `actions/${w.body.actionId}`)).body.state).toBe('acknowledged');
    const audit = await fx.runtime.storage.audit.list(fx.stack.tenantId, new Date().toISOString().slice(0, 7));
    const seen = audit.filter((e) => e.action === 'wipe.seen' && e.target === other.deviceGuid);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ outcome: 'pending', details: expect.objectContaining({ mode: 'accountOnly' }) });
    expect(audit.some((e) => e.action === 'wipe.seen' && e.target === d.deviceGuid)).toBe(false);
  });
});
