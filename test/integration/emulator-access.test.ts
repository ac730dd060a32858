/**
 * Device access rules, the organisation's ActiveSync settings, and the access state the
 * emulator gives its partnerships: Exchange's validation and shapes, the reference's
 * precedence (ActiveSync disabled > policy > personal block > personal allow > rule >
 * DefaultAccessLevel), and every change showing in Get-MobileDevice at once.
 */
import { type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;
const HT = '#Exchange.GenericHashTable';
const UA = 'Apple-iPhone15C2/2008.40';

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.seed({ devices: 40, mailboxes: 12, seed: 21 });
  h.emulator.control.addMailbox({ alias: 'pat.doe' });
  h.emulator.control.addDevice({ mailbox: 'pat.doe', deviceType: 'iPhone', deviceId: 'IPHONE0001', deviceModel: 'iPhone15,2', deviceOs: 'iOS 17.4', deviceUserAgent: UA });
  h.emulator.control.addDevice({ mailbox: 'pat.doe', deviceType: 'Android', deviceId: 'ANDROID0001', deviceModel: 'SM-S911B', deviceOs: 'Android 14' });
});

async function errorOf(res: Response): Promise<{ status: number; type: string; text: string }> {
  const body = await readJson(res);
  const detail = body.error.details?.[0]?.message as string | undefined;
  if (detail) {
    const [, type, ...text] = detail.split('|');
    return { status: res.status, type, text: text.join('|') };
  }
  return { status: res.status, type: body.error.innererror.internalexception.type, text: body.error.innererror.internalexception.message };
}

/** DeviceId -> `State/Reason[/Rule]` of pat.doe's partnerships, as Get-MobileDevice shows them. */
const access = async () =>
  Object.fromEntries(
    (await h.ok('Get-MobileDevice', { Mailbox: 'pat.doe' })).value.map((d) => [d.DeviceId, [d.DeviceAccessState, d.DeviceAccessStateReason, d.DeviceAccessControlRule].filter(Boolean).join('/')]),
  );
const rule = (QueryString: string, Characteristic: string, AccessLevel: string) => h.ok('New-ActiveSyncDeviceAccessRule', { QueryString, Characteristic, AccessLevel });

describe('device access rules', () => {
  it("When a rule is created, then it comes back named '<QueryString> (<Characteristic>)' with Exchange's fields, and the same pair again already exists", async () => {
    const created = (await rule('iPhone15,2', 'DeviceModel', 'Quarantine')).value[0];
    expect(created).toMatchObject({ QueryString: 'iPhone15,2', Characteristic: 'DeviceModel', AccessLevel: 'Quarantine', Name: 'iPhone15,2 (DeviceModel)', Identity: 'iPhone15,2 (DeviceModel)' });
    const listed = (await h.ok('Get-ActiveSyncDeviceAccessRule', { Identity: 'iPhone15,2 (DeviceModel)' })).value[0];
    for (const k of ['DistinguishedName', 'Guid', 'ExchangeObjectId', 'WhenChanged', 'WhenCreated', 'WhenChangedUTC', 'ObjectClass', 'OrganizationId']) expect(listed).toHaveProperty(k);
    expect(listed.DistinguishedName).toMatch(/^CN=iPhone15,2 \(DeviceModel\),CN=Mobile Mailbox Settings,/);
    const dup = await errorOf(await h.invoke('New-ActiveSyncDeviceAccessRule', { QueryString: 'IPHONE15,2', Characteristic: 'DeviceModel', AccessLevel: 'Block' }));
    expect(dup.type).toBe('Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException');
    expect((await h.ok('Get-ActiveSyncDeviceAccessRule')).value.map((r) => r.Name)).toEqual(['SM-G950F (DeviceModel)', 'iPhone15,2 (DeviceModel)']);
  });

  it('When the name would pass 64 characters, then Exchange cuts it to 64 ending in a hash and the characteristic, and the rule still matches the whole string', async () => {
    const long = `${UA} (iPhone; iOS 17.4; Scale/3.00) CFNetwork/1494.0.7 Darwin/23.4.0`;
    await h.ok('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Quarantine' });
    h.emulator.control.updateDevice('IPHONE0001', { deviceUserAgent: long });
    const created = (await rule(long, 'UserAgent', 'Allow')).value[0];
    expect(created.Name).toHaveLength(64);
    expect(created.Name).toMatch(/^Apple-iPhone15C2\/2008\.40 \(iPhone.*-?\d+ \(UserAgent\)$/);
    expect(created.QueryString).toBe(long);
    expect((await access()).IPHONE0001).toBe(`Allowed/DeviceRule/${created.Name}`);
  });

  it('When a rule is set, then only AccessLevel changes, at once on its devices; QueryString or Characteristic on Set- is an unknown parameter', async () => {
    await rule('SM-S911B', 'DeviceModel', 'Quarantine');
    expect((await access()).ANDROID0001).toBe('Quarantined/DeviceRule/SM-S911B (DeviceModel)');
    await h.ok('Set-ActiveSyncDeviceAccessRule', { Identity: 'SM-S911B (DeviceModel)', AccessLevel: 'Block' });
    expect((await access()).ANDROID0001).toBe('Blocked/DeviceRule/SM-S911B (DeviceModel)');
    for (const extra of [{ QueryString: 'SM-S918B' }, { Characteristic: 'DeviceType' }]) {
      const e = await errorOf(await h.invoke('Set-ActiveSyncDeviceAccessRule', { Identity: 'SM-S911B (DeviceModel)', ...extra }));
      expect(e.text).toBe(`Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. ${Object.keys(extra)[0]}`);
    }
  });

  it('When a rule is removed, then the call needs Confirm false, and its devices fall back to the default at once', async () => {
    await rule('Android', 'DeviceType', 'Block');
    const prompt = await errorOf(await h.invoke('Remove-ActiveSyncDeviceAccessRule', { Identity: 'Android (DeviceType)' }));
    expect(prompt).toMatchObject({ type: 'System.Management.Automation.Host.HostException', text: expect.stringContaining('Removing Exchange ActiveSync device access rule "Android (DeviceType)".') });
    expect((await access()).ANDROID0001).toBe('Blocked/DeviceRule/Android (DeviceType)');
    await h.ok('Remove-ActiveSyncDeviceAccessRule', { Identity: 'Android (DeviceType)', Confirm: false });
    expect((await access()).ANDROID0001).toBe('Allowed/Global');
    expect((await errorOf(await h.invoke('Remove-ActiveSyncDeviceAccessRule', { Identity: 'Android (DeviceType)', Confirm: false }))).type).toMatch(/ManagementObjectNotFoundException$/);
  });

  it('When several rules match one device, then UserAgent wins over DeviceOS, DeviceOS over DeviceModel, DeviceModel over DeviceType', async () => {
    await rule('iPhone', 'DeviceType', 'Block');
    expect((await access()).IPHONE0001).toBe('Blocked/DeviceRule/iPhone (DeviceType)');
    await rule('iPhone15,2', 'DeviceModel', 'Quarantine');
    expect((await access()).IPHONE0001).toBe('Quarantined/DeviceRule/iPhone15,2 (DeviceModel)');
    await rule('ios 17.4', 'DeviceOS', 'Block');
    expect((await access()).IPHONE0001).toBe('Blocked/DeviceRule/ios 17.4 (DeviceOS)');
    await rule(UA, 'UserAgent', 'Allow');
    expect((await access()).IPHONE0001).toBe(`Allowed/DeviceRule/${UA} (UserAgent)`);
  });
});

describe('organisation settings', () => {
  it("When the settings are read, then they are 'Mobile Mailbox Settings' with Exchange's fields and defaults; another identity is not found", async () => {
    const s = (await h.ok('Get-ActiveSyncOrganizationSettings')).value[0];
    expect(s).toMatchObject({
      Identity: 'Mobile Mailbox Settings',
      Name: 'Mobile Mailbox Settings',
      DefaultAccessLevel: 'Allow',
      UserMailInsert: '',
      OtaNotificationMailInsert: '',
      AdminMailRecipients: [],
      DeviceFiltering: null,
      IsIntuneManaged: false,
      HasAzurePremiumSubscription: false,
      AllowAccessForUnSupportedPlatform: false,
      EnableMobileMailboxPolicyWhenCAInplace: false,
      TenantAdminPreference: null,
    });
    expect((await h.ok('Get-ActiveSyncOrganizationSettings', { Identity: 'mobile mailbox settings' })).value).toHaveLength(1);
    expect((await errorOf(await h.invoke('Set-ActiveSyncOrganizationSettings', { Identity: 'Other', DefaultAccessLevel: 'Block' }))).type).toMatch(/ManagementObjectNotFoundException$/);
  });

  it('When read-only fields are set, then they are unknown parameters; the documented switches are taken', async () => {
    for (const param of ['DeviceFiltering', 'IsIntuneManaged', 'HasAzurePremiumSubscription']) {
      const e = await errorOf(await h.invoke('Set-ActiveSyncOrganizationSettings', { [param]: true }));
      expect(e.text).toMatch(new RegExp(`Invalid cmdlet parameters specified\\. ${param}$`));
    }
    await h.ok('Set-ActiveSyncOrganizationSettings', { EnableMobileMailboxPolicyWhenCAInplace: true, AllowRMSSupportForUnenlightenedApps: true });
    expect((await h.ok('Get-ActiveSyncOrganizationSettings')).value[0]).toMatchObject({ EnableMobileMailboxPolicyWhenCAInplace: true, AllowRMSSupportForUnenlightenedApps: true });
  });

  it('When admin recipients are added and removed, then any well-formed address is kept, a malformed one is refused', async () => {
    await h.ok('Set-ActiveSyncOrganizationSettings', { AdminMailRecipients: ['it@contoso.com', 'noc@partner.example'] });
    await h.ok('Set-ActiveSyncOrganizationSettings', { AdminMailRecipients: { '@odata.type': HT, add: ['sec@contoso.com'], remove: ['it@contoso.com'] } });
    expect((await h.ok('Get-ActiveSyncOrganizationSettings')).value[0].AdminMailRecipients).toEqual(['noc@partner.example', 'sec@contoso.com']);
    const e = await errorOf(await h.invoke('Set-ActiveSyncOrganizationSettings', { AdminMailRecipients: { '@odata.type': HT, add: ['not an address'] } }));
    expect(e).toMatchObject({ status: 400, text: expect.stringContaining('SmtpAddress') });
  });

  it.each(['UserMailInsert', 'OtaNotificationMailInsert'])('When %s passes 256 characters, then it is refused; 256 fit and null clears it', async (param) => {
    expect((await errorOf(await h.invoke('Set-ActiveSyncOrganizationSettings', { [param]: 'x'.repeat(257) }))).text).toContain(`'${param}'`);
    await h.ok('Set-ActiveSyncOrganizationSettings', { [param]: 'y'.repeat(256) });
    expect((await h.ok('Get-ActiveSyncOrganizationSettings')).value[0][param]).toHaveLength(256);
    await h.ok('Set-ActiveSyncOrganizationSettings', { [param]: null });
    expect((await h.ok('Get-ActiveSyncOrganizationSettings')).value[0][param]).toBe('');
  });

  it('When DefaultAccessLevel gets an unknown value, then the enum error lists the names and nothing changes', async () => {
    const e = await errorOf(await h.invoke('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Deny' }));
    expect(e.text).toContain('Specify one of the following enumerator names and try again: Allow, Block, Quarantine');
    expect((await h.ok('Get-ActiveSyncOrganizationSettings')).value[0].DefaultAccessLevel).toBe('Allow');
  });
});

describe('access state precedence, applied at once', () => {
  it('When DefaultAccessLevel changes, then every partnership decided by the default follows at once, as many as the devices a preview counts; lists, rules and discovery keep theirs', async () => {
    const c = h.emulator.control;
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncAllowedDeviceIDs: ['ANDROID0001'] });
    await rule('iPhone15,2', 'DeviceModel', 'Allow');
    const discovering = c.addDevice({ mailbox: 'pat.doe', deviceType: 'iPad', deviceId: 'IPAD0001', accessState: 'DeviceDiscovery', accessStateReason: 'Global' });
    const before = c.accessStates();
    expect(before.find((s) => s.guid === discovering.guid)!.decidedBy).toBe('deviceBehaviour');
    const preview = before.filter((s) => s.decidedBy === 'default').length;
    expect(preview).toBeGreaterThan(10);
    await h.ok('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Quarantine' });
    const after = c.accessStates();
    expect(after.filter((s) => s.accessState === 'Quarantined' && s.accessStateReason === 'Global')).toHaveLength(preview);
    expect(await access()).toEqual({ IPHONE0001: 'Allowed/DeviceRule/iPhone15,2 (DeviceModel)', ANDROID0001: 'Allowed/Individual', IPAD0001: 'DeviceDiscovery/Global' });
    const byRule = before.filter((s) => s.decidedBy === 'rule').map((s) => s.guid);
    expect(byRule.length).toBeGreaterThan(1);
    for (const g of byRule) expect(after.find((s) => s.guid === g)).toMatchObject({ accessStateReason: 'DeviceRule' });
    await h.ok('Set-ActiveSyncOrganizationSettings', { DefaultAccessLevel: 'Block' });
    expect(c.accessStates().filter((s) => s.accessState === 'Blocked' && s.accessStateReason === 'Global')).toHaveLength(preview);
  });

  it('When a DeviceId is on the blocked list, then a rule allowing its model does not let it in; the allowed list beats a blocking rule', async () => {
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncBlockedDeviceIDs: ['IPHONE0001'], ActiveSyncAllowedDeviceIDs: ['ANDROID0001'] });
    await rule('iPhone15,2', 'DeviceModel', 'Allow');
    await rule('SM-S911B', 'DeviceModel', 'Block');
    expect(await access()).toEqual({ IPHONE0001: 'Blocked/Individual', ANDROID0001: 'Allowed/Individual' });
  });

  it('When the policy refuses devices that cannot apply it, then such a device is Blocked (Policy) above its personal allow, and another policy lets it back at once', async () => {
    const c = h.emulator.control;
    c.updateDevice('ANDROID0001', { policyApplicationStatus: 'PartiallyApplied' });
    c.updateDevice('IPHONE0001', { policyApplicationStatus: 'ExternallyManaged' });
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncAllowedDeviceIDs: ['ANDROID0001'] });
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', AllowNonProvisionableDevices: false });
    expect(await access()).toEqual({ IPHONE0001: 'Blocked/Policy', ANDROID0001: 'Blocked/Policy' });
    await h.ok('Set-MobileDeviceMailboxPolicy', { Identity: 'Default', AllowExternalDeviceManagement: true });
    expect(await access()).toEqual({ IPHONE0001: 'Allowed/Global', ANDROID0001: 'Blocked/Policy' });
    await h.ok('New-MobileDeviceMailboxPolicy', { Name: 'Lenient' });
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncMailboxPolicy: 'Lenient' });
    expect(await access()).toEqual({ IPHONE0001: 'Allowed/Global', ANDROID0001: 'Allowed/Individual' });
  });

  it('When ActiveSync is disabled for the user, then rule changes leave their devices as they were; enabling it again shows the current outcome at once', async () => {
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncEnabled: false });
    await rule('Android', 'DeviceType', 'Quarantine');
    expect((await access()).ANDROID0001).toBe('Allowed/Global');
    expect(h.emulator.control.accessStates().find((s) => s.deviceId === 'ANDROID0001')!.decidedBy).toBe('activeSyncDisabled');
    await h.ok('Set-CASMailbox', { Identity: 'pat.doe', ActiveSyncEnabled: true });
    expect((await access()).ANDROID0001).toBe('Quarantined/DeviceRule/Android (DeviceType)');
  });
});

describe('device facts the control API sets', () => {
  it('When a partnership is given an older ActiveSync version, then Get-MobileDevice shows it; a value that is not a dotted version is refused and changes nothing', async () => {
    const version = async () => (await h.ok('Get-MobileDevice', { Mailbox: 'pat.doe' })).value.find((d) => d.DeviceId === 'ANDROID0001')!.DeviceActiveSyncVersion;
    expect(await version()).toBe('16.1');
    h.emulator.control.updateDevice('ANDROID0001', { activeSyncVersion: '14.1' });
    expect(await version()).toBe('14.1');
    expect(() => h.emulator.control.updateDevice('ANDROID0001', { activeSyncVersion: 'sixteen' })).toThrow(/activeSyncVersion/);
    expect(await version()).toBe('14.1');
  });
});
