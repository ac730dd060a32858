import { DeviceCounter, facetKeyOf, MAX_ROWS, osFamilyOf, reportKeyOf, staleOwnerOf, type Facets, type ReportFacts } from '../../lib/domain/device-counts';

const device = (o: Partial<Facets> = {}): Facets => ({ deviceOs: 'iOS 17.5.1 21F90', deviceType: 'iPhone', deviceModel: 'iPhone15,2', clientType: 'EAS', accessState: 'Allowed', activeSyncVersion: '16.1', ...o });

describe('device counts', () => {
  test('When an OS string carries a version, then it is grouped by its first word and major version; without one, by its first word', () => {
    expect(osFamilyOf('iOS 16.7.10 20H350')).toBe('iOS 16');
    expect(osFamilyOf('Android 15.0.0')).toBe('Android 15');
    expect(osFamilyOf('Windows 10.0.26100')).toBe('Windows 10');
    expect(osFamilyOf('Android')).toBe('Android');
    expect(osFamilyOf(null)).toBeNull();
    expect(osFamilyOf('')).toBeNull();
  });

  test('When devices are counted, then each dimension sums to the total, rows are by count descending, and missing values count as null', () => {
    const c = new DeviceCounter();
    c.add(facetKeyOf(device()));
    c.add(facetKeyOf(device({ deviceOs: 'iOS 17.4 21E219' })));
    c.add(facetKeyOf(device({ deviceOs: 'Android 14', deviceType: 'Android', deviceModel: 'Pixel 8', clientType: 'Outlook', activeSyncVersion: null })));
    c.add(undefined); // a summary saved before the values were kept
    const r = c.counts();
    expect(r.total).toBe(4);
    expect(r.dimensions.os).toEqual([{ value: 'iOS 17', count: 2 }, { value: 'Android 14', count: 1 }, { value: null, count: 1 }]);
    expect(r.dimensions.activeSyncVersion).toEqual([{ value: '16.1', count: 2 }, { value: null, count: 2 }]);
    expect(r.dimensions.clientType).toEqual([{ value: 'EAS', count: 2 }, { value: 'Outlook', count: 1 }, { value: null, count: 1 }]);
    expect(r.exactOs.map((x) => x.value)).toEqual(['Android 14', 'iOS 17.4 21E219', 'iOS 17.5.1 21F90', null]);
    for (const rows of Object.values(r.dimensions)) expect(rows.reduce((n, x) => n + x.count, 0)).toBe(4);
  });

  test('When two counters are added together, then the counts are those of counting every device in one', () => {
    const a = new DeviceCounter();
    const b = new DeviceCounter();
    const all = new DeviceCounter();
    for (let i = 0; i < 50; i++) {
      const key = facetKeyOf(device({ deviceModel: `model ${i % 7}`, accessState: i % 3 ? 'Allowed' : 'Quarantined' }));
      (i % 2 ? a : b).add(key);
      all.add(key);
    }
    a.addAll(b);
    expect(a.counts()).toEqual(all.counts());
  });

  test('When a dimension has more distinct values than a report keeps, then the rest are counted as other, never lost', () => {
    const c = new DeviceCounter();
    for (let i = 0; i < MAX_ROWS + 5; i++) c.add(facetKeyOf(device({ deviceModel: `model ${i}` })));
    const r = c.counts();
    expect(r.dimensions.model).toHaveLength(MAX_ROWS);
    expect(r.other.model).toBe(5);
    expect(r.other.type).toBe(0);
  });
});

describe("the sync's report key", () => {
  const record = (o: Partial<ReportFacts> = {}): ReportFacts => ({ ...device(), devicePolicyApplied: 'Default', devicePolicyApplicationStatus: 'AppliedInFull', stale: false, userUpn: 'jdoe@contoso.com', userPrimarySmtp: 'john.doe@contoso.com', mailbox: 'a1b2c3', ...o });

  test('When devices are counted by policy, then each policy and status pair is one row, by count descending, and keys saved before the pair was kept count under null', () => {
    const c = new DeviceCounter();
    c.add(reportKeyOf(record()));
    c.add(reportKeyOf(record({ deviceModel: 'other model' })));
    c.add(reportKeyOf(record({ devicePolicyApplicationStatus: 'PartiallyApplied' })));
    c.add(reportKeyOf(record({ devicePolicyApplied: 'Sales, "EU"', devicePolicyApplicationStatus: null })));
    c.add(facetKeyOf(device())); // six values only
    const r = c.counts();
    expect(r.policyCompliance!.rows).toEqual([
      { policy: 'Default', status: 'AppliedInFull', count: 2 },
      { policy: 'Default', status: 'PartiallyApplied', count: 1 },
      { policy: 'Sales, "EU"', status: null, count: 1 },
      { policy: null, status: null, count: 1 },
    ]);
    expect(r.policyCompliance!.other).toBe(0);
    // The six dimensions are counted as before.
    expect(r.dimensions.model).toEqual([{ value: 'iPhone15,2', count: 4 }, { value: 'other model', count: 1 }]);
  });

  test('When a device is stale, then its key names its owner (the UPN, else the SMTP address, else the mailbox); a device that is not stale shares the key of its combination', () => {
    expect(staleOwnerOf(reportKeyOf(record({ stale: true })))).toBe('jdoe@contoso.com');
    expect(staleOwnerOf(reportKeyOf(record({ stale: true, userUpn: null })))).toBe('john.doe@contoso.com');
    expect(staleOwnerOf(reportKeyOf(record({ stale: true, userUpn: null, userPrimarySmtp: null })))).toBe('a1b2c3');
    expect(reportKeyOf(record({ userUpn: 'someone.else@contoso.com' }))).toBe(reportKeyOf(record()));
    expect(staleOwnerOf(reportKeyOf(record()))).toBeNull();
    expect(staleOwnerOf(undefined)).toBeNull();
    const c = new DeviceCounter();
    c.add(reportKeyOf(record({ stale: true })));
    c.add(reportKeyOf(record()));
    expect(c.counts().dimensions.type).toEqual([{ value: 'iPhone', count: 2 }]);
  });
});
