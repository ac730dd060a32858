import { ValidationError, type FieldIssue } from '../../lib/errors';
import { parseAllowExternalDeviceManagement, parseDesiredGroups, parseGroup, parsePolicySetting } from '../../lib/domain/policy/validate';

/** The issues a parse throws; fails the test when it does not throw a ValidationError. */
function issuesOf(fn: () => unknown): FieldIssue[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

const one = (group: string, key: string, value: unknown) => parsePolicySetting(group, key, value);
const refusal = (group: string, key: string, value: unknown) => {
  const issues = issuesOf(() => one(group, key, value));
  expect(issues).toHaveLength(1);
  return issues[0];
};

describe('desired policy validation', () => {
  test('When MinPasswordLength is 0, 1, 16, 17 or null, then 1, 16 and null pass and 0 and 17 are refused naming the range', () => {
    expect(one('password', 'minPasswordLength', 1)).toBe(1);
    expect(one('password', 'minPasswordLength', 16)).toBe(16);
    expect(one('password', 'minPasswordLength', null)).toBeNull();
    expect(refusal('password', 'minPasswordLength', 0)).toEqual({ field: 'groups.password.minPasswordLength', reason: 'must be 1-16 or null, got 0' });
    expect(refusal('password', 'minPasswordLength', 17).reason).toBe('must be 1-16 or null, got 17');
  });

  test('When MaxInactivityTimeLock is at or beyond its edges, then 00:01:00 and 01:00:00 pass and 00:00:59 and two hours are refused', () => {
    expect(one('password', 'maxInactivityTimeLock', '00:01:00')).toBe('00:01:00');
    expect(one('password', 'maxInactivityTimeLock', '01:00:00')).toBe('01:00:00');
    expect(one('password', 'maxInactivityTimeLock', 'unlimited')).toBe('Unlimited');
    expect(refusal('password', 'maxInactivityTimeLock', '00:00:59').reason).toBe(
      'must be a time span 00:01:00-01:00:00 (hh:mm:ss or d.hh:mm:ss) or "Unlimited", got "00:00:59"',
    );
    expect(refusal('password', 'maxInactivityTimeLock', '02:00:00').reason).toContain('got "02:00:00"');
    expect(refusal('password', 'maxInactivityTimeLock', '0.02:00:00').reason).toContain('00:01:00-01:00:00');
  });

  test('When a time span is given loosely, then only hh:mm:ss and d.hh:mm:ss are taken ("15:00" would be 15 hours to .NET)', () => {
    expect(refusal('password', 'maxInactivityTimeLock', '15:00').reason).toContain('not a time span hh:mm:ss or d.hh:mm:ss');
    expect(refusal('password', 'maxInactivityTimeLock', 900).reason).toContain('a number: send a time span string');
    expect(refusal('password', 'maxInactivityTimeLock', '00:61:00').reason).toContain('not a time span');
    expect(one('password', 'maxInactivityTimeLock', '0.00:15:00')).toBe('00:15:00');
  });

  test('When PasswordExpiration is 0, 730 or 731 days, then 730 days passes in d.hh:mm:ss and 0 and 731 are refused', () => {
    expect(one('password', 'passwordExpiration', '730.00:00:00')).toBe('730.00:00:00');
    expect(one('password', 'passwordExpiration', '1.00:00:00')).toBe('1.00:00:00');
    expect(refusal('password', 'passwordExpiration', '0.00:00:00').reason).toContain('1.00:00:00-730.00:00:00');
    expect(refusal('password', 'passwordExpiration', '731.00:00:00').reason).toContain('got "731.00:00:00"');
    expect(refusal('password', 'passwordExpiration', '23:59:59').reason).toContain('got "23:59:59"');
  });

  test('When MaxPasswordFailedAttempts is 3, 4, 16, 17 or Unlimited, then 4, 16 and Unlimited pass', () => {
    expect(one('password', 'maxPasswordFailedAttempts', 4)).toBe(4);
    expect(one('password', 'maxPasswordFailedAttempts', 16)).toBe(16);
    expect(one('password', 'maxPasswordFailedAttempts', 'UNLIMITED')).toBe('Unlimited');
    expect(refusal('password', 'maxPasswordFailedAttempts', 3).reason).toBe('must be 4-16 or "Unlimited", got 3');
    expect(refusal('password', 'maxPasswordFailedAttempts', 17).reason).toBe('must be 4-16 or "Unlimited", got 17');
  });

  test('When PasswordHistory is 50 or 51 or MinPasswordComplexCharacters 0-5, then the ranges 0-50 and 1-4 hold', () => {
    expect(one('password', 'passwordHistory', 0)).toBe(0);
    expect(one('password', 'passwordHistory', 50)).toBe(50);
    expect(refusal('password', 'passwordHistory', 51).reason).toBe('must be 0-50, got 51');
    expect(one('password', 'minPasswordComplexCharacters', 4)).toBe(4);
    expect(refusal('password', 'minPasswordComplexCharacters', 5).reason).toBe('must be 1-4, got 5');
    expect(refusal('password', 'passwordHistory', null).reason).toBe('must be 0-50, got null');
  });

  test('When a number is sent as a string, then it is refused (Exchange refused them in the field)', () => {
    expect(refusal('password', 'passwordHistory', '5').reason).toContain('send numbers as JSON numbers');
    expect(refusal('password', 'minPasswordComplexCharacters', '3').reason).toContain('got "3"');
    expect(refusal('password', 'maxPasswordFailedAttempts', '8').reason).toContain('send numbers as JSON numbers');
    expect(refusal('password', 'passwordEnabled', 'true').reason).toContain('send a JSON boolean');
    expect(refusal('password', 'passwordHistory', 2.5).reason).toContain('not a whole number');
  });

  test('When MaxAttachmentSize is given in bytes or with a unit, then it becomes bytes up to 2147482624', () => {
    const size = (v: unknown) => one('emailManagement', 'maxAttachmentSize', v);
    expect(size(0)).toBe(0);
    expect(size(2147482624)).toBe(2147482624);
    expect(size('2097151KB')).toBe(2147482624);
    expect(size('2047.999024MB')).toBe(2147482624);
    expect(size('1.999999047GB')).toBe(2147482624);
    expect(size('10MB')).toBe(10 * 1024 * 1024);
    expect(size('10 mb')).toBe(10 * 1024 * 1024);
    expect(size('512B')).toBe(512);
    expect(size('unlimited')).toBe('Unlimited');
    expect(refusal('emailManagement', 'maxAttachmentSize', 2147482625).reason).toContain('at most 2097151KB, 2047.999024MB, 1.999999047GB');
    expect(refusal('emailManagement', 'maxAttachmentSize', '2097152KB').reason).toContain('got "2097152KB"');
    expect(refusal('emailManagement', 'maxAttachmentSize', '2GB').reason).toContain('got "2GB"');
    expect(refusal('emailManagement', 'maxAttachmentSize', '1TB').reason).toContain('not a size');
    expect(refusal('emailManagement', 'maxAttachmentSize', '1024').reason).toContain('without a unit');
    expect(refusal('emailManagement', 'maxAttachmentSize', -1).reason).toContain('got -1');
  });

  test('When truncation sizes and the refresh interval are given, then Int32 KB or Unlimited and a time span or Unlimited pass', () => {
    expect(one('emailManagement', 'maxEmailBodyTruncationSize', 2147483647)).toBe(2147483647);
    expect(one('emailManagement', 'maxEmailHTMLBodyTruncationSize', 'Unlimited')).toBe('Unlimited');
    expect(refusal('emailManagement', 'maxEmailBodyTruncationSize', 2147483648).reason).toBe('must be 0-2147483647 or "Unlimited", got 2147483648');
    expect(refusal('emailManagement', 'maxEmailBodyTruncationSize', '4KB').reason).toContain('got "4KB"');
    expect(one('general', 'devicePolicyRefreshInterval', '00:00:00')).toBe('00:00:00');
    expect(one('general', 'devicePolicyRefreshInterval', '24855.03:14:07')).toBe('24855.03:14:07');
    expect(refusal('general', 'devicePolicyRefreshInterval', '24855.03:14:08').reason).toContain('00:00:00-24855.03:14:07');
  });

  test('When enums are given in any case, then they come back in Exchange spelling and unknown names list the choices', () => {
    expect(one('emailManagement', 'maxEmailAgeFilter', 'twoweeks')).toBe('TwoWeeks');
    expect(one('emailManagement', 'maxCalendarAgeFilter', 'SIXMONTHS')).toBe('SixMonths');
    expect(one('security', 'allowBluetooth', 'handsfreeonly')).toBe('HandsfreeOnly');
    expect(refusal('emailManagement', 'maxCalendarAgeFilter', 'OneWeek').reason).toBe('must be one of All, TwoWeeks, OneMonth, ThreeMonths, SixMonths, got "OneWeek"');
    expect(refusal('security', 'allowBluetooth', 2).reason).toBe('must be one of Allow, Disable, HandsfreeOnly, got 2');
  });

  test('When the in-ROM application list is given, then it must be an array of distinct non-empty trimmed strings', () => {
    expect(one('application', 'unapprovedInROMApplicationList', ['a.exe', 'b.exe'])).toEqual(['a.exe', 'b.exe']);
    expect(one('application', 'unapprovedInROMApplicationList', [])).toEqual([]);
    expect(refusal('application', 'unapprovedInROMApplicationList', 'a.exe').reason).toContain('an array of distinct non-empty strings');
    const reason = refusal('application', 'unapprovedInROMApplicationList', ['a.exe', '', 3, ' b.exe', 'A.EXE']).reason;
    expect(reason).toContain('item 1 is empty');
    expect(reason).toContain('item 2 is a number');
    expect(reason).toContain('item 3 has leading or trailing spaces');
    expect(reason).toContain('item 4 repeats "A.EXE"');
  });

  test('When a body has many problems, then one ValidationError lists every one of them by path', () => {
    const issues = issuesOf(() =>
      parseDesiredGroups({
        password: { minPasswordLength: 17, passwordHistory: '5', maxInactivityTimeLock: '02:00:00', allowBluetooth: 'Allow', MinPasswordLength: 4, fooBar: 1 },
        emailManagement: { maxAttachmentSize: '3GB' },
        secuirty: { allowCamera: false },
        Security: {},
        application: 'none',
      }),
    );
    expect(issues.map((i) => i.field)).toEqual([
      'groups.password.minPasswordLength',
      'groups.password.passwordHistory',
      'groups.password.maxInactivityTimeLock',
      'groups.password.allowBluetooth',
      'groups.password.MinPasswordLength',
      'groups.password.fooBar',
      'groups.emailManagement.maxAttachmentSize',
      'groups.secuirty',
      'groups.Security',
      'groups.application',
    ]);
    const reason = (field: string) => issues.find((i) => i.field === field)?.reason;
    expect(reason('groups.password.allowBluetooth')).toBe('belongs to group security, not password');
    expect(reason('groups.password.MinPasswordLength')).toContain('did you mean minPasswordLength?');
    expect(reason('groups.password.fooBar')).toContain('its settings are passwordEnabled, minPasswordLength');
    expect(reason('groups.secuirty')).toBe('unknown group; groups are general, password, emailManagement, security, application');
    expect(reason('groups.Security')).toContain('did you mean security?');
    expect(reason('groups.application')).toContain('must be an object of settings of group application');
  });

  test('When a valid body is parsed, then values are canonical and an empty group is kept as managed with defaults', () => {
    expect(
      parseDesiredGroups({ password: { passwordEnabled: true, maxPasswordFailedAttempts: 'unlimited' }, general: {}, emailManagement: { maxAttachmentSize: '10MB' } }),
    ).toEqual({ password: { passwordEnabled: true, maxPasswordFailedAttempts: 'Unlimited' }, general: {}, emailManagement: { maxAttachmentSize: 10485760 } });
    expect(issuesOf(() => parseDesiredGroups([]))[0]).toMatchObject({ field: 'groups' });
    expect(issuesOf(() => parseDesiredGroups(null, 'body.groups'))[0].field).toBe('body.groups');
  });

  test('When one group or one setting is parsed, then unknown groups and misplaced keys are refused on their own path', () => {
    expect(parseGroup('security', { allowCamera: false })).toEqual({ allowCamera: false });
    expect(issuesOf(() => parseGroup('securty', {}))).toEqual([{ field: 'groups.securty', reason: expect.stringContaining('unknown group') }]);
    expect(issuesOf(() => parseGroup('security', { allowCamera: 'no', allowWiFi: 1 })).map((i) => i.field)).toEqual([
      'groups.security.allowCamera',
      'groups.security.allowWiFi',
    ]);
    expect(issuesOf(() => parsePolicySetting('general', 'passwordEnabled', true))[0]).toEqual({
      field: 'groups.general.passwordEnabled',
      reason: 'belongs to group password, not general',
    });
    expect(issuesOf(() => parsePolicySetting('general', 'allowDesktopSync', 1, 'value'))[0].field).toBe('value');
    expect(issuesOf(() => parseGroup('general', { 'odd key': 1 }))[0].field).toBe('groups.general["odd key"]');
  });

  test('When AllowExternalDeviceManagement is parsed, then only a boolean passes', () => {
    expect(parseAllowExternalDeviceManagement(true)).toBe(true);
    expect(issuesOf(() => parseAllowExternalDeviceManagement('yes'))[0]).toMatchObject({ field: 'allowExternalDeviceManagement' });
  });
});
