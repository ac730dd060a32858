/**
 * The emulator tells the truth about filters, recipients, identities, statistics, roles
 * and error bodies (reference "Filters, recipients and identities" and "Errors"), so that
 * a client mistake fails a test here instead of a tenant. Raw HTTP against the emulator.
 */
import type { SeedSummary } from '../../dev/exo-emulator';
import { errorDetail, type Harness, readJson, startHarness } from './emulator-harness';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let h: Harness;
let seeded: SeedSummary;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.allowAll();
  seeded = h.emulator.control.seed({ devices: 600, mailboxes: 300, seed: 3 });
});

const statisticsGet = async (mailbox: string) =>
  fetch(`${h.emulator.url}/adminapi/beta/${h.tenantId}/mailbox('${Buffer.from(mailbox).toString('base64')}')/MobileDevice/Exchange.GetMobileDeviceStatistics()/?IsEncoded=True`, {
    headers: { Authorization: `Bearer ${await h.token()}` },
  });

describe('filters', () => {
  it.each(['Get-Mailbox', 'Get-User'])('When %s filters on HasActiveSyncDevicePartnership, then 400 ParsingNonFilterablePropertyException naming it', async (cmdlet) => {
    const res = await h.invoke(cmdlet, { Filter: "HasActiveSyncDevicePartnership -eq 'True'", ResultSize: 'Unlimited' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-exceptiontype')).toBe('ParsingNonFilterablePropertyException');
    const detail = errorDetail(await readJson(res));
    expect(detail.type).toMatch(/\.ParsingNonFilterablePropertyException$/);
    expect(detail.text).toMatch(/^"HasActiveSyncDevicePartnership" is not a recognized filterable property/);
  });

  it.each(['Get-Recipient', 'Get-CASMailbox'])("When %s filters on HasActiveSyncDevicePartnership -eq 'True', then the mailboxes whose flag says so come back", async (cmdlet) => {
    h.emulator.control.addMailbox({ alias: 'without.devices' });
    const expected = h.emulator.control.listMailboxes().filter((m) => m.hasActiveSyncDevicePartnership);
    const { objects } = await h.listAll(cmdlet, { Filter: "HasActiveSyncDevicePartnership -eq 'True'", ResultSize: 'Unlimited' });
    expect(objects.map((o) => o.Guid).sort()).toEqual(expected.map((m) => m.guid).sort());
    expect(expected.length).toBeLessThan(h.emulator.control.listMailboxes().length);
  });

  it('When a mailbox has a stale HasActiveSyncDevicePartnership, then a filtered directory read misses it while the device listing holds its partnerships, until the flag is recalculated', async () => {
    const stale = seeded.fixtures.stalePartnershipFlag!;
    expect(stale.deviceGuids.length).toBeGreaterThan(0);
    const read = async () => (await h.listAll('Get-Recipient', { Filter: "HasActiveSyncDevicePartnership -eq 'True'", ResultSize: 'Unlimited' })).objects.map((o) => o.WindowsLiveID);
    expect(await read()).not.toContain(stale.upn);
    const devices = await h.ok('Get-MobileDevice', { Mailbox: stale.upn });
    expect(devices.value.map((d) => d.Guid).sort()).toEqual([...stale.deviceGuids].sort());
    await h.ok('Set-CASMailbox', { Identity: stale.upn, RecalculateHasActiveSyncDevicePartnership: true });
    expect(await read()).toContain(stale.upn);
    h.emulator.control.setPartnershipFlag(stale.upn, false);
    expect((await h.ok('Get-CASMailbox', { Identity: stale.upn })).value[0].HasActiveSyncDevicePartnership).toBe(false);
  });

  it.each(['$true', '$false', '$x', '$env:USERNAME'])('When a filter holds the variable %s, then it is refused as containing variables', async (variable) => {
    const res = await h.invoke('Get-Recipient', { Filter: `HasActiveSyncDevicePartnership -eq ${variable}` });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res)).text).toContain('This filter parameter does not accept filters that contain variables.');
  });

  it('When a filter compares with $null, then it is accepted', async () => {
    const body = await h.ok('Get-Recipient', { Filter: 'Department -ne $null', ResultSize: 5 });
    expect(body.value).toHaveLength(5);
  });
});

describe('recipients and identities', () => {
  it('When Get-Recipient returns a mailbox, then it carries WindowsLiveID and not UserPrincipalName; Get-Mailbox keeps UserPrincipalName and its Identity is its Name', async () => {
    const m = h.emulator.control.listMailboxes()[10];
    const r = (await h.ok('Get-Recipient', { Identity: m.guid })).value[0];
    expect(r).toMatchObject({ Name: m.name, Alias: m.alias, WindowsLiveID: m.upn, ExternalDirectoryObjectId: m.externalDirectoryObjectId, RecipientTypeDetails: 'UserMailbox' });
    expect(r).not.toHaveProperty('UserPrincipalName');
    const mb = (await h.ok('Get-Mailbox', { Identity: m.name })).value[0];
    expect(mb).toMatchObject({ UserPrincipalName: m.upn, Identity: m.name, Name: m.name });
  });

  it('When seeded like a modern tenant, then most Names are the ExternalDirectoryObjectId, some hold spaces or a slash, some differ from the alias', () => {
    const all = h.emulator.control.listMailboxes();
    const guidNamed = all.filter((m) => GUID.test(m.name));
    expect(guidNamed.length / all.length).toBeGreaterThan(0.5);
    expect(guidNamed.every((m) => m.name === m.externalDirectoryObjectId)).toBe(true);
    expect(all.some((m) => m.name.includes('/'))).toBe(true);
    expect(all.some((m) => m.name.includes(' '))).toBe(true);
    const f = seeded.fixtures;
    expect(f.slashNamedMailbox!.mailboxName).toContain('/');
    expect(f.spaceNamedMailbox!.mailboxName).toContain(' ');
    expect(f.nameDiffersFromAlias!.mailboxName).not.toBe(f.nameDiffersFromAlias!.alias);
    expect(f.nameDiffersFromAlias!.mailboxName).not.toMatch(GUID);
  });

  it("When a mailbox Name holds '/' or spaces, then its devices' Identity starts with it unescaped, and both the device and its owner are found by those names", async () => {
    for (const fixture of [seeded.fixtures.slashNamedMailbox!, seeded.fixtures.spaceNamedMailbox!, seeded.fixtures.nameDiffersFromAlias!]) {
      const device = (await h.ok('Get-MobileDevice', { Identity: fixture.deviceGuids[0] })).value[0];
      expect(String(device.Identity).startsWith(`${fixture.mailboxName}\\ExchangeActiveSyncDevices\\`)).toBe(true);
      expect((await h.ok('Get-MobileDevice', { Identity: device.Identity as string })).value[0].Guid).toBe(fixture.deviceGuids[0]);
      expect((await h.ok('Get-Mailbox', { Identity: fixture.mailboxName })).value[0].UserPrincipalName).toBe(fixture.upn);
    }
  });

  it('When Outlook mobile partnerships are listed, then they are named Hx§Outlook§<id> or REST§Outlook§<id> by their ClientType', async () => {
    const { objects } = await h.listAll('Get-MobileDevice', { ResultSize: 'Unlimited', Filter: "DeviceType -eq 'Outlook'" });
    expect(objects.length).toBeGreaterThan(50);
    for (const d of objects) expect(d.Name).toBe(`${d.ClientType === 'REST' ? 'REST' : 'Hx'}§Outlook§${d.DeviceId}`);
    const hx = (await h.ok('Get-MobileDevice', { Identity: seeded.fixtures.hxOutlookDeviceGuid! })).value[0];
    const rest = (await h.ok('Get-MobileDevice', { Identity: seeded.fixtures.restOutlookDeviceGuid! })).value[0];
    expect(String(hx.Identity)).toMatch(/\\ExchangeActiveSyncDevices\\Hx§Outlook§[0-9A-F]+$/);
    expect(String(rest.Identity)).toMatch(/\\ExchangeActiveSyncDevices\\REST§Outlook§[0-9A-F]+$/);
  });

  it.each([
    ['Get-Mailbox', ''],
    ['Get-Mailbox', null],
    ['Get-MobileDevice', ''],
    ['Get-CASMailbox', null],
  ])('When %s gets the Identity %p, then every object comes back', async (cmdlet, identity) => {
    const { objects } = await h.listAll(cmdlet, { Identity: identity, ResultSize: 'Unlimited' });
    expect(objects).toHaveLength(cmdlet === 'Get-MobileDevice' ? 600 : 300);
  });
});

describe('statistics of mailboxes that went away', () => {
  it('When a mailbox is deleted after the listing, then its statistics answer RecipientNotFoundException by -Mailbox, by device Identity and over the statistics GET', async () => {
    const { upn, deviceGuids } = seeded.fixtures.smtpDiffersFromUpn!;
    const mailboxName = h.emulator.control.getMailbox(upn)!.name;
    const identity = h.emulator.control.getDevice(deviceGuids[0])!.identity;
    h.emulator.control.removeMailbox(upn);
    expect(h.emulator.control.getDevice(deviceGuids[0])).toBeUndefined();
    for (const res of [await h.invoke('Get-MobileDeviceStatistics', { Mailbox: upn }), await h.invoke('Get-MobileDeviceStatistics', { Identity: identity }), await statisticsGet(upn)]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('x-exceptiontype')).toBe('RecipientNotFoundException');
      const detail = errorDetail(await readJson(res));
      expect(detail.type).toMatch(/\.RecipientNotFoundException$/);
      expect(detail.text).toMatch(/^Couldn't find '.+' as a recipient\.$/);
    }
    expect(errorDetail(await readJson(await h.invoke('Get-MobileDeviceStatistics', { Mailbox: mailboxName }))).text).toBe(`Couldn't find '${mailboxName}' as a recipient.`);
  });

  it('When a mailbox is deleted just before the next statistics call, then that call answers RecipientNotFoundException', async () => {
    const { upn } = seeded.fixtures.twoSameTypeDevices!;
    h.emulator.control.onNextCall('Get-MobileDeviceStatistics', () => h.emulator.control.removeMailbox(upn));
    const res = await h.invoke('Get-MobileDeviceStatistics', { Mailbox: upn });
    expect(errorDetail(await readJson(res)).type).toMatch(/\.RecipientNotFoundException$/);
    expect(h.emulator.control.getMailbox(upn)).toBeUndefined();
  });

  it('When statistics are asked for a group, then RecipientNotValidException', async () => {
    const res = await h.invoke('Get-MobileDeviceStatistics', { Mailbox: 'Sales' });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res))).toMatchObject({ type: expect.stringMatching(/\.RecipientNotValidException$/), text: "'Sales' does not represent a valid recipient." });
  });

  it('When a mailbox has no partnership, then its statistics are an empty value', async () => {
    const lonely = h.emulator.control.addMailbox({ alias: 'no.devices' });
    expect((await h.ok('Get-MobileDeviceStatistics', { Mailbox: lonely.upn })).value).toEqual([]);
  });
});

describe('wipe status', () => {
  it('When a device is only blocked or quarantined, then its Status is DeviceOk with an empty StatusNote', async () => {
    for (const id of [seeded.fixtures.blockedDeviceGuid!, seeded.fixtures.quarantinedDeviceGuid!]) {
      const s = (await h.ok('Get-MobileDeviceStatistics', { Identity: id })).value[0];
      expect(s.DeviceAccessState).not.toBe('Allowed');
      expect(s).toMatchObject({ Status: 'DeviceOk', StatusNote: '' });
    }
  });

  it('When a wipe is requested of a device without remote wipe support, then Status says DeviceBlocked and the device never takes it', async () => {
    const device = h.emulator.control.addDevice({ mailbox: seeded.fixtures.guidNamedMailbox!.upn, deviceType: 'OldPhone', isRemoteWipeSupported: false });
    await h.ok('Clear-MobileDevice', { Identity: device.guid, Confirm: false });
    h.emulator.control.checkIn(device.guid);
    const s = (await h.ok('Get-MobileDeviceStatistics', { Identity: device.guid })).value[0];
    expect(s).toMatchObject({ Status: 'DeviceBlocked', IsRemoteWipeSupported: false, DeviceWipeSentTime: null });
    expect(s.DeviceWipeRequestTime).not.toBeNull();
  });
});

describe('missing roles', () => {
  it('When a cmdlet is denied with style 401, then it answers 401 "User is not allowed to call <cmdlet>" JSON without a Bearer challenge', async () => {
    h.emulator.control.denyCmdlets({ names: ['Get-Mailbox'], style: '401' });
    const res = await h.invoke('Get-Mailbox', { ResultSize: 1 });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect((await readJson(res)).error).toMatchObject({ code: 'Unauthorized', message: 'User is not allowed to call Get-Mailbox' });
    expect((await h.ok('Get-ManagementRoleEntry', { Identity: '*\\Get-Mailbox' })).value).toEqual([]);
    expect((await h.invoke('Get-Recipient', { ResultSize: 1 })).status).toBe(200);
  });

  it('When a cmdlet is denied over /_emulator with style 401 or by default, then each answers its way', async () => {
    await fetch(`${h.emulator.url}/_emulator/denyCmdlets`, { method: 'POST', body: JSON.stringify({ names: ['Get-UnifiedGroupLinks'], style: '401' }) });
    await fetch(`${h.emulator.url}/_emulator/denyCmdlets`, { method: 'POST', body: JSON.stringify({ names: ['Get-User'] }) });
    expect((await h.invoke('Get-UnifiedGroupLinks', { Identity: 'Project Phoenix', LinkType: 'Members' })).status).toBe(401);
    const forbidden = await h.invoke('Get-User', { ResultSize: 1 });
    expect(forbidden.status).toBe(403);
    expect([...Buffer.from(await forbidden.arrayBuffer())].every((b) => b === 0)).toBe(true);
    const bad = await fetch(`${h.emulator.url}/_emulator/denyCmdlets`, { method: 'POST', body: JSON.stringify({ names: ['Get-User'], style: '500' }) });
    expect(bad.status).toBe(400);
  });
});

describe('error bodies', () => {
  // Shape as a live capture shows it: error.message "Invalid Operation", the text only in innererror.internalexception.
  it('When an enum parameter gets an unknown value, then 400 ParameterTransformationException with no details', async () => {
    const res = await h.invoke('Get-UnifiedGroupLinks', { Identity: 'Project Phoenix', LinkType: 'Friends' });
    expect(res.status).toBe(400);
    const { error } = await readJson(res);
    expect(error).not.toHaveProperty('details');
    expect(error.message).toBe('Invalid Operation');
    expect(error.innererror.internalexception.type).toMatch(/\.ParameterTransformationException$/);
    expect(error.innererror.internalexception.message).toContain("Cannot process argument transformation on parameter 'LinkType'");
    expect(error.innererror.internalexception.message).toContain('Specify one of the following enumerator names and try again: Members, Owners');
  });

  it('When a device action names no partnership, then the not-found comes with code InternalServerError; a listing lookup keeps BadRequest', async () => {
    const action = await h.invoke('Clear-MobileDevice', { Identity: '00000000-0000-4000-8000-000000000000', Confirm: false });
    expect(action.status).toBe(400);
    const body = await readJson(action);
    expect(body.error.code).toBe('InternalServerError');
    expect(errorDetail(body).type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect(errorDetail(body).id).toMatch(/^Ex[0-9A-F]{6}$/);
    const lookup = await readJson(await h.invoke('Get-Mailbox', { Identity: 'no.such.user' }));
    expect(lookup.error.code).toBe('BadRequest');
  });
});

describe('groups', () => {
  it('When a Microsoft 365 group is asked for, then Get-UnifiedGroupLinks lists its members and Get-DistributionGroupMember refuses it as not found, and the other way round', async () => {
    const phoenix = seeded.groups.find((g) => g.name === 'Project Phoenix')!;
    expect(phoenix.kind).toBe('unified');
    const { objects } = await h.listAll('Get-UnifiedGroupLinks', { Identity: 'Project Phoenix', LinkType: 'Members', ResultSize: 'Unlimited' });
    expect(objects).toHaveLength(phoenix.members);
    expect(objects[0]).toHaveProperty('WindowsLiveID');
    expect(objects[0]).not.toHaveProperty('UserPrincipalName');
    for (const [cmdlet, params] of [
      ['Get-DistributionGroupMember', { Identity: 'Project Phoenix' }],
      ['Get-UnifiedGroupLinks', { Identity: 'Sales', LinkType: 'Members' }],
    ] as const) {
      expect(errorDetail(await readJson(await h.invoke(cmdlet, params))).type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    }
    expect((await h.ok('Get-Recipient', { Identity: 'Project Phoenix' })).value[0]).toMatchObject({ RecipientType: 'MailUniversalDistributionGroup', RecipientTypeDetails: 'GroupMailbox' });
  });

  it('When a group holds nested groups, then its member listing shows them as group objects, not expanded', async () => {
    const { objects } = await h.listAll('Get-DistributionGroupMember', { Identity: 'Field Staff', ResultSize: 'Unlimited' });
    const nested = objects.filter((o) => o.RecipientTypeDetails !== 'UserMailbox');
    expect(nested.map((o) => [o.Name, o.RecipientTypeDetails])).toEqual([
      ['Mobile Pilot', 'MailUniversalSecurityGroup'],
      ['Project Phoenix', 'GroupMailbox'],
    ]);
    const pilotMembers = seeded.groups.find((g) => g.name === 'Mobile Pilot')!.members;
    expect(objects.length).toBeLessThan(pilotMembers + 2 + 300 / 50 + 1);
  });

  it('When groups are added through the control interface (and over /_emulator), then members may be named by Name, alias, SMTP address or Guid, nesting and loops included', async () => {
    const [a, b, c] = h.emulator.control.listMailboxes();
    const inner = h.emulator.control.addGroup({ name: 'Inner Team', kind: 'unified', members: [a.name, b.alias] });
    const outer = h.emulator.control.addGroup({ name: 'Outer Team', kind: 'security', members: [c.primarySmtpAddress, inner.guid] });
    expect(outer).toMatchObject({ kind: 'security', recipientTypeDetails: 'MailUniversalSecurityGroup', members: [c.name, 'Inner Team'] });
    h.emulator.control.addGroupMember('Inner Team', 'Outer Team');
    const links = await h.ok('Get-UnifiedGroupLinks', { Identity: 'Inner Team', LinkType: 'Members' });
    expect(links.value.map((o) => o.Name)).toEqual([a.name, b.name, 'Outer Team']);
    const res = await fetch(`${h.emulator.url}/_emulator/addGroup`, { method: 'POST', body: JSON.stringify({ name: 'Http Group', kind: 'distribution', members: ['Outer Team'] }) });
    expect((await readJson(res)).members).toEqual(['Outer Team']);
    const missing = await fetch(`${h.emulator.url}/_emulator/addGroup`, { method: 'POST', body: JSON.stringify({ name: 'Bad', kind: 'distribution', members: ['nobody'] }) });
    expect(missing.status).toBe(404);
  });
});
