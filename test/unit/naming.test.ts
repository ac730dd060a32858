import { nameNewPartnerships, userNamePart, deviceTypePart } from '../../lib/domain/naming';

describe('device names', () => {
  test('When a user has one device, then it is named <user>_<deviceType> from the UPN local part', () => {
    const names = nameNewPartnerships('jdoe@contoso.com', [], [{ deviceGuid: 'g1', deviceType: 'iPhone', firstSyncTime: '2024-01-01T00:00:00Z' }]);
    expect(names.get('g1')).toBe('jdoe_iPhone');
  });

  test('When a user has two devices of one type, then they get distinct names in first-sync order', () => {
    const names = nameNewPartnerships('jdoe@contoso.com', [], [
      { deviceGuid: 'b-later', deviceType: 'iPhone', firstSyncTime: '2024-03-01T00:00:00Z' },
      { deviceGuid: 'a-earlier', deviceType: 'iPhone', firstSyncTime: '2024-01-01T00:00:00Z' },
    ]);
    expect(names.get('a-earlier')).toBe('jdoe_iPhone');
    expect(names.get('b-later')).toBe('jdoe_iPhone_2');
  });

  test('When a new same-type device appears later, then existing names are kept and it takes the next free suffix', () => {
    const names = nameNewPartnerships('jdoe@contoso.com', ['jdoe_iPhone', 'jdoe_iPhone_2'], [
      { deviceGuid: 'g3', deviceType: 'iPhone', firstSyncTime: '2020-01-01T00:00:00Z' },
    ]);
    expect(names.get('g3')).toBe('jdoe_iPhone_3');
  });

  test('When first-sync times are unknown (Outlook mobile), then the order is still deterministic', () => {
    const input = [
      { deviceGuid: 'z', deviceType: 'Outlook', firstSyncTime: null },
      { deviceGuid: 'y', deviceType: 'Outlook', firstSyncTime: null },
    ];
    const a = nameNewPartnerships('amy@contoso.com', [], input);
    const b = nameNewPartnerships('amy@contoso.com', [], [...input].reverse());
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    expect(a.get('y')).toBe('amy_Outlook');
  });

  test('When user or type hold odd characters or are missing, then the name stays readable', () => {
    expect(userNamePart("o'brien smith@contoso.com")).toBe('obriensmith');
    expect(userNamePart(null)).toBe('unknown');
    expect(deviceTypePart('Windows Phone')).toBe('WindowsPhone');
    expect(deviceTypePart('')).toBe('Device');
  });
});
