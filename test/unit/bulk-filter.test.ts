import { matches } from '../../lib/app/actions/bulk-select';
import type { InventoryDevice } from '../../lib/app/actions/ports';
import { EMPTY_STATISTICS } from '../../lib/domain/inventory';

const now = new Date('2026-12-01T00:00:00Z');
const device = (o: Partial<InventoryDevice>): InventoryDevice => ({
  deviceGuid: 'g', identity: 'm\\ExchangeActiveSyncDevices\\iPhone§1', mailbox: 'm', deviceId: '1', deviceType: 'iPhone', deviceModel: 'iPhone15,2', deviceOs: 'iOS 17.1',
  deviceUserAgent: null, friendlyName: null, clientType: 'EAS', deviceImei: null, deviceMobileOperator: null, accessState: 'Allowed', accessStateReason: 'Global',
  accessControlRule: null, firstSyncTime: null, whenChanged: null, whenCreated: null, isManaged: null, isCompliant: null, isDisabled: null, activeSyncVersion: '16.1',
  ...EMPTY_STATISTICS, name: 'jdoe_iPhone', userUpn: 'jdoe@contoso.com', userPrimarySmtp: 'john.doe@contoso.com', userDisplayName: 'John Doe', removed: false, ...o,
});

describe('bulk filters', () => {
  test('When the filter asks for stale devices, then only devices whose last successful sync is older than the days count; unknown sync times (Outlook mobile) never are', () => {
    expect(matches(device({ lastSuccessSync: '2026-10-01T00:00:00Z' }), { stale: true }, now, 30)).toBe(true);
    expect(matches(device({ lastSuccessSync: '2026-11-20T00:00:00Z' }), { stale: true }, now, 30)).toBe(false);
    expect(matches(device({ lastSuccessSync: null, clientType: 'Outlook' }), { stale: true }, now, 30)).toBe(false);
    expect(matches(device({ lastSuccessSync: null }), { lastSyncBefore: '2026-11-01T00:00:00Z' }, now, 30)).toBe(false);
  });

  test('When the filter names type, OS prefix, access state and user, then each must match (any case; the user by UPN, SMTP or display name prefix); removed devices never match', () => {
    const d = device({});
    expect(matches(d, { deviceType: 'iphone', os: 'iOS 17', accessState: 'allowed', user: 'john' }, now, 30)).toBe(true);
    expect(matches(d, { user: 'JDOE@' }, now, 30)).toBe(true);
    expect(matches(d, { os: 'iOS 16' }, now, 30)).toBe(false);
    expect(matches(d, { clientType: 'Outlook' }, now, 30)).toBe(false);
    expect(matches(device({ removed: true }), {}, now, 30)).toBe(false);
  });
});
