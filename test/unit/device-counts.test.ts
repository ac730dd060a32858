import { DeviceCounter, facetKeyOf, MAX_ROWS, osFamilyOf, type Facets } from '../../lib/domain/device-counts';

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
