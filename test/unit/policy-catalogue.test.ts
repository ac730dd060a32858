import {
  ALLOW_EXTERNAL_DEVICE_MANAGEMENT,
  ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF,
  POLICY_GROUPS,
  POLICY_SETTINGS,
  settingByKey,
  settingByParameter,
  settingsOfGroup,
} from '../../lib/domain/policy/catalogue';
import { completeGroup, completeGroups } from '../../lib/domain/policy/complete';
import { catalogueView, settingsView } from '../../lib/domain/policy/describe';

// The five tables of shared/reference/device-policy-settings.md, in their order.
const REFERENCE_GROUPS = {
  general: ['AllowDesktopSync', 'AllowInternetSharing', 'AllowNonProvisionableDevices', 'DevicePolicyRefreshInterval'],
  password: [
    'PasswordEnabled',
    'MinPasswordLength',
    'AlphanumericPasswordRequired',
    'MinPasswordComplexCharacters',
    'AllowSimplePassword',
    'PasswordExpiration',
    'PasswordHistory',
    'MaxPasswordFailedAttempts',
    'MaxInactivityTimeLock',
    'PasswordRecoveryEnabled',
  ],
  emailManagement: [
    'AllowConsumerEmail',
    'MaxEmailAgeFilter',
    'MaxCalendarAgeFilter',
    'RequireManualSyncWhenRoaming',
    'AllowHTMLEmail',
    'AttachmentsEnabled',
    'MaxEmailBodyTruncationSize',
    'MaxEmailHTMLBodyTruncationSize',
    'MaxAttachmentSize',
  ],
  security: [
    'AllowRemoteDesktop',
    'AllowStorageCard',
    'AllowCamera',
    'AllowIrDA',
    'AllowBrowser',
    'AllowTextMessaging',
    'AllowWiFi',
    'AllowBluetooth',
    'RequireStorageCardEncryption',
    'RequireDeviceEncryption',
  ],
  application: ['AllowUnsignedApplications', 'AllowUnsignedInstallationPackages', 'UnapprovedInROMApplicationList'],
};

describe('mobile device policy catalogue', () => {
  test('When the groups are listed, then they hold exactly the settings of the reference tables, in order', () => {
    expect(POLICY_GROUPS).toEqual(Object.keys(REFERENCE_GROUPS));
    for (const group of POLICY_GROUPS) expect(settingsOfGroup(group).map((s) => s.parameter)).toEqual(REFERENCE_GROUPS[group]);
    expect(POLICY_SETTINGS).toHaveLength(36);
  });

  test('When a key is derived, then it is the parameter with only its first letter lowered', () => {
    expect(settingByParameter('AllowHTMLEmail')?.key).toBe('allowHTMLEmail');
    expect(settingByParameter('AllowIrDA')?.key).toBe('allowIrDA');
    expect(settingByParameter('UnapprovedInROMApplicationList')?.key).toBe('unapprovedInROMApplicationList');
    expect(settingByParameter('minpasswordlength')?.key).toBe('minPasswordLength');
    for (const s of POLICY_SETTINGS) expect(s.key.charAt(0).toUpperCase() + s.key.slice(1)).toBe(s.parameter);
  });

  test("When defaults are read, then they are the cmdlet reference's, not the conceptual page's", () => {
    const defaults = Object.fromEntries(POLICY_SETTINGS.map((s) => [s.parameter, s.default]));
    expect(defaults).toMatchObject({
      PasswordEnabled: false,
      MinPasswordLength: null,
      AlphanumericPasswordRequired: false,
      MinPasswordComplexCharacters: 1,
      AllowSimplePassword: true,
      PasswordExpiration: 'Unlimited',
      PasswordHistory: 0,
      MaxPasswordFailedAttempts: 'Unlimited',
      MaxInactivityTimeLock: 'Unlimited',
      PasswordRecoveryEnabled: false,
      DevicePolicyRefreshInterval: 'Unlimited',
      AllowBluetooth: 'Allow',
      RequireDeviceEncryption: false,
      RequireStorageCardEncryption: false,
      RequireManualSyncWhenRoaming: false,
      MaxEmailAgeFilter: 'All',
      MaxCalendarAgeFilter: 'All',
      MaxAttachmentSize: 'Unlimited',
      MaxEmailBodyTruncationSize: 'Unlimited',
      MaxEmailHTMLBodyTruncationSize: 'Unlimited',
      AttachmentsEnabled: true,
      UnapprovedInROMApplicationList: [],
    });
    const allowTrue = ['Browser', 'Camera', 'DesktopSync', 'InternetSharing', 'IrDA', 'NonProvisionableDevices', 'RemoteDesktop', 'StorageCard', 'TextMessaging', 'WiFi'];
    for (const name of [...allowTrue, 'UnsignedApplications', 'UnsignedInstallationPackages', 'HTMLEmail', 'ConsumerEmail']) expect(defaults[`Allow${name}`]).toBe(true);
  });

  test('When relevance is read, then the settings Outlook and Android 10+ honour are current and Windows Mobile ones legacy', () => {
    const current = POLICY_SETTINGS.filter((s) => s.relevance === 'current').map((s) => s.parameter);
    for (const p of ['PasswordEnabled', 'MinPasswordLength', 'RequireDeviceEncryption', 'AllowBluetooth', 'AlphanumericPasswordRequired', 'MinPasswordComplexCharacters', 'AllowSimplePassword']) {
      expect(current).toContain(p);
    }
    for (const p of ['AllowBrowser', 'AllowIrDA', 'AllowUnsignedApplications', 'AllowUnsignedInstallationPackages', 'UnapprovedInROMApplicationList', 'AllowDesktopSync', 'PasswordRecoveryEnabled']) {
      expect(settingByParameter(p)?.relevance).toBe('legacy');
    }
    for (const s of POLICY_SETTINGS) expect(s.relevanceNote.length).toBeGreaterThan(20);
  });

  test('When AllowExternalDeviceManagement is looked up, then it stands alone: a boolean defaulting to false in no group', () => {
    expect(ALLOW_EXTERNAL_DEVICE_MANAGEMENT).toBe('AllowExternalDeviceManagement');
    expect(ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF).toMatchObject({ key: 'allowExternalDeviceManagement', kind: { type: 'bool' }, default: false });
    expect(settingByParameter(ALLOW_EXTERNAL_DEVICE_MANAGEMENT)).toBeUndefined();
    expect(settingByKey('allowExternalDeviceManagement')).toBeUndefined();
    expect(catalogueView().at(-1)).toMatchObject({ group: null, parameter: 'AllowExternalDeviceManagement' });
  });

  test('When one setting of a group is given, then completing the group fills every other member with its default', () => {
    expect(completeGroup('password', { minPasswordLength: 6 })).toEqual({
      passwordEnabled: false,
      minPasswordLength: 6,
      alphanumericPasswordRequired: false,
      minPasswordComplexCharacters: 1,
      allowSimplePassword: true,
      passwordExpiration: 'Unlimited',
      passwordHistory: 0,
      maxPasswordFailedAttempts: 'Unlimited',
      maxInactivityTimeLock: 'Unlimited',
      passwordRecoveryEnabled: false,
    });
    expect(Object.keys(completeGroups({ security: {} }))).toEqual(['security']);
  });

  test('When the defaults of a completed group are changed, then the catalogue keeps its own', () => {
    const app = completeGroup('application');
    (app.unapprovedInROMApplicationList as string[]).push('x.exe');
    expect(settingByKey('unapprovedInROMApplicationList')?.default).toEqual([]);
  });

  test('When managed settings are viewed, then each member of a managed group is listed with its relevance and whether it was given', () => {
    const view = settingsView({ security: { allowBluetooth: 'Disable' } }, true);
    expect(view).toHaveLength(11);
    expect(view.find((s) => s.key === 'allowBluetooth')).toMatchObject({ value: 'Disable', explicit: true, relevance: 'current', label: 'Bluetooth' });
    expect(view.find((s) => s.key === 'allowIrDA')).toMatchObject({ value: true, explicit: false, relevance: 'legacy' });
    expect(view.at(-1)).toMatchObject({ group: null, key: 'allowExternalDeviceManagement', value: true });
  });
});
