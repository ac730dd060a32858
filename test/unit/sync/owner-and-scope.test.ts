import { mailboxOfIdentity, listingFactsOf, statisticsUnavailableReason } from '../../../lib/exo/inventory/facts';
import { ExoAuthError, ExoBadParameterError, ExoCancelledError, ExoFailedError, ExoNotFoundError, ExoResponseError, ExoThrottledError, ExoTimeoutError, ExoTransientError, PermissionMissingError } from '../../../lib/exo/errors';
import { restFilter } from '../../../lib/exo/opath';
import { ValidationError } from '../../../lib/errors';
import { nameNewPartnerships } from '../../../lib/domain/naming';

describe('partnership owner', () => {
  test.each([
    ['jdoe\\ExchangeActiveSyncDevices\\iPhone§ABC', 'jdoe'],
    ['John Doe\\ExchangeActiveSyncDevices\\Hx§Outlook§7c1e', 'John Doe'],
    ['Sales/EMEA\\ExchangeActiveSyncDevices\\REST§Outlook§12ab', 'Sales/EMEA'],
    ['a/b c/d\\exchangeactivesyncdevices\\iPad§X', 'a/b c/d'],
    ['3f2c9a1e-5b7d-4c8e-9f10-2a3b4c5d6e7f\\ExchangeActiveSyncDevices\\Android§1', '3f2c9a1e-5b7d-4c8e-9f10-2a3b4c5d6e7f'],
    ['İstanbul Office\\ExchangeActiveSyncDevices\\iPhone§1', 'İstanbul Office'],
  ])('When the Identity is "%s", then the owner is everything before \\ExchangeActiveSyncDevices\\', (identity, owner) => {
    expect(mailboxOfIdentity(identity)).toBe(owner);
  });

  test('When an Identity has no \\ExchangeActiveSyncDevices\\ or nothing before it, then there is no owner and the listing is refused naming it', () => {
    expect(mailboxOfIdentity('contoso.com/Users/jdoe/ExchangeActiveSyncDevices/iPhone§1')).toBeNull();
    expect(mailboxOfIdentity('\\ExchangeActiveSyncDevices\\iPhone§1')).toBeNull();
    expect(() => listingFactsOf({ Identity: 'broken', Guid: 'g', DeviceId: 'd' })).toThrow(/Identity "broken"/);
  });

  test('When a GUID-named mailbox gets a device, then its readable name uses the UPN user part, not the mailbox Name', () => {
    const names = nameNewPartnerships('jdoe@contoso.com', [], [{ deviceGuid: 'g1', deviceType: 'iPhone', firstSyncTime: null }]);
    expect(names.get('g1')).toBe('jdoe_iPhone');
  });
});

describe('statistics failures', () => {
  const info = { cmdlet: 'Get-MobileDeviceStatistics', exchangeMessage: "Couldn't find 'x' as a recipient.", exceptionType: 'RecipientNotFoundException' };
  test('When one mailbox\'s statistics fail with a non-transient error, then it is a reason, not a stop', () => {
    expect(statisticsUnavailableReason(new ExoNotFoundError(info))).toBe("ExoNotFound (RecipientNotFoundException): Couldn't find 'x' as a recipient.");
    expect(statisticsUnavailableReason(new ExoBadParameterError({ cmdlet: 'Get-MobileDeviceStatistics' }))).toMatch(/^ExoBadParameter/);
    expect(statisticsUnavailableReason(new PermissionMissingError('Get-MobileDeviceStatistics'))).toMatch(/^PermissionMissing/);
    expect(statisticsUnavailableReason(new ExoResponseError({ cmdlet: 'Get-MobileDeviceStatistics', what: 'no value' }))).toMatch(/^ExoBadResponse/);
    expect(statisticsUnavailableReason(new ExoFailedError({ cmdlet: 'Get-MobileDeviceStatistics', httpStatus: 500 }))).toMatch(/^ExoFailed/);
  });

  test('When statistics fail from throttling, an outage, a timeout, authentication or cancellation, then the run must stop', () => {
    const c = { cmdlet: 'Get-MobileDeviceStatistics' };
    for (const e of [new ExoThrottledError(c), new ExoTransientError(c), new ExoTimeoutError({ ...c, timeoutMs: 1 }), new ExoAuthError({ ...c, reason: 'no token' }), new ExoCancelledError(c), new Error('bug')]) {
      expect(statisticsUnavailableReason(e)).toBeNull();
    }
  });
});

describe('OPATH filters over REST', () => {
  test('When a filter holds $true or $false in any case, then they are sent as \'True\' and \'False\'', () => {
    expect(restFilter('HasActiveSyncDevicePartnership -eq $true')).toBe("HasActiveSyncDevicePartnership -eq 'True'");
    expect(restFilter("(IsShared -eq $FALSE) -and (Department -eq 'Sales')")).toBe("(IsShared -eq 'False') -and (Department -eq 'Sales')");
  });

  test('When a filter holds $null or a dollar sign inside quotes, then it is kept as written', () => {
    expect(restFilter('Manager -eq $null')).toBe('Manager -eq $null');
    expect(restFilter("Department -eq 'R$D $true'")).toBe("Department -eq 'R$D $true'");
    expect(restFilter('Title -eq "It\'s $false"')).toBe('Title -eq "It\'s $false"');
  });

  test('When a filter holds another variable, then a ValidationError names the filter and the variable', () => {
    let error: unknown;
    try {
      restFilter('Department -eq $dept', 'SCOPE_RECIPIENT_FILTER');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]).toMatchObject({ field: 'SCOPE_RECIPIENT_FILTER', reason: expect.stringContaining('$dept') });
  });
});
