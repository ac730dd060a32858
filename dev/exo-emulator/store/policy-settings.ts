/**
 * Every MobileDeviceMailboxPolicy setting the emulator knows, with Exchange's ranges and
 * defaults (device-policy-settings.md). The cmdlets bind parameters against this table,
 * so a value Exchange would refuse is refused here with the same kind of error.
 */
import { DAY, HOUR, MINUTE, UNLIMITED } from '../values';
import type { PolicyValue } from './model';

export type SettingKind =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number; nullable?: boolean }
  /** Unlimited<int>: a number in range or "Unlimited" */
  | { kind: 'unlimitedInt'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[]; typeName: string }
  /** Unlimited<EnhancedTimeSpan>: stored as milliseconds or "Unlimited" */
  | { kind: 'timespan'; min: number; max: number }
  /** Unlimited<ByteQuantifiedSize>: stored as bytes or "Unlimited" */
  | { kind: 'byteSize'; min: number; max: number }
  | { kind: 'stringList' };

export interface PolicySetting {
  name: string;
  spec: SettingKind;
  default: PolicyValue;
}

const bool = (name: string, dflt: boolean): PolicySetting => ({ name, spec: { kind: 'bool' }, default: dflt });
const INT32_MAX = 2147483647;

export const POLICY_SETTINGS: readonly PolicySetting[] = [
  // General
  bool('AllowDesktopSync', true),
  bool('AllowInternetSharing', true),
  bool('AllowNonProvisionableDevices', true),
  { name: 'DevicePolicyRefreshInterval', spec: { kind: 'timespan', min: 0, max: 3650 * DAY }, default: UNLIMITED },
  // Password
  bool('PasswordEnabled', false),
  { name: 'MinPasswordLength', spec: { kind: 'int', min: 1, max: 16, nullable: true }, default: null },
  bool('AlphanumericPasswordRequired', false),
  { name: 'MinPasswordComplexCharacters', spec: { kind: 'int', min: 1, max: 4 }, default: 1 },
  bool('AllowSimplePassword', true),
  { name: 'PasswordExpiration', spec: { kind: 'timespan', min: DAY, max: 730 * DAY }, default: UNLIMITED },
  { name: 'PasswordHistory', spec: { kind: 'int', min: 0, max: 50 }, default: 0 },
  { name: 'MaxPasswordFailedAttempts', spec: { kind: 'unlimitedInt', min: 4, max: 16 }, default: UNLIMITED },
  { name: 'MaxInactivityTimeLock', spec: { kind: 'timespan', min: MINUTE, max: HOUR }, default: UNLIMITED },
  bool('PasswordRecoveryEnabled', false),
  // Email management
  bool('AllowConsumerEmail', true),
  {
    name: 'MaxEmailAgeFilter',
    spec: { kind: 'enum', values: ['All', 'OneDay', 'ThreeDays', 'OneWeek', 'TwoWeeks', 'OneMonth'], typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.EmailAgeFilterType' },
    default: 'All',
  },
  {
    name: 'MaxCalendarAgeFilter',
    spec: { kind: 'enum', values: ['All', 'TwoWeeks', 'OneMonth', 'ThreeMonths', 'SixMonths'], typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.CalendarAgeFilterType' },
    default: 'All',
  },
  bool('RequireManualSyncWhenRoaming', false),
  bool('AllowHTMLEmail', true),
  bool('AttachmentsEnabled', true),
  { name: 'MaxEmailBodyTruncationSize', spec: { kind: 'unlimitedInt', min: 0, max: INT32_MAX }, default: UNLIMITED },
  { name: 'MaxEmailHTMLBodyTruncationSize', spec: { kind: 'unlimitedInt', min: 0, max: INT32_MAX }, default: UNLIMITED },
  { name: 'MaxAttachmentSize', spec: { kind: 'byteSize', min: 0, max: 2147482624 }, default: UNLIMITED },
  // Security
  bool('AllowRemoteDesktop', true),
  bool('AllowStorageCard', true),
  bool('AllowCamera', true),
  bool('AllowIrDA', true),
  bool('AllowBrowser', true),
  bool('AllowTextMessaging', true),
  bool('AllowWiFi', true),
  {
    name: 'AllowBluetooth',
    spec: { kind: 'enum', values: ['Disable', 'HandsfreeOnly', 'Allow'], typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.BluetoothType' },
    default: 'Allow',
  },
  bool('RequireStorageCardEncryption', false),
  bool('RequireDeviceEncryption', false),
  // Application
  bool('AllowUnsignedApplications', true),
  bool('AllowUnsignedInstallationPackages', true),
  { name: 'UnapprovedInROMApplicationList', spec: { kind: 'stringList' }, default: [] },
  { name: 'ApprovedApplicationList', spec: { kind: 'stringList' }, default: [] },
  // Others Exchange has
  bool('AllowExternalDeviceManagement', false),
  bool('AllowApplePushNotifications', true),
  bool('AllowGooglePushNotifications', true),
  bool('AllowMicrosoftPushNotifications', true),
  bool('AllowPOPIMAPEmail', true),
  bool('AllowSMIMESoftCerts', false),
  bool('AllowSMIMEEncryptionAlgorithmNegotiation', true),
  bool('RequireSignedSMIMEMessages', false),
  bool('RequireEncryptedSMIMEMessages', false),
  {
    name: 'RequireSignedSMIMEAlgorithm',
    spec: { kind: 'enum', values: ['SHA1', 'MD5'], typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.SignedSMIMEAlgorithmType' },
    default: 'SHA1',
  },
  {
    name: 'RequireEncryptionSMIMEAlgorithm',
    spec: { kind: 'enum', values: ['TripleDES', 'DES', 'RC2128bit', 'RC264bit', 'RC240bit'], typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.EncryptionSMIMEAlgorithmType' },
    default: 'TripleDES',
  },
  bool('DeviceEncryptionEnabled', false),
  bool('IrmEnabled', true),
];

/** Older Exchange versions' names for the same settings. */
export const POLICY_SETTING_ALIASES: Readonly<Record<string, string>> = {
  MaxDevicePasswordFailedAttempts: 'MaxPasswordFailedAttempts',
};

export function defaultPolicySettings(): Map<string, PolicyValue> {
  return new Map(POLICY_SETTINGS.map((s) => [s.name, Array.isArray(s.default) ? [...s.default] : s.default]));
}
