import {
  REQUIRED_CMDLETS,
  SEED_CMDLET_NAMES,
  clearMobileDevice,
  getActiveSyncOrganizationSettings,
  getCasMailbox,
  getMobileDevice,
  getMobileDeviceStatisticsByMailbox,
  listMobileDevices,
  listRecipients,
  newActiveSyncDeviceAccessRule,
  removeActiveSyncDeviceAccessRule,
  removeMobileDevice,
  setCasMailboxActiveSync,
  setCasMailboxDeviceIds,
  setMobileDeviceMailboxPolicy,
} from '../../../lib/exo/cmdlets';
import { ExoNotFoundError } from '../../../lib/exo/errors';
import { collect, ok, startPeer, testClient, type Peer } from './peer';

describe('cmdlet wrappers on the wire', () => {
  let peer: Peer;
  const sent = () => peer.requests.map((r) => r.json?.CmdletInput);
  afterEach(async () => peer?.close());

  beforeEach(async () => {
    peer = await startPeer((req) => {
      const cmdlet = req.json?.CmdletInput?.CmdletName;
      if (cmdlet === 'Get-MobileDevice') return ok([{ Identity: 'jdoe\\ExchangeActiveSyncDevices\\iPhone§ABC', Guid: 'g1', DeviceId: 'ABC' }]);
      if (cmdlet === 'Get-CASMailbox') return ok([{ Identity: 'jdoe', ActiveSyncEnabled: true, ActiveSyncBlockedDeviceIDs: [] }]);
      return ok([]);
    });
  });

  it('When devices are listed, then Get-MobileDevice runs with ResultSize Unlimited, the filter and the page size', async () => {
    const { client } = testClient(peer);
    const pages = await collect(listMobileDevices(client, { pageSize: 200, filter: "DeviceOS -like 'iOS*'" }));
    expect(pages[0].items[0]).toMatchObject({ Guid: 'g1', DeviceId: 'ABC' });
    expect(sent()).toEqual([{ CmdletName: 'Get-MobileDevice', Parameters: { ResultSize: 'Unlimited', Filter: "DeviceOS -like 'iOS*'" } }]);
    expect(peer.requests[0].headers.prefer).toBe('odata.maxpagesize=200');
  });

  it("When one mailbox's statistics are read, then the call is anchored on that mailbox", async () => {
    const { client } = testClient(peer);
    await getMobileDeviceStatisticsByMailbox(client, 'jdoe@contoso.com');
    await getCasMailbox(client, 'jdoe@contoso.com');
    expect(sent()).toEqual([
      { CmdletName: 'Get-MobileDeviceStatistics', Parameters: { Mailbox: 'jdoe@contoso.com' } },
      { CmdletName: 'Get-CASMailbox', Parameters: { Identity: 'jdoe@contoso.com' } },
    ]);
    expect(peer.requests.map((r) => r.headers['x-anchormailbox'])).toEqual(['UPN:jdoe@contoso.com', 'UPN:jdoe@contoso.com']);
  });

  it('When a wipe is requested or cancelled, then Clear-MobileDevice gets its switches and Confirm false', async () => {
    const { client } = testClient(peer);
    await clearMobileDevice(client, 'dev-1', { accountOnly: true, notificationEmailAddresses: ['sec@contoso.com'] });
    await clearMobileDevice(client, 'dev-1', { cancel: true });
    await removeMobileDevice(client, 'dev-2');
    expect(sent()).toEqual([
      { CmdletName: 'Clear-MobileDevice', Parameters: { Identity: 'dev-1', Confirm: false, AccountOnly: true, NotificationEmailAddresses: ['sec@contoso.com'] } },
      { CmdletName: 'Clear-MobileDevice', Parameters: { Identity: 'dev-1', Confirm: false, Cancel: true } },
      { CmdletName: 'Remove-MobileDevice', Parameters: { Identity: 'dev-2', Confirm: false } },
    ]);
  });

  it('When a device is blocked for a mailbox, then Set-CASMailbox gets GenericHashTable add/remove lists', async () => {
    const { client } = testClient(peer);
    await setCasMailboxDeviceIds(client, 'jdoe@contoso.com', { blocked: { add: ['ABC'] }, allowed: { remove: ['ABC'] } });
    expect(sent()).toEqual([
      {
        CmdletName: 'Set-CASMailbox',
        Parameters: {
          Identity: 'jdoe@contoso.com',
          ActiveSyncAllowedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', remove: ['ABC'] },
          ActiveSyncBlockedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', add: ['ABC'] },
        },
      },
    ]);
  });

  it('When a change has nothing in it, then no call is made', async () => {
    const { client } = testClient(peer);
    await setCasMailboxDeviceIds(client, 'jdoe', { blocked: { add: [] } });
    await setCasMailboxActiveSync(client, 'jdoe', {});
    await setMobileDeviceMailboxPolicy(client, 'Default', {});
    expect(peer.requests).toHaveLength(0);
  });

  it('When policy settings and rules are written, then the parameters use Exchange names and removals pass Confirm false', async () => {
    const { client } = testClient(peer);
    await setMobileDeviceMailboxPolicy(client, 'Default', { PasswordEnabled: true, MinPasswordLength: 6, MaxInactivityTimeLock: '00:15:00', MaxPasswordFailedAttempts: 'Unlimited' });
    await newActiveSyncDeviceAccessRule(client, { accessLevel: 'Quarantine', characteristic: 'DeviceModel', queryString: 'iPhone 6' });
    await removeActiveSyncDeviceAccessRule(client, 'iPhone 6 (DeviceModel)');
    expect(sent()).toEqual([
      {
        CmdletName: 'Set-MobileDeviceMailboxPolicy',
        Parameters: { Identity: 'Default', PasswordEnabled: true, MinPasswordLength: 6, MaxInactivityTimeLock: '00:15:00', MaxPasswordFailedAttempts: 'Unlimited' },
      },
      { CmdletName: 'New-ActiveSyncDeviceAccessRule', Parameters: { AccessLevel: 'Quarantine', Characteristic: 'DeviceModel', QueryString: 'iPhone 6' } },
      { CmdletName: 'Remove-ActiveSyncDeviceAccessRule', Parameters: { Identity: 'iPhone 6 (DeviceModel)', Confirm: false } },
    ]);
  });

  it('When recipients are listed by filter, then Get-Recipient runs with ResultSize Unlimited', async () => {
    const { client } = testClient(peer);
    await collect(listRecipients(client, { filter: "Department -eq 'Sales'", recipientTypeDetails: ['UserMailbox'] }));
    expect(sent()).toEqual([{ CmdletName: 'Get-Recipient', Parameters: { ResultSize: 'Unlimited', Filter: "Department -eq 'Sales'", RecipientTypeDetails: ['UserMailbox'] } }]);
  });

  it('When a single object is asked for and Exchange returns none, then ExoNotFoundError', async () => {
    const { client } = testClient(peer);
    await expect(getActiveSyncOrganizationSettings(client)).rejects.toBeInstanceOf(ExoNotFoundError);
    await expect(getMobileDevice(client, 'x')).resolves.toMatchObject({ Guid: 'g1' });
  });
});

describe('REQUIRED_CMDLETS', () => {
  it('When the install check asks what to verify, then it gets the Exchange Online names, each mapped to the seed name', () => {
    expect(REQUIRED_CMDLETS).toHaveLength(20);
    expect(REQUIRED_CMDLETS).toContain('Get-MobileDevice');
    expect(REQUIRED_CMDLETS).not.toContain('Get-ExchangeServer');
    expect(REQUIRED_CMDLETS).not.toContain('Set-ADServerSettings');
    expect(SEED_CMDLET_NAMES['Clear-MobileDevice']).toBe('Clear-ActiveSyncDevice');
    expect(Object.keys(SEED_CMDLET_NAMES).sort()).toEqual([...REQUIRED_CMDLETS].sort());
  });
});
