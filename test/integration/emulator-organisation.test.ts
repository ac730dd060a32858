/**
 * The emulated organisation: deterministic seeding and its fixtures, device statistics,
 * the wipe state machine, per-user blocking, mailbox policies, access rules,
 * organisation settings and group scoping.
 */
import type { SeedSummary } from '../../dev/exo-emulator';
import { errorDetail, type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;
let seeded: SeedSummary;
const ASOF = '2025-06-01T12:00:00.000Z';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.resetClock();
  seeded = h.emulator.control.seed({ devices: 400, mailboxes: 150, seed: 42, asOf: ASOF });
});

const stats = async (identity: string) => (await h.ok('Get-MobileDeviceStatistics', { Identity: identity })).value[0];

describe('seeding', () => {
  it('When the same seed is used twice, then the same devices come back; another seed gives others', () => {
    const a = h.emulator.control.listDevices();
    h.emulator.control.seed({ devices: 400, mailboxes: 150, seed: 42, asOf: ASOF });
    const b = h.emulator.control.listDevices();
    expect(b).toEqual(a);
    h.emulator.control.seed({ devices: 400, mailboxes: 150, seed: 43, asOf: ASOF });
    expect(h.emulator.control.listDevices().map((d) => d.guid)).not.toEqual(a.map((d) => d.guid));
  });

  it('When seeded, then one user has two devices of the same type, as the fixtures say', async () => {
    const twins = seeded.fixtures.twoSameTypeDevices!;
    const body = await h.ok('Get-MobileDevice', { Mailbox: twins.upn });
    const iPhones = body.value.filter((d) => d.DeviceType === 'iPhone');
    expect(twins.deviceGuids).toHaveLength(2);
    expect(iPhones.map((d) => d.Guid)).toEqual(expect.arrayContaining(twins.deviceGuids));
    expect(iPhones.every((d) => String(d.Identity).startsWith(`${twins.mailboxName}\\`))).toBe(true);
  });

  it('When seeded, then Outlook mobile devices exist and have null sync times in statistics', async () => {
    const outlook = h.emulator.control.listDevices().filter((d) => d.clientType !== 'EAS');
    expect(outlook.length).toBeGreaterThan(50);
    const s = await stats(seeded.fixtures.outlookDeviceGuid!);
    expect(s.ClientType).toMatch(/^(Outlook|REST)$/);
    expect(s.LastSuccessSync).toBeNull();
    expect(s.LastSyncAttemptTime).toBeNull();
    expect(s.FirstSyncTime).not.toBeNull();
  });

  it('When seeded, then some devices are blocked and some quarantined, with reasons', () => {
    const devices = h.emulator.control.listDevices();
    const blocked = devices.find((d) => d.guid === seeded.fixtures.blockedDeviceGuid)!;
    // Status is a wipe status only: an access block shows in accessState, not there.
    expect(blocked).toMatchObject({ accessState: 'Blocked', accessStateReason: 'Individual', status: 'DeviceOk' });
    const quarantined = devices.find((d) => d.guid === seeded.fixtures.quarantinedDeviceGuid)!;
    expect(quarantined).toMatchObject({ accessState: 'Quarantined', accessStateReason: 'DeviceRule', accessControlRule: 'SM-G950F (DeviceModel)' });
  });

  it("When a user's SMTP address differs from the UPN, then statistics can be asked by either", async () => {
    const { upn, primarySmtpAddress, deviceGuids } = seeded.fixtures.smtpDiffersFromUpn!;
    expect(primarySmtpAddress).not.toBe(upn);
    for (const id of [upn, primarySmtpAddress]) {
      const body = await h.ok('Get-MobileDeviceStatistics', { Mailbox: id });
      expect(body.value.map((s) => s.Guid)).toEqual(deviceGuids);
    }
  });

  it('When a mailbox Name is a GUID, then its devices are found by their Identity', async () => {
    const { mailboxName, deviceGuids } = seeded.fixtures.guidNamedMailbox!;
    const identity = h.emulator.control.getDevice(deviceGuids[0])!.identity;
    expect(identity.startsWith(`${mailboxName}\\ExchangeActiveSyncDevices\\`)).toBe(true);
    expect((await h.ok('Get-MobileDevice', { Identity: identity })).value[0].Guid).toBe(deviceGuids[0]);
  });

  it('When mailboxes outnumber devices, then devices spread one per mailbox and the rest have none', () => {
    const small = h.emulator.control.seed({ devices: 30, mailboxes: 100, seed: 1 });
    expect(small.mailboxesWithDevices).toBe(28);
    const counts = h.emulator.control.listMailboxes().map((m) => m.devices);
    expect(counts.filter((c) => c > 0)).toHaveLength(28);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
  });
});

describe('wipe', () => {
  it('When a wipe is requested, then it is pending, sent at the next check-in and acknowledged at the one after', async () => {
    const device = h.emulator.control.listDevices().find((d) => d.clientType === 'EAS' && d.accessState === 'Allowed' && d.deviceType !== 'WindowsMail')!;
    expect((await h.ok('Clear-MobileDevice', { Identity: device.identity, Confirm: false })).value).toEqual([]);
    let s = await stats(device.guid);
    expect(s).toMatchObject({ Status: 'DeviceWipePending', DeviceWipeSentTime: null, DeviceWipeAckTime: null });
    expect(s.DeviceWipeRequestTime).not.toBeNull();
    expect(s.LastDeviceWipeRequestor).toBe('ServicePrincipal_c0ffee00-0000-4000-8000-000000000001');

    h.emulator.control.checkIn(device.guid);
    s = await stats(device.guid);
    expect(s.Status).toBe('DeviceWipePending');
    expect(s.DeviceWipeSentTime).not.toBeNull();
    expect(s.DeviceWipeAckTime).toBeNull();

    h.emulator.control.checkIn(device.guid);
    s = await stats(device.guid);
    expect(s.Status).toBe('DeviceWipeSucceeded');
    expect(s.DeviceWipeAckTime).not.toBeNull();
  });

  it('When an account-only wipe is acknowledged, then the status says AccountOnlyDeviceWipeSucceeded', async () => {
    const device = h.emulator.control.listDevices()[5];
    await h.ok('Clear-MobileDevice', { Identity: device.guid, AccountOnly: true, NotificationEmailAddresses: ['admin@contoso.com'], Confirm: false });
    h.emulator.control.checkIn(device.guid);
    h.emulator.control.checkIn(device.guid);
    const s = await stats(device.guid);
    expect(s.Status).toBe('AccountOnlyDeviceWipeSucceeded');
    expect(s.AccountOnlyDeviceWipeAckTime).not.toBeNull();
    expect(s.DeviceWipeRequestTime).toBeNull();
  });

  it('When a wipe is cancelled before the device picked it up, then it is gone', async () => {
    const device = h.emulator.control.listDevices()[6];
    await h.ok('Clear-MobileDevice', { Identity: device.guid, Confirm: false });
    await h.ok('Clear-MobileDevice', { Identity: device.guid, Cancel: true, Confirm: false });
    const s = await stats(device.guid);
    expect(s.DeviceWipeRequestTime).toBeNull();
    expect(s.Status).not.toBe('DeviceWipePending');
  });

  it('When a wipe is cancelled after it was sent, then Exchange refuses', async () => {
    const device = h.emulator.control.listDevices()[7];
    await h.ok('Clear-MobileDevice', { Identity: device.guid, Confirm: false });
    h.emulator.control.checkIn(device.guid);
    const res = await h.invoke('Clear-MobileDevice', { Identity: device.guid, Cancel: true, Confirm: false });
    expect(res.status).toBe(400);
    expect(errorDetail(await readJson(res)).type).toBe('System.InvalidOperationException');
  });

  it('When times are read with a fixed clock, then they are that clock', async () => {
    h.emulator.control.setClock(() => new Date('2025-07-01T08:00:00.000Z'));
    const device = h.emulator.control.listDevices()[8];
    await h.ok('Clear-MobileDevice', { Identity: device.guid, Confirm: false });
    expect((await stats(device.guid)).DeviceWipeRequestTime).toBe('2025-07-01T08:00:00.0000000+00:00');
  });
});

describe('access', () => {
  it("When a DeviceId is added to a user's blocked list, then that device is Blocked (Individual) at once, and unblocked when removed", async () => {
    const device = h.emulator.control.listDevices().find((d) => d.accessState === 'Allowed' && d.accessStateReason === 'Global')!;
    await h.ok('Set-CASMailbox', {
      Identity: device.mailbox.upn,
      ActiveSyncBlockedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', add: [device.deviceId] },
    });
    const blocked = (await h.ok('Get-MobileDevice', { Identity: device.guid })).value[0];
    expect(blocked).toMatchObject({ DeviceAccessState: 'Blocked', DeviceAccessStateReason: 'Individual' });
    const cas = (await h.ok('Get-CASMailbox', { Identity: device.mailbox.upn })).value[0];
    expect(cas.ActiveSyncBlockedDeviceIDs).toContain(device.deviceId);

    await h.ok('Set-CASMailbox', { Identity: device.mailbox.upn, ActiveSyncBlockedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', remove: [device.deviceId] } });
    expect(h.emulator.control.getDevice(device.guid)).toMatchObject({ accessState: 'Allowed', accessStateReason: 'Global' });
  });

  // At once, as the reference says (emulator-access.test.ts has the details).
  it('When a device access rule blocks a model, then matching devices are blocked at once', async () => {
    const device = h.emulator.control.listDevices().find((d) => d.deviceType === 'iPhone' && d.accessStateReason === 'Global')!;
    await h.ok('New-ActiveSyncDeviceAccessRule', { QueryString: device.deviceModel, Characteristic: 'DeviceModel', AccessLevel: 'Block' });
    expect(h.emulator.control.getDevice(device.guid)).toMatchObject({ accessState: 'Blocked', accessStateReason: 'DeviceRule', accessControlRule: `${device.deviceModel} (DeviceModel)` });
  });

  it('When a rule is changed, then only AccessLevel can change', async () => {
    await h.ok('New-ActiveSyncDeviceAccessRule', { QueryString: 'WindowsMail', Characteristic: 'DeviceType', AccessLevel: 'Quarantine' });
    await h.ok('Set-ActiveSyncDeviceAccessRule', { Identity: 'WindowsMail (DeviceType)', AccessLevel: 'Allow' });
    const rules = (await h.ok('Get-ActiveSyncDeviceAccessRule')).value;
    expect(rules.find((r) => r.Name === 'WindowsMail (DeviceType)')).toMatchObject({ AccessLevel: 'Allow', Characteristic: 'DeviceType', QueryString: 'WindowsMail' });
    const res = await h.invoke('Set-ActiveSyncDeviceAccessRule', { Identity: 'WindowsMail (DeviceType)', QueryString: 'Other' });
    expect(errorDetail(await readJson(res)).text).toMatch(/Invalid cmdlet parameters specified\. QueryString$/);
    const dup = await h.invoke('New-ActiveSyncDeviceAccessRule', { QueryString: 'WindowsMail', Characteristic: 'DeviceType', AccessLevel: 'Block' });
    expect(errorDetail(await readJson(dup)).text).toContain('already exists');
    const badLevel = await h.invoke('New-ActiveSyncDeviceAccessRule', { QueryString: 'x', Characteristic: 'DeviceType', AccessLevel: 'Deny' });
    expect((await readJson(badLevel)).error.innererror.internalexception.message).toContain("Cannot process argument transformation on parameter 'AccessLevel'");
  });

  it('When organisation settings are changed, then they read back, and an over-long UserMailInsert is refused', async () => {
    await h.ok('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Quarantine', AdminMailRecipients: ['it@contoso.com'], UserMailInsert: 'Call IT' });
    const s = (await h.ok('Get-ActiveSyncOrganizationSettings')).value[0];
    expect(s).toMatchObject({ DefaultAccessLevel: 'Quarantine', AdminMailRecipients: ['it@contoso.com'], UserMailInsert: 'Call IT' });
    const res = await h.invoke('Set-ActiveSyncOrganizationSettings', { UserMailInsert: 'x'.repeat(257) });
    expect(res.status).toBe(400);
    const detail = errorDetail(await readJson(res));
    expect(detail.type).toBe('System.Management.Automation.ParameterBindingValidationException');
    expect(detail.text).toContain("'UserMailInsert'");
  });
});

describe('mailbox policies', () => {
  it('When policy values are set, then Get returns them in Exchange formats', async () => {
    await h.ok('Set-MobileDeviceMailboxPolicy', {
      Identity: 'Default',
      PasswordEnabled: true,
      MinPasswordLength: 8,
      PasswordExpiration: '90.00:00:00',
      MaxInactivityTimeLock: '00:15:00',
      MaxPasswordFailedAttempts: 10,
      MaxAttachmentSize: '10MB',
      MaxEmailAgeFilter: 'TwoWeeks',
      AllowBluetooth: 'HandsfreeOnly',
      AllowExternalDeviceManagement: true,
      UnapprovedInROMApplicationList: ['Game.exe'],
    });
    const p = (await h.ok('Get-MobileDeviceMailboxPolicy', { Identity: 'Default' })).value[0];
    expect(p).toMatchObject({
      IsDefault: true,
      PasswordEnabled: true,
      MinPasswordLength: 8,
      PasswordExpiration: '90.00:00:00',
      MaxInactivityTimeLock: '00:15:00',
      MaxPasswordFailedAttempts: '10',
      MaxAttachmentSize: '10 MB (10,485,760 bytes)',
      MaxEmailAgeFilter: 'TwoWeeks',
      AllowBluetooth: 'HandsfreeOnly',
      AllowExternalDeviceManagement: true,
      UnapprovedInROMApplicationList: ['Game.exe'],
      MaxEmailBodyTruncationSize: 'Unlimited',
    });
  });

  it.each([
    // Exchange's range checks fail in the property setter, which PowerShell reports as a ParameterBindingException.
    ['MinPasswordLength', 17, 'ParameterBindingException'],
    ['MinPasswordComplexCharacters', 0, 'ParameterBindingException'],
    ['PasswordHistory', 51, 'ParameterBindingException'],
    ['MaxPasswordFailedAttempts', 3, 'ParameterBindingException'],
    ['PasswordExpiration', '731.00:00:00', 'ParameterBindingException'],
    ['MaxInactivityTimeLock', '02:00:00', 'ParameterBindingException'],
    ['MaxAttachmentSize', '3GB', 'ParameterBindingException'],
    ['MaxEmailAgeFilter', 'Forever', 'ParameterTransformationException'],
    ['AllowBluetooth', 'Sometimes', 'ParameterTransformationException'],
    ['AllowCamera', 'maybe', 'ParameterBindingArgumentTransformationException'],
  ])('When %s is %p, then Exchange refuses it naming the parameter', async (param, value, type) => {
    const res = await h.invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', [param]: value });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    // A bad enum value comes with no details (reference): the type and text are in innererror.internalexception.
    const detail = body.error.details ? errorDetail(body) : { type: body.error.innererror.internalexception.type, text: body.error.innererror.internalexception.message };
    if (body.error.details) expect(detail.type).toBe(`System.Management.Automation.${type}`);
    else expect(detail.type).toMatch(new RegExp(`\\.${type}$`));
    expect(detail.text).toContain(`'${param}'`);
  });

  it('When a new policy takes a used name, then it already exists; a new default demotes the old one', async () => {
    const dup = await h.invoke('New-MobileDeviceMailboxPolicy', { Name: 'Default' });
    expect(errorDetail(await readJson(dup)).text).toContain('already exists');
    await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Strict', IsDefault: true, PasswordEnabled: true });
    const all = (await h.ok('Get-MobileDeviceMailboxPolicy')).value;
    expect(all.filter((p) => p.IsDefault).map((p) => p.Name)).toEqual(['Strict']);
  });
});

describe('groups', () => {
  it('When group members are listed two ways, then both give the same users', async () => {
    const executives = seeded.groups.find((g) => g.name === 'Executives')!;
    const members = await h.listAll('Get-DistributionGroupMember', { Identity: 'Executives', ResultSize: 'Unlimited' });
    expect(members.objects).toHaveLength(executives.members);
    const filtered = await h.listAll('Get-Recipient', { RecipientPreviewFilter: `MemberOfGroup -eq '${executives.distinguishedName}'`, ResultSize: 'Unlimited' });
    expect(filtered.objects.map((r) => r.Guid)).toEqual(members.objects.map((r) => r.Guid));
    const groups = (await h.ok('Get-Group', { Identity: 'Executives' })).value[0];
    expect(groups.Members).toHaveLength(executives.members);
  });

  it('When the members of an executive are asked for their policy, then it is the Restricted policy', async () => {
    const member = (await h.ok('Get-DistributionGroupMember', { Identity: 'Executives' })).value[0];
    const cas = (await h.ok('Get-CASMailbox', { Identity: member.Guid as string })).value[0];
    expect(cas.ActiveSyncMailboxPolicy).toBe('Restricted');
  });
});
