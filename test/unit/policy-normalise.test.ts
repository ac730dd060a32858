import { isUnreadable, normaliseFound } from '../../lib/domain/policy/normalise';

describe('normalising what Get-MobileDeviceMailboxPolicy returns', () => {
  test('When sizes come in ByteQuantifiedSize display form, then they become bytes', () => {
    expect(normaliseFound('MaxAttachmentSize', '10 MB (10,485,760 bytes)')).toBe(10485760);
    expect(normaliseFound('MaxAttachmentSize', '2 GB (2,147,482,624 bytes)')).toBe(2147482624);
    expect(normaliseFound('MaxAttachmentSize', '0 B (0 bytes)')).toBe(0);
    expect(normaliseFound('MaxAttachmentSize', '1.465 KB (1,500 bytes)')).toBe(1500);
    expect(normaliseFound('MaxAttachmentSize', '10 MB')).toBe(10485760);
    expect(normaliseFound('MaxAttachmentSize', '1048576')).toBe(1048576);
    expect(normaliseFound('MaxAttachmentSize', 4096)).toBe(4096);
    expect(normaliseFound('MaxAttachmentSize', 'Unlimited')).toBe('Unlimited');
    expect(normaliseFound('MaxAttachmentSize', ' unlimited ')).toBe('Unlimited');
  });

  test('When time spans come as TimeSpan text, then they become the canonical hh:mm:ss or d.hh:mm:ss', () => {
    expect(normaliseFound('MaxInactivityTimeLock', '00:15:00')).toBe('00:15:00');
    expect(normaliseFound('PasswordExpiration', '90.00:00:00')).toBe('90.00:00:00');
    expect(normaliseFound('DevicePolicyRefreshInterval', '1.00:00:00')).toBe('1.00:00:00');
    expect(normaliseFound('DevicePolicyRefreshInterval', '0.01:00:00')).toBe('01:00:00');
    expect(normaliseFound('MaxInactivityTimeLock', '00:15:00.0000000')).toBe('00:15:00');
    expect(normaliseFound('MaxInactivityTimeLock', 'Unlimited')).toBe('Unlimited');
    expect(isUnreadable(normaliseFound('MaxInactivityTimeLock', '00:15:00.5'))).toBe(true);
    expect(isUnreadable(normaliseFound('MaxInactivityTimeLock', 900))).toBe(true);
  });

  test('When counts and booleans come as text, then they become numbers and booleans', () => {
    expect(normaliseFound('MaxPasswordFailedAttempts', '8')).toBe(8);
    expect(normaliseFound('MaxPasswordFailedAttempts', 8)).toBe(8);
    expect(normaliseFound('MaxEmailBodyTruncationSize', '100')).toBe(100);
    expect(normaliseFound('PasswordHistory', '5')).toBe(5);
    expect(normaliseFound('MinPasswordComplexCharacters', 3)).toBe(3);
    expect(normaliseFound('PasswordEnabled', 'True')).toBe(true);
    expect(normaliseFound('PasswordEnabled', 'false')).toBe(false);
    expect(normaliseFound('AllowExternalDeviceManagement', false)).toBe(false);
    expect(isUnreadable(normaliseFound('PasswordEnabled', 1))).toBe(true);
  });

  test('When MinPasswordLength is unset, then null, blank and a missing property all read as null', () => {
    expect(normaliseFound('MinPasswordLength', null)).toBeNull();
    expect(normaliseFound('MinPasswordLength', '')).toBeNull();
    expect(normaliseFound('MinPasswordLength', undefined)).toBeNull();
    expect(normaliseFound('MinPasswordLength', '6')).toBe(6);
    expect(isUnreadable(normaliseFound('PasswordHistory', null))).toBe(true);
  });

  test('When enums come by name in any case or by their .NET number, then they get Exchange spelling', () => {
    expect(normaliseFound('AllowBluetooth', 'handsfreeOnly')).toBe('HandsfreeOnly');
    expect(normaliseFound('AllowBluetooth', 0)).toBe('Disable');
    expect(normaliseFound('AllowBluetooth', 2)).toBe('Allow');
    expect(normaliseFound('MaxCalendarAgeFilter', 4)).toBe('TwoWeeks');
    expect(normaliseFound('MaxEmailAgeFilter', 4)).toBe('TwoWeeks');
    expect(isUnreadable(normaliseFound('MaxCalendarAgeFilter', 1))).toBe(true);
  });

  test('When string lists come as arrays or null, then they are arrays', () => {
    expect(normaliseFound('UnapprovedInROMApplicationList', ['a.exe'])).toEqual(['a.exe']);
    expect(normaliseFound('UnapprovedInROMApplicationList', [])).toEqual([]);
    expect(normaliseFound('UnapprovedInROMApplicationList', null)).toEqual([]);
    expect(isUnreadable(normaliseFound('UnapprovedInROMApplicationList', [1]))).toBe(true);
  });

  test('When a value cannot be read, then it says what was expected and what came', () => {
    expect(normaliseFound('MaxAttachmentSize', '10 parsecs')).toEqual({ unreadable: 'not a size, got "10 parsecs"' });
    expect(normaliseFound('PasswordEnabled', undefined)).toEqual({ unreadable: 'PasswordEnabled is missing from the policy as read' });
    expect(normaliseFound('IsDefault', true)).toEqual({ unreadable: 'IsDefault is not a setting the connector manages' });
  });
});
