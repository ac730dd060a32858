/**
 * Every MobileDeviceMailboxPolicy setting the emulator knows, with Exchange's types, ranges
 * and defaults, in the order Get-MobileDeviceMailboxPolicy lists them. The cmdlets bind
 * parameters against this table, so a value Exchange would refuse is refused here with the
 * same kind of error. Sources:
 * - types, ranges and flag defaults: Exchange 2016's MobileMailboxPolicySchema and
 *   MobileMailboxPolicy (github.com/evilashz/exchange-server-27065,
 *   Microsoft.Exchange.Data.Directory/.../SystemConfiguration/), the lineage Exchange
 *   Online grew from;
 * - defaults and ranges also in the Set-MobileDeviceMailboxPolicy reference
 *   (github.com/MicrosoftDocs/office-docs-powershell,
 *   exchange/exchange-ps/ExchangePowerShell/Set-MobileDeviceMailboxPolicy.md) and
 *   shared/reference/device-policy-settings.md;
 * - the order: a live survey of Get-MobileDeviceMailboxPolicy's output properties over
 *   app-only PowerShell (stored file "PowerShell app-only capability survey", 2026), which
 *   matches the class's property order.
 */
import { DAY, HOUR, MINUTE, SECOND, UNLIMITED } from '../values';
import type { PolicyValue } from './model';

export type SettingKind =
  | { kind: 'bool' }
  /** Int32 (nullable: Nullable<Int32>, where JSON null clears it). */
  | { kind: 'int'; min: number; max: number; nullable?: boolean }
  /** Unlimited<int>: a number in range or "Unlimited"; `sizes`: also `4KB`-style byte sizes (the truncation sizes). */
  | { kind: 'unlimitedInt'; min: number; max: number; sizes?: boolean }
  | { kind: 'enum'; values: readonly string[]; typeName: string }
  /** Unlimited<EnhancedTimeSpan>: stored as milliseconds or "Unlimited" */
  | { kind: 'timespan'; min: number; max: number }
  /** Unlimited<ByteQuantifiedSize>: stored as bytes or "Unlimited" */
  | { kind: 'byteSize'; min: number; max: number }
  /** MultiValuedProperty<string>; total/each: Exchange's length limits on the list (characters). */
  | { kind: 'stringList'; total?: number; each?: number };

export interface PolicySetting {
  name: string;
  spec: SettingKind;
  default: PolicyValue;
  /** Shown by Get- but not a parameter of New-/Set- (Exchange Online's cmdlet reference lists no such parameter). */
  readOnly?: boolean;
  /** Another name for the same stored value: shown with it, set through it. */
  mirrorOf?: string;
}

const bool = (name: string, dflt: boolean): PolicySetting => ({ name, spec: { kind: 'bool' }, default: dflt });
const INT32_MAX = 2147483647;
const NS = 'Microsoft.Exchange.Data.Directory.SystemConfiguration';

export const POLICY_SETTINGS: readonly PolicySetting[] = [
  // AllowNonProvisionableDevices true: the cmdlet reference's default (Exchange 2016's flag default would be false).
  bool('AllowNonProvisionableDevices', true),
  bool('AlphanumericPasswordRequired', false),
  bool('AttachmentsEnabled', true),
  // Exchange 2016's MobileMailboxPolicy.DeviceEncryptionEnabled reads and writes RequireStorageCardEncryption;
  // the cmdlet reference: "Setting [RequireStorageCardEncryption] to $true also sets the DeviceEncryptionEnabled parameter to $true".
  { name: 'DeviceEncryptionEnabled', spec: { kind: 'bool' }, default: false, mirrorOf: 'RequireStorageCardEncryption' },
  bool('RequireStorageCardEncryption', false),
  bool('PasswordEnabled', false),
  bool('PasswordRecoveryEnabled', false),
  // Exchange's range is 0 to 2,147,483,647 seconds, whole seconds (RangedUnlimitedConstraint, UnlimitedEnhancedTimeSpanUnitConstraint).
  { name: 'DevicePolicyRefreshInterval', spec: { kind: 'timespan', min: 0, max: INT32_MAX * SECOND }, default: UNLIMITED },
  bool('AllowSimplePassword', true),
  // 0 to 2,097,151 KB (2,147,482,624 bytes).
  { name: 'MaxAttachmentSize', spec: { kind: 'byteSize', min: 0, max: 2097151 * 1024 }, default: UNLIMITED },
  bool('WSSAccessEnabled', true),
  bool('UNCAccessEnabled', true),
  { name: 'MinPasswordLength', spec: { kind: 'int', min: 1, max: 16, nullable: true }, default: null },
  { name: 'MaxInactivityTimeLock', spec: { kind: 'timespan', min: MINUTE, max: HOUR }, default: UNLIMITED },
  { name: 'MaxPasswordFailedAttempts', spec: { kind: 'unlimitedInt', min: 4, max: 16 }, default: UNLIMITED },
  { name: 'PasswordExpiration', spec: { kind: 'timespan', min: DAY, max: 730 * DAY }, default: UNLIMITED },
  { name: 'PasswordHistory', spec: { kind: 'int', min: 0, max: 50 }, default: 0 },
  bool('AllowApplePushNotifications', true),
  bool('AllowMicrosoftPushNotifications', true),
  bool('AllowGooglePushNotifications', true),
  bool('AllowStorageCard', true),
  bool('AllowCamera', true),
  bool('RequireDeviceEncryption', false),
  bool('AllowUnsignedApplications', true),
  bool('AllowUnsignedInstallationPackages', true),
  bool('AllowWiFi', true),
  bool('AllowTextMessaging', true),
  bool('AllowPOPIMAPEmail', true),
  bool('AllowIrDA', true),
  bool('RequireManualSyncWhenRoaming', false),
  bool('AllowDesktopSync', true),
  bool('AllowHTMLEmail', true),
  bool('RequireSignedSMIMEMessages', false),
  bool('RequireEncryptedSMIMEMessages', false),
  // True: the cmdlet reference and Exchange 2016's flag defaults (earlier emulator versions said false).
  bool('AllowSMIMESoftCerts', true),
  bool('AllowBrowser', true),
  bool('AllowConsumerEmail', true),
  bool('AllowRemoteDesktop', true),
  bool('AllowInternetSharing', true),
  { name: 'AllowBluetooth', spec: { kind: 'enum', values: ['Disable', 'HandsfreeOnly', 'Allow'], typeName: `${NS}.BluetoothType` }, default: 'Allow' },
  {
    name: 'MaxCalendarAgeFilter',
    spec: { kind: 'enum', values: ['All', 'TwoWeeks', 'OneMonth', 'ThreeMonths', 'SixMonths'], typeName: `${NS}.CalendarAgeFilterType` },
    default: 'All',
  },
  {
    name: 'MaxEmailAgeFilter',
    spec: { kind: 'enum', values: ['All', 'OneDay', 'ThreeDays', 'OneWeek', 'TwoWeeks', 'OneMonth'], typeName: `${NS}.EmailAgeFilterType` },
    default: 'All',
  },
  { name: 'RequireSignedSMIMEAlgorithm', spec: { kind: 'enum', values: ['SHA1', 'MD5'], typeName: `${NS}.SignedSMIMEAlgorithmType` }, default: 'SHA1' },
  {
    name: 'RequireEncryptionSMIMEAlgorithm',
    spec: { kind: 'enum', values: ['TripleDES', 'DES', 'RC2128bit', 'RC264bit', 'RC240bit'], typeName: `${NS}.EncryptionSMIMEAlgorithmType` },
    default: 'TripleDES',
  },
  // An enum, not a boolean (earlier emulator versions had it wrong).
  {
    name: 'AllowSMIMEEncryptionAlgorithmNegotiation',
    spec: { kind: 'enum', values: ['BlockNegotiation', 'OnlyStrongAlgorithmNegotiation', 'AllowAnyAlgorithmNegotiation'], typeName: `${NS}.SMIMEEncryptionAlgorithmNegotiationType` },
    default: 'AllowAnyAlgorithmNegotiation',
  },
  { name: 'MinPasswordComplexCharacters', spec: { kind: 'int', min: 1, max: 4 }, default: 1 },
  // Unqualified values are bytes; KB/MB/GB qualifiers are accepted (cmdlet reference).
  { name: 'MaxEmailBodyTruncationSize', spec: { kind: 'unlimitedInt', min: 0, max: INT32_MAX, sizes: true }, default: UNLIMITED },
  { name: 'MaxEmailHTMLBodyTruncationSize', spec: { kind: 'unlimitedInt', min: 0, max: INT32_MAX, sizes: true }, default: UNLIMITED },
  // Exchange refuses lists longer than 5120 (7168) characters in all or 2048 in one entry (Set/NewMobilePolicy.InternalValidate).
  { name: 'UnapprovedInROMApplicationList', spec: { kind: 'stringList', total: 5120, each: 2048 }, default: [] },
  { name: 'ApprovedApplicationList', spec: { kind: 'stringList', total: 7168, each: 2048 }, default: [] },
  bool('AllowExternalDeviceManagement', false),
  {
    name: 'MobileOTAUpdateMode',
    spec: { kind: 'enum', values: ['MajorVersionUpdates', 'MinorVersionUpdates', 'BetaVersionUpdates'], typeName: `${NS}.MobileOTAUpdateModeType` },
    default: 'MinorVersionUpdates',
    readOnly: true,
  },
  bool('AllowMobileOTAUpdate', true),
  bool('IrmEnabled', true),
];

/** Settings a policy stores (mirrors read another's value). */
export const STORED_SETTINGS: readonly PolicySetting[] = POLICY_SETTINGS.filter((s) => !s.mirrorOf);

/** The settings New-/Set-MobileDeviceMailboxPolicy take as parameters. */
export const SETTING_PARAMETERS: readonly PolicySetting[] = POLICY_SETTINGS.filter((s) => !s.readOnly);

/** Where IsDefault appears among them in Get-MobileDeviceMailboxPolicy's output. */
export const IS_DEFAULT_AFTER = 'PasswordHistory';

/** Older Exchange versions' names for the same settings, and mirrors, mapped to the stored name. */
export const POLICY_SETTING_ALIASES: Readonly<Record<string, string>> = {
  MaxDevicePasswordFailedAttempts: 'MaxPasswordFailedAttempts',
  DeviceEncryptionEnabled: 'RequireStorageCardEncryption',
};

/**
 * Set-MobileDeviceMailboxPolicy -PasswordEnabled $false alone puts every password setting
 * back to its default (Exchange 2016's SetMobilePolicy.InternalProcessRecord: when
 * PasswordEnabled is false and none of these is given in the same call).
 */
export const PASSWORD_SETTINGS: readonly string[] = [
  'AllowSimplePassword',
  'AlphanumericPasswordRequired',
  'MinPasswordComplexCharacters',
  'MinPasswordLength',
  'MaxPasswordFailedAttempts',
  'MaxInactivityTimeLock',
  'PasswordRecoveryEnabled',
  'PasswordExpiration',
  'PasswordHistory',
  'RequireDeviceEncryption',
  'RequireStorageCardEncryption',
];

export function defaultPolicySettings(): Map<string, PolicyValue> {
  return new Map(STORED_SETTINGS.map((s) => [s.name, Array.isArray(s.default) ? [...s.default] : s.default]));
}

export function settingDefault(name: string): PolicyValue {
  const d = STORED_SETTINGS.find((s) => s.name === name)!.default;
  return Array.isArray(d) ? [...d] : d;
}
