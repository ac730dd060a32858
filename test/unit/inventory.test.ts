import { buildRecord, isStale, listingHashOf, packListing, unpackListing, EMPTY_STATISTICS, LISTING_KEYS, type ListingFacts } from '../../lib/domain/inventory';

const listing: ListingFacts = {
  deviceGuid: 'A1B2C3D4-0000-0000-0000-000000000001',
  identity: 'jdoe\\ExchangeActiveSyncDevices\\iPhone§ABC',
  mailbox: 'jdoe',
  deviceId: 'ABC',
  activeSyncVersion: '16.1',
  deviceType: 'iPhone',
  deviceModel: 'iPhone15,2',
  deviceOs: 'iOS 17.1',
  deviceUserAgent: 'Apple-iPhone15C2/2101.1',
  friendlyName: null,
  clientType: 'EAS',
  deviceImei: null,
  deviceMobileOperator: null,
  accessState: 'Allowed',
  accessStateReason: 'Global',
  accessControlRule: null,
  firstSyncTime: '2024-01-01T00:00:00.000Z',
  whenChanged: '2024-01-02T00:00:00.000Z',
  whenCreated: '2024-01-01T00:00:00.000Z',
  isManaged: false,
  isCompliant: false,
  isDisabled: false,
};
const user = { upn: 'jdoe@contoso.com', displayName: 'John Doe', primarySmtp: 'john.doe@contoso.com' };
const now = new Date('2024-06-01T00:00:00Z');
const base = { tenantId: 't1', listing, statistics: { ...EMPTY_STATISTICS, lastSuccessSync: '2024-05-31T00:00:00.000Z' }, user, name: 'jdoe_iPhone', previous: null, now, staleAfterDays: 30 };

describe('inventory records', () => {
  test('When a partnership is seen first, then it is new with first and last seen now and a lower-case key', () => {
    const { record, change } = buildRecord(base);
    expect(change).toBe('new');
    expect(record.deviceGuid).toBe('a1b2c3d4-0000-0000-0000-000000000001');
    expect(record.firstSeen).toBe(now.toISOString());
    expect(record.userPrimarySmtp).toBe('john.doe@contoso.com');
    expect(record.removed).toBe(false);
  });

  test('When nothing changed in Exchange, then the record is unchanged and keeps its last-seen time', () => {
    const first = buildRecord(base).record;
    const later = new Date('2024-06-02T00:00:00Z');
    const { record, change } = buildRecord({ ...base, now: later, previous: first });
    expect(change).toBe('unchanged');
    expect(record.contentHash).toBe(first.contentHash);
    expect(record.lastSeen).toBe(first.lastSeen);
    expect(record.firstSeen).toBe(first.firstSeen);
  });

  test('When the access state changes, then both hashes change and the stored name is kept', () => {
    const first = buildRecord(base).record;
    const { record, change } = buildRecord({ ...base, name: 'other', previous: first, listing: { ...listing, accessState: 'Blocked' } });
    expect(change).toBe('changed');
    expect(record.name).toBe('jdoe_iPhone');
    expect(record.listingHash).not.toBe(first.listingHash);
  });

  test('When only statistics change, then the listing hash stays and the content hash changes', () => {
    const first = buildRecord(base).record;
    const { record, change } = buildRecord({ ...base, previous: first, statistics: { ...base.statistics, status: 'DeviceWipePending' } });
    expect(change).toBe('changed');
    expect(record.listingHash).toBe(first.listingHash);
    expect(listingHashOf(listing)).toBe(first.listingHash);
  });

  test('When a removed partnership is listed again, then it is revived', () => {
    const first = buildRecord(base).record;
    const { record, change } = buildRecord({ ...base, previous: { ...first, removed: true } });
    expect(change).toBe('revived');
    expect(record.removed).toBe(false);
  });

  test('When the last successful sync is older than the threshold, then the device is stale; an unknown sync time never is', () => {
    expect(isStale('2024-04-01T00:00:00Z', now, 30)).toBe(true);
    expect(isStale('2024-05-15T00:00:00Z', now, 30)).toBe(false);
    expect(isStale(null, now, 1)).toBe(false);
    const outlook = buildRecord({ ...base, listing: { ...listing, clientType: 'Outlook' }, statistics: EMPTY_STATISTICS });
    expect(outlook.record.stale).toBe(false);
  });
});

describe('partnerships stored without statistics', () => {
  test('When a mailbox gave no statistics, then the record carries the reason and counts as changed once the mailbox recovers', () => {
    const without = buildRecord({ ...base, statistics: EMPTY_STATISTICS, statisticsUnavailable: 'ExoNotFound: Couldn\'t find \'jdoe\' as a recipient.' });
    expect(without.record.statisticsUnavailable).toMatch(/as a recipient/);
    // Recovered, and the statistics are empty too (Outlook mobile reports no sync times): still rewritten.
    const recovered = buildRecord({ ...base, statistics: EMPTY_STATISTICS, previous: without.record });
    expect(recovered.change).toBe('changed');
    expect(recovered.record.statisticsUnavailable).toBeNull();
    expect(recovered.record.contentHash).not.toBe(without.record.contentHash);
  });

  test('When statistics were read, then the content hash is the one a record without the field had', () => {
    // Records stored before the field existed are not all rewritten by the upgrade.
    const a = buildRecord(base).record;
    const b = buildRecord({ ...base, statisticsUnavailable: null }).record;
    expect(b.contentHash).toBe(a.contentHash);
    expect(a.statisticsUnavailable).toBeNull();
  });
});

describe('packed listing facts', () => {
  test('When listing facts are packed into one string and unpacked, then every field comes back equal, nulls, booleans and § included', () => {
    const outlook: ListingFacts = { ...listing, identity: '6f1c0a52-1c7e-4c39-9b7a-0f3f4b4a9a11\\ExchangeActiveSyncDevices\\Hx§Outlook§4F3A', friendlyName: 'Zoë\'s "phone"', isManaged: null, isCompliant: true };
    for (const f of [listing, outlook]) {
      const packed = packListing(f);
      expect(typeof packed).toBe('string');
      expect(unpackListing(packed)).toEqual(f);
      expect(listingHashOf(unpackListing(packed))).toBe(listingHashOf(f));
    }
    // Every field is carried: a changed value of any one of them changes the packed form.
    for (const key of Object.keys(listing) as (keyof ListingFacts)[]) {
      expect(packListing({ ...listing, [key]: 'changed' } as ListingFacts)).not.toBe(packListing(listing));
    }
  });
});

describe('the listing hash', () => {
  test('When any one listing field changes, then the listing hash changes; every field of a listing is hashed, none twice', () => {
    expect([...LISTING_KEYS].sort()).toEqual(Object.keys(listing).sort());
    const hashes = new Set([listingHashOf(listing)]);
    for (const key of LISTING_KEYS) hashes.add(listingHashOf({ ...listing, [key]: `changed ${key}` } as ListingFacts));
    expect(hashes.size).toBe(LISTING_KEYS.length + 1);
  });
});
