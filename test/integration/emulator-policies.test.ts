/**
 * The emulator's mobile device mailbox policies as a client sees them over REST: Exchange's
 * display forms, its validation (unknown parameter, out-of-range values, strings for
 * numbers, duplicate names, one default, removal), Set-CASMailbox's assignment, and the
 * management roles that hold the cmdlets.
 */
import { type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;
const HT = '#Exchange.GenericHashTable';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.seed({ devices: 10, mailboxes: 6, seed: 11 });
  h.emulator.control.allowAll();
  h.emulator.control.clearFaults();
});

/** The exception type and text of an error answer, with or without `details`. */
async function errorOf(res: Response): Promise<{ status: number; type: string; text: string }> {
  const body = await readJson(res);
  const detail = body.error.details?.[0]?.message as string | undefined;
  if (detail) {
    const [, type, ...text] = detail.split('|');
    return { status: res.status, type, text: text.join('|') };
  }
  return { status: res.status, type: body.error.innererror.internalexception.type, text: body.error.innererror.internalexception.message };
}

const policy = async (identity: string) => (await h.ok('Get-MobileDeviceMailboxPolicy', { Identity: identity })).value[0];

describe('display forms', () => {
  it('When settings are read back, then each has the JSON type Exchange gives it: Unlimited and sizes as strings, counts as numbers, booleans, lists as arrays', async () => {
    await h.ok('Set-MobileDeviceMailboxPolicy', {
      Identity: 'Default',
      PasswordEnabled: true,
      MinPasswordLength: 8,
      PasswordHistory: 5,
      MinPasswordComplexCharacters: 3,
      MaxPasswordFailedAttempts: 10,
      MaxInactivityTimeLock: '00:15:00',
      PasswordExpiration: '90.00:00:00',
      DevicePolicyRefreshInterval: '1.00:00:00',
      MaxAttachmentSize: '10MB',
      MaxEmailBodyTruncationSize: '4KB',
      AllowBluetooth: 'HandsfreeOnly',
      UnapprovedInROMApplicationList: ['Game.exe'],
    });
    const p = await policy('Default');
    expect(p).toMatchObject({
      PasswordEnabled: true,
      MinPasswordLength: 8,
      PasswordHistory: 5,
      MinPasswordComplexCharacters: 3,
      MaxPasswordFailedAttempts: '10',
      MaxInactivityTimeLock: '00:15:00',
      PasswordExpiration: '90.00:00:00',
      DevicePolicyRefreshInterval: '1.00:00:00',
      MaxAttachmentSize: '10 MB (10,485,760 bytes)',
      MaxEmailBodyTruncationSize: '4096',
      MaxEmailHTMLBodyTruncationSize: 'Unlimited',
      AllowBluetooth: 'HandsfreeOnly',
      UnapprovedInROMApplicationList: ['Game.exe'],
      IsDefault: true,
      Identity: 'Default',
      Name: 'Default',
    });
    expect(p['PasswordHistory@odata.type']).toBe('#Int32');
    expect(p['UnapprovedInROMApplicationList@odata.type']).toBe('#Collection(String)');
  });

  it("When a policy is new, then it shows Exchange's defaults in Exchange's order, MinPasswordLength null and IsDefault after PasswordHistory", async () => {
    await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Fresh' });
    const p = await policy('Fresh');
    expect(p).toMatchObject({
      MinPasswordLength: null,
      PasswordExpiration: 'Unlimited',
      MaxInactivityTimeLock: 'Unlimited',
      MaxPasswordFailedAttempts: 'Unlimited',
      MaxAttachmentSize: 'Unlimited',
      DevicePolicyRefreshInterval: 'Unlimited',
      AllowNonProvisionableDevices: true,
      AllowSMIMESoftCerts: true,
      AllowSMIMEEncryptionAlgorithmNegotiation: 'AllowAnyAlgorithmNegotiation',
      MobileOTAUpdateMode: 'MinorVersionUpdates',
      UNCAccessEnabled: true,
      WSSAccessEnabled: true,
      IsDefault: false,
    });
    const keys = Object.keys(p).filter((k) => !k.includes('@'));
    expect(keys[0]).toBe('AllowNonProvisionableDevices');
    expect(keys.indexOf('IsDefault')).toBe(keys.indexOf('PasswordHistory') + 1);
    expect(keys).not.toContain('IsDefaultPolicy');
  });

  it('When sizes sit at the limits, then they show with four significant digits as Exchange formats them', async () => {
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', MaxAttachmentSize: '2097151KB' });
    expect((await policy('Default')).MaxAttachmentSize).toBe('2 GB (2,147,482,624 bytes)');
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', MaxAttachmentSize: 1572864 });
    expect((await policy('Default')).MaxAttachmentSize).toBe('1.5 MB (1,572,864 bytes)');
  });

  it('When RequireStorageCardEncryption is set, then DeviceEncryptionEnabled reads the same value, and the other way round', async () => {
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', RequireStorageCardEncryption: true });
    expect(await policy('Default')).toMatchObject({ RequireStorageCardEncryption: true, DeviceEncryptionEnabled: true });
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', DeviceEncryptionEnabled: false });
    expect(await policy('Default')).toMatchObject({ RequireStorageCardEncryption: false, DeviceEncryptionEnabled: false });
  });
});

describe('validation', () => {
  it('When a parameter does not exist or is read only, then Exchange refuses it naming it, and nothing changes', async () => {
    for (const [cmdlet, params] of [
      ['Set-MobileDeviceMailboxPolicy', { Identity: 'Default', PasswordEnabled: true, Colour: 'red' }],
      ['New-MobileDeviceMailboxPolicy', { Name: 'X', MobileOTAUpdateMode: 'BetaVersionUpdates' }],
    ] as const) {
      const e = await errorOf(await h.invoke(cmdlet, params));
      expect(e).toMatchObject({ status: 400, type: 'Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException' });
      expect(e.text).toBe(`Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. ${Object.keys(params).at(-1)}`);
    }
    expect((await policy('Default')).PasswordEnabled).toBe(false);
    expect((await h.ok('Get-MobileDeviceMailboxPolicy')).value.map((p) => p.Name)).not.toContain('X');
  });

  it.each([
    ['PasswordHistory', 51, 'The property, (51), is out of range. The valid range is from 0 to 50.'],
    ['MinPasswordLength', 0, 'The property, (0), is out of range. The valid range is from 1 to 16.'],
    ['PasswordExpiration', '731.00:00:00', 'The property, (731.00:00:00), is out of range. The valid range is from 1.00:00:00 to 730.00:00:00.'],
    ['MaxInactivityTimeLock', '00:00:30', 'The property, (00:00:30), is out of range. The valid range is from 00:01:00 to 01:00:00.'],
    ['DevicePolicyRefreshInterval', '24856.00:00:00', 'The property, (24856.00:00:00), is out of range. The valid range is from 00:00:00 to 24855.03:14:07.'],
    ['MaxAttachmentSize', '2GB', 'The property, (2 GB (2,147,483,648 bytes)), is out of range. The valid range is from 0 B (0 bytes) to 2 GB (2,147,482,624 bytes).'],
  ])('When %s is %p, then Exchange refuses it with its range text', async (param, value, text) => {
    const e = await errorOf(await h.invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', [param]: value }));
    expect(e.type).toBe('System.Management.Automation.ParameterBindingException');
    expect(e.text).toBe(`Cannot bind parameter '${param}' to the target. Exception setting "${param}": "${text}"`);
  });

  it('When a count comes as a JSON string, then Int32 parameters refuse it while Unlimited ones take it', async () => {
    for (const param of ['PasswordHistory', 'MinPasswordComplexCharacters', 'MinPasswordLength']) {
      const e = await errorOf(await h.invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', [param]: '2' }));
      expect(e.type).toBe('System.Management.Automation.ParameterBindingException');
      expect(e.text).toContain(`Cannot bind parameter '${param}'`);
    }
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', MaxPasswordFailedAttempts: '8' });
    expect((await policy('Default')).MaxPasswordFailedAttempts).toBe('8');
  });

  it('When New- gets an empty MinPasswordLength, then it fails and creates nothing; null clears it on Set-', async () => {
    expect((await errorOf(await h.invoke('New-MobileDeviceMailboxPolicy', { Name: 'Empty', MinPasswordLength: '' }))).status).toBe(400);
    expect((await h.ok('Get-MobileDeviceMailboxPolicy')).value.map((p) => p.Name)).not.toContain('Empty');
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', MinPasswordLength: 6 });
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', MinPasswordLength: null });
    expect((await policy('Default')).MinPasswordLength).toBeNull();
  });

  it('When a new policy takes a used name in another case, then the directory object already exists', async () => {
    const e = await errorOf(await h.invoke('New-MobileDeviceMailboxPolicy', { Name: 'restricted' }));
    expect(e.type).toBe('Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException');
    expect(e.text).toMatch(/The object 'CN=restricted,CN=Mobile Mailbox Policies,.*' already exists\.$/);
  });

  it('When an application list exceeds 2048 characters in one entry, then Exchange refuses the change', async () => {
    const e = await errorOf(await h.invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', UnapprovedInROMApplicationList: { '@odata.type': HT, add: ['x'.repeat(2049)] } }));
    expect(e).toMatchObject({ type: 'System.ArgumentException', text: expect.stringContaining('larger than 5120 or the individual file name that you want to add is larger than 2048') });
    expect((await policy('Default')).UnapprovedInROMApplicationList).toEqual([]);
  });

  it('When PasswordEnabled is set false alone, then every password setting goes back to its default; with one of them given, only the given ones change', async () => {
    const strict = { Identity: 'Default', PasswordEnabled: true, MinPasswordLength: 8, PasswordHistory: 4, MaxInactivityTimeLock: '00:05:00', RequireDeviceEncryption: true };
    await h.ok('Set-MobileDeviceMailboxPolicy', strict);
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', PasswordEnabled: false, PasswordHistory: 2 });
    expect(await policy('Default')).toMatchObject({ PasswordEnabled: false, MinPasswordLength: 8, PasswordHistory: 2, MaxInactivityTimeLock: '00:05:00' });
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', PasswordEnabled: false });
    expect(await policy('Default')).toMatchObject({ MinPasswordLength: null, PasswordHistory: 0, MaxInactivityTimeLock: 'Unlimited', RequireDeviceEncryption: false });
  });
});

describe('the default policy', () => {
  it('When another policy becomes the default, on New- or Set-, then it is the only default, and the default cannot stop being one', async () => {
    const defaults = async () => (await h.ok('Get-MobileDeviceMailboxPolicy')).value.filter((p) => p.IsDefault).map((p) => p.Name);
    const created = await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Strict', IsDefault: true, PasswordEnabled: true });
    expect(created.value[0]).toMatchObject({ Name: 'Strict', IsDefault: true, PasswordEnabled: true });
    expect(await defaults()).toEqual(['Strict']);
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', IsDefault: true });
    expect(await defaults()).toEqual(['Default']);
    const e = await errorOf(await h.invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', IsDefault: false }));
    expect(e.type).toBe('System.InvalidOperationException');
    expect(await defaults()).toEqual(['Default']);
  });

  it('When the default policy is removed, then Exchange refuses it', async () => {
    const e = await errorOf(await h.invoke('Remove-MobileDeviceMailboxPolicy', { Identity: 'Default', Confirm: false }));
    expect(e.type).toBe('System.InvalidOperationException');
    expect((await policy('Default')).IsDefault).toBe(true);
  });
});

describe('assignment and removal', () => {
  const upn = () => h.emulator.control.listMailboxes()[5].upn;
  const cas = async () => (await h.ok('Get-CASMailbox', { Identity: upn() })).value[0];

  it('When Set-CASMailbox names a policy or null, then Get-CASMailbox shows its name, or the default with IsDefaulted', async () => {
    await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Field Staff' });
    await h.ok('Set-CASMailbox', { Identity: upn(), ActiveSyncMailboxPolicy: 'Field Staff' });
    expect(await cas()).toMatchObject({ ActiveSyncMailboxPolicy: 'Field Staff', ActiveSyncMailboxPolicyIsDefaulted: false });
    await h.ok('Set-CASMailbox', { Identity: upn(), ActiveSyncMailboxPolicy: null });
    expect(await cas()).toMatchObject({ ActiveSyncMailboxPolicy: 'Default', ActiveSyncMailboxPolicyIsDefaulted: true });
    const e = await errorOf(await h.invoke('Set-CASMailbox', { Identity: upn(), ActiveSyncMailboxPolicy: 'Nope' }));
    expect(e).toMatchObject({ type: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', text: `Exchange Mobile Device mailbox policy "Nope" wasn't found. Make sure you've typed the policy name correctly.` });
  });

  it('When a policy is removed without Confirm false, then the prompt fails the call; while users are assigned it, only Force removes it and they fall back to the default', async () => {
    await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Contractors' });
    const prompt = await errorOf(await h.invoke('Remove-MobileDeviceMailboxPolicy', { Identity: 'Contractors' }));
    expect(prompt).toMatchObject({ type: 'System.Management.Automation.Host.HostException', text: expect.stringContaining('Removing mobile device mailbox policy "Contractors".') });
    await h.ok('Set-CASMailbox', { Identity: upn(), ActiveSyncMailboxPolicy: 'Contractors' });
    const users = await errorOf(await h.invoke('Remove-MobileDeviceMailboxPolicy', { Identity: 'Contractors', Confirm: false }));
    expect(users.text).toContain("The mailbox policy 'Contractors' has users associated with it. If you remove the mailbox policy, none of these users will have an associated mailbox policy.");
    expect((await cas()).ActiveSyncMailboxPolicy).toBe('Contractors');
    await h.ok('Remove-MobileDeviceMailboxPolicy', { Identity: 'Contractors', Confirm: false, Force: true });
    expect(await cas()).toMatchObject({ ActiveSyncMailboxPolicy: 'Default', ActiveSyncMailboxPolicyIsDefaulted: true });
    expect((await errorOf(await h.invoke('Get-MobileDeviceMailboxPolicy', { Identity: 'Contractors' }))).type).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
  });

  it('When a policy with no users is removed with Confirm false, then it is gone', async () => {
    await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Temporary' });
    await h.ok('Remove-MobileDeviceMailboxPolicy', { Identity: 'Temporary', Confirm: false });
    expect((await h.ok('Get-MobileDeviceMailboxPolicy')).value.map((p) => p.Name)).toEqual(['Default', 'Restricted']);
  });
});

describe('management roles', () => {
  it('When role entries are asked for, then mailbox policy changes are Recipient Policies only and access rules and settings Organization Client Access', async () => {
    const roles = async (cmdlet: string) => (await h.ok('Get-ManagementRoleEntry', { Identity: `*\\${cmdlet}` })).value.map((e) => e.Role);
    for (const c of ['New-MobileDeviceMailboxPolicy', 'Set-MobileDeviceMailboxPolicy', 'Remove-MobileDeviceMailboxPolicy']) expect(await roles(c)).toEqual(['Recipient Policies']);
    expect(await roles('Get-MobileDeviceMailboxPolicy')).toEqual(['Recipient Policies', 'Mail Recipients', 'Mail Recipient Creation', 'View-Only Configuration', 'View-Only Recipients']);
    for (const c of ['New-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncDeviceAccessRule', 'Remove-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncOrganizationSettings']) {
      expect(await roles(c)).toEqual(['Organization Client Access']);
    }
    expect(await roles('Set-CASMailbox')).toEqual(['Mail Recipients', 'Organization Client Access']);
  });

  it('When the app lacks Recipient Policies, then policy changes answer 403 while reading policies still works', async () => {
    const all = h.emulator.control.assignedRoles();
    h.emulator.control.setAssignedRoles(all.filter((r) => r !== 'Recipient Policies'));
    try {
      expect((await h.invoke('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', PasswordEnabled: true })).status).toBe(403);
      expect((await h.invoke('Get-MobileDeviceMailboxPolicy')).status).toBe(200);
      const assigned = await h.ok('Get-ManagementRoleAssignment', { RoleAssignee: 'app' });
      expect(assigned.value.map((a) => a.Role)).not.toContain('Recipient Policies');
    } finally {
      h.emulator.control.setAssignedRoles(all);
    }
    expect(() => h.emulator.control.setAssignedRoles(['No Such Role'])).toThrow(/No Such Role/);
  });
});
