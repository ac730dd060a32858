import type { InventoryDevice } from '../../lib/app/actions/ports';
import { matchesQuery as matches, type Matchable } from '../../lib/domain/inventory-query';
import { EMPTY_STATISTICS } from '../../lib/domain/inventory';

const now = new Date('2026-12-01T00:00:00Z');
const device = (o: Partial<InventoryDevice & Matchable>): InventoryDevice & Matchable => ({
  deviceGuid: 'g', identity: 'm\\ExchangeActiveSyncDevices\\iPhone§1', mailbox: 'm', deviceId: '1', deviceType: 'iPhone', deviceModel: 'iPhone15,2', deviceOs: 'iOS 17.1',
  deviceUserAgent: null, friendlyName: null, clientType: 'EAS', deviceImei: null, deviceMobileOperator: null, accessState: 'Allowed', accessStateReason: 'Global',
  accessControlRule: null, firstSyncTime: null, whenChanged: null, whenCreated: null, isManaged: null, isCompliant: null, isDisabled: null, activeSyncVersion: '16.1',
  ...EMPTY_STATISTICS, name: 'jdoe_iPhone', userUpn: 'jdoe@contoso.com', userPrimarySmtp: 'john.doe@contoso.com', userDisplayName: 'John Doe', removed: false, statisticsUnavailable: null, ...o,
});

// One filter function serves GET /api/devices, the collections and the bulk actions' filters.
describe('inventory filters', () => {
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

  test('When the filter asks for an ActiveSync version below or at least a value, then versions compare as dotted numbers and an unknown version matches neither', () => {
    expect(matches(device({ activeSyncVersion: '14.1' }), { activeSyncVersionBelow: '16.1' }, now, 30)).toBe(true);
    expect(matches(device({ activeSyncVersion: '16.1' }), { activeSyncVersionBelow: '16.1' }, now, 30)).toBe(false);
    expect(matches(device({ activeSyncVersion: '16.10' }), { activeSyncVersionAtLeast: '16.2' }, now, 30)).toBe(true);
    expect(matches(device({ activeSyncVersion: null, clientType: 'Outlook' }), { activeSyncVersionBelow: '16.1' }, now, 30)).toBe(false);
    expect(matches(device({ activeSyncVersion: null, clientType: 'Outlook' }), { activeSyncVersionAtLeast: '2.5' }, now, 30)).toBe(false);
  });

  test('When the filter asks for a wipe state, then pending and acknowledged come from the device statistics, whoever asked', () => {
    const pending = device({ accountOnlyWipeRequestTime: '2026-11-30T10:00:00Z', accountOnlyWipeSentTime: '2026-11-30T10:05:00Z' });
    const acknowledged = device({ wipeRequestTime: '2026-11-29T10:00:00Z', wipeSentTime: '2026-11-29T10:01:00Z', wipeAckTime: '2026-11-29T10:02:00Z' });
    expect(matches(pending, { wipeState: 'pending' }, now, 30)).toBe(true);
    expect(matches(acknowledged, { wipeState: 'acknowledged' }, now, 30)).toBe(true);
    expect(matches(acknowledged, { wipedWithinDays: 30 }, now, 30)).toBe(true);
    expect(matches(acknowledged, { wipedWithinDays: 1 }, now, 30)).toBe(false);
    expect(matches(device({}), { wipeState: 'none' }, now, 30)).toBe(true);
  });
});
