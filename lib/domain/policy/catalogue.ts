/**
 * The mobile device mailbox policy settings the connector manages: the five groups of the
 * seed's Settings page, each setting a Set-MobileDeviceMailboxPolicy parameter
 * (shared/reference/device-policy-settings.md).
 *
 * Keys: the Exchange parameter name exactly as Exchange spells it, with only its first
 * letter lowered (MinPasswordLength -> minPasswordLength, AllowHTMLEmail -> allowHTMLEmail,
 * AllowIrDA -> allowIrDA), so a key maps back to its parameter without a table.
 *
 * Defaults: Exchange's own, from the Set-MobileDeviceMailboxPolicy cmdlet reference. A
 * conceptual Microsoft page gives others (inactivity lock 15 minutes, 8 failed attempts,
 * length 4, alphanumeric required); where the two disagree the cmdlet reference's are kept,
 * as they are what Exchange writes for a policy nobody changed.
 *
 * Ranges: Exchange's MobileMailboxPolicySchema constraints (a public decompilation of
 * Microsoft.Exchange.Data.Directory): MaxAttachmentSize FromKB(0)-FromKB(2097151),
 * DevicePolicyRefreshInterval 0-2147483647 seconds, time spans in whole seconds.
 *
 * Relevance: 'current' when a client in use today or Exchange itself still acts on the
 * setting; 'legacy' when only a device's ActiveSync client could enforce it and neither
 * Outlook for iOS and Android nor Android 10+ does (most date from Windows Mobile), so an
 * administrator is not led to think a phone is protected by it. Outlook honours
 * PasswordEnabled, MinPasswordLength (Android only), RequireDeviceEncryption and
 * AllowBluetooth ("Managing devices for Outlook for iOS and Android", learn.microsoft.com);
 * from Android 10 a mail app can only ask for a screen-lock complexity, which Exchange
 * derives from the password settings ("Mobile device mailbox policies in Exchange Online").
 */
import { formatTimeSpan, type PolicyValue, SECONDS_PER_DAY, UNLIMITED } from './values';

export type PolicyGroup = 'general' | 'password' | 'emailManagement' | 'security' | 'application';
export const POLICY_GROUPS: readonly PolicyGroup[] = ['general', 'password', 'emailManagement', 'security', 'application'];

export type PolicySettingKind =
  | { type: 'bool' }
  | { type: 'int'; min: number; max: number; nullable: boolean }
  /** Unlimited<int>: a number in range or `Unlimited`. */
  | { type: 'intOrUnlimited'; min: number; max: number }
  /** Unlimited<EnhancedTimeSpan>, in whole seconds. */
  | { type: 'timeSpanOrUnlimited'; minSeconds: number; maxSeconds: number }
  /** Unlimited<ByteQuantifiedSize>, in bytes. */
  | { type: 'bytesOrUnlimited'; min: number; max: number }
  /** Names in the order shown to callers, each with its .NET value (a serialiser may send the number). */
  | { type: 'enum'; values: Readonly<Record<string, number>> }
  | { type: 'stringList' };

export type Relevance = 'current' | 'legacy';

/** One policy parameter the connector writes. */
export interface PolicyParameterDef {
  key: string;
  parameter: string;
  /** The seed's label. */
  label: string;
  kind: PolicySettingKind;
  default: PolicyValue;
  /** The allowed values in words, quoted in 400 answers ("1-16 or null"). */
  allowed: string;
  relevance: Relevance;
  relevanceNote: string;
}

export interface PolicySettingDef extends PolicyParameterDef {
  group: PolicyGroup;
}

export const keyOfParameter = (parameter: string): string => parameter.charAt(0).toLowerCase() + parameter.slice(1);

function allowedText(kind: PolicySettingKind): string {
  switch (kind.type) {
    case 'bool':
      return 'true or false';
    case 'int':
      return `${kind.min}-${kind.max}${kind.nullable ? ' or null' : ''}`;
    case 'intOrUnlimited':
      return `${kind.min}-${kind.max} or "${UNLIMITED}"`;
    case 'timeSpanOrUnlimited':
      return `a time span ${formatTimeSpan(kind.minSeconds)}-${formatTimeSpan(kind.maxSeconds)} (hh:mm:ss or d.hh:mm:ss) or "${UNLIMITED}"`;
    case 'bytesOrUnlimited':
      return `${kind.min}-${kind.max} bytes (a number, or a string with B, KB, MB or GB such as "10MB") or "${UNLIMITED}"`;
    case 'enum':
      return `one of ${Object.keys(kind.values).join(', ')}`;
    case 'stringList':
      return 'an array of distinct non-empty strings without leading or trailing spaces';
  }
}

const BOOL: PolicySettingKind = { type: 'bool' };
const WINDOWS_MOBILE = 'A Windows Mobile device feature; Outlook for iOS and Android and current Android and iOS ignore it.';
const PROVISIONED_ONLY =
  'Sent to the device in the ActiveSync provisioning document and left to its mail client; Outlook for iOS and Android ignores it and no current platform is known to enforce it.';
const PASSCODE_LEGACY =
  'Outlook for iOS and Android ignores it, and since Android 10 a mail app can no longer set it (device admin was removed); only older ActiveSync clients applied it.';
const COMPLEXITY =
  'Android 10 and later: part of the screen-lock complexity (none/low/medium/high) that Outlook and native Android mail ask the device for; other clients treat it as legacy.';
const SERVER_SIDE_ATTACHMENTS =
  "Enforced by Exchange's ActiveSync server (its GetAttachment command checks it), so it holds for native ActiveSync mail apps; Outlook for iOS and Android does not sync over ActiveSync and ignores it.";

interface Entry {
  parameter: string;
  label: string;
  kind: PolicySettingKind;
  default: PolicyValue;
  relevance: Relevance;
  note: string;
  allowed?: string;
}

const def = (group: PolicyGroup, e: Entry): PolicySettingDef => ({
  key: keyOfParameter(e.parameter),
  parameter: e.parameter,
  group,
  label: e.label,
  kind: e.kind,
  default: e.default,
  allowed: e.allowed ?? allowedText(e.kind),
  relevance: e.relevance,
  relevanceNote: e.note,
});
const inGroup = (group: PolicyGroup, entries: Entry[]): PolicySettingDef[] => entries.map((e) => def(group, e));

const INT32_MAX = 2147483647;
// FromKB(2097151): one kilobyte short of 2 GB.
const MAX_ATTACHMENT_BYTES = 2097151 * 1024;

export const POLICY_SETTINGS: readonly PolicySettingDef[] = [
  ...inGroup('general', [
    { parameter: 'AllowDesktopSync', label: 'Allow desktop sync', kind: BOOL, default: true, relevance: 'legacy', note: `Cable sync with desktop ActiveSync. ${WINDOWS_MOBILE}` },
    { parameter: 'AllowInternetSharing', label: 'Allow Internet sharing', kind: BOOL, default: true, relevance: 'legacy', note: `Tethering. ${WINDOWS_MOBILE}` },
    {
      parameter: 'AllowNonProvisionableDevices',
      label: "Allow devices that can't be fully provisioned",
      kind: BOOL,
      default: true,
      relevance: 'current',
      note: 'Enforced by Exchange itself: when false, devices that cannot apply the policy (including ones managed by another MDM) are refused with HTTP 403.',
    },
    {
      parameter: 'DevicePolicyRefreshInterval',
      label: 'Policy refresh interval',
      kind: { type: 'timeSpanOrUnlimited', minSeconds: 0, maxSeconds: INT32_MAX },
      default: UNLIMITED,
      relevance: 'current',
      note: "Enforced by Exchange's ActiveSync server, which makes a device fetch the policy again after this interval; it protects nothing by itself.",
    },
  ]),
  ...inGroup('password', [
    { parameter: 'PasswordEnabled', label: 'Require password', kind: BOOL, default: false, relevance: 'current', note: 'Honoured by Outlook for iOS and Android (it checks that the device has a passcode) and by Android 10+ screen-lock complexity.' },
    {
      parameter: 'MinPasswordLength',
      label: 'Minimum length',
      kind: { type: 'int', min: 1, max: 16, nullable: true },
      default: null,
      relevance: 'current',
      note: 'Honoured by Outlook for Android only (not Outlook for iOS), and part of the Android 10+ screen-lock complexity.',
    },
    { parameter: 'AlphanumericPasswordRequired', label: 'Require alphanumeric (Strong) vs PIN', kind: BOOL, default: false, relevance: 'current', note: COMPLEXITY },
    { parameter: 'MinPasswordComplexCharacters', label: 'Complex characters required', kind: { type: 'int', min: 1, max: 4, nullable: false }, default: 1, relevance: 'current', note: COMPLEXITY },
    { parameter: 'AllowSimplePassword', label: 'Allow simple password', kind: BOOL, default: true, relevance: 'current', note: COMPLEXITY },
    {
      parameter: 'PasswordExpiration',
      label: 'Password expiration',
      kind: { type: 'timeSpanOrUnlimited', minSeconds: SECONDS_PER_DAY, maxSeconds: 730 * SECONDS_PER_DAY },
      default: UNLIMITED,
      relevance: 'legacy',
      note: PASSCODE_LEGACY,
    },
    { parameter: 'PasswordHistory', label: 'Password history', kind: { type: 'int', min: 0, max: 50, nullable: false }, default: 0, relevance: 'legacy', note: PASSCODE_LEGACY },
    { parameter: 'MaxPasswordFailedAttempts', label: 'Failed attempts before wipe', kind: { type: 'intOrUnlimited', min: 4, max: 16 }, default: UNLIMITED, relevance: 'legacy', note: PASSCODE_LEGACY },
    {
      parameter: 'MaxInactivityTimeLock',
      label: 'Idle time before lock',
      kind: { type: 'timeSpanOrUnlimited', minSeconds: 60, maxSeconds: 3600 },
      default: UNLIMITED,
      relevance: 'legacy',
      note: PASSCODE_LEGACY,
    },
    {
      parameter: 'PasswordRecoveryEnabled',
      label: 'Password recovery',
      kind: BOOL,
      default: false,
      relevance: 'legacy',
      note: 'A recovery password stored in Exchange by Windows Mobile and Windows Phone devices; no current client stores one.',
    },
  ]),
  ...inGroup('emailManagement', [
    { parameter: 'AllowConsumerEmail', label: 'Allow consumer (POP/IMAP) email', kind: BOOL, default: true, relevance: 'legacy', note: `Personal accounts in the device's own mail app. ${WINDOWS_MOBILE}` },
    {
      parameter: 'MaxEmailAgeFilter',
      label: 'Email age to sync',
      kind: { type: 'enum', values: { All: 0, OneDay: 1, ThreeDays: 2, OneWeek: 3, TwoWeeks: 4, OneMonth: 5 } },
      default: 'All',
      relevance: 'legacy',
      note: PROVISIONED_ONLY,
    },
    {
      parameter: 'MaxCalendarAgeFilter',
      label: 'Calendar age to sync',
      kind: { type: 'enum', values: { All: 0, TwoWeeks: 4, OneMonth: 5, ThreeMonths: 6, SixMonths: 7 } },
      default: 'All',
      relevance: 'legacy',
      note: PROVISIONED_ONLY,
    },
    { parameter: 'RequireManualSyncWhenRoaming', label: 'Require manual sync while roaming', kind: BOOL, default: false, relevance: 'legacy', note: PROVISIONED_ONLY },
    { parameter: 'AllowHTMLEmail', label: 'Allow HTML email', kind: BOOL, default: true, relevance: 'legacy', note: PROVISIONED_ONLY },
    { parameter: 'AttachmentsEnabled', label: 'Allow attachments', kind: BOOL, default: true, relevance: 'current', note: SERVER_SIDE_ATTACHMENTS },
    // Unlimited<int>: Exchange's Int32 binding takes no KB/MB/GB qualifier here.
    { parameter: 'MaxEmailBodyTruncationSize', label: 'Plain-text body truncation (KB)', kind: { type: 'intOrUnlimited', min: 0, max: INT32_MAX }, default: UNLIMITED, relevance: 'legacy', note: PROVISIONED_ONLY },
    { parameter: 'MaxEmailHTMLBodyTruncationSize', label: 'HTML body truncation (KB)', kind: { type: 'intOrUnlimited', min: 0, max: INT32_MAX }, default: UNLIMITED, relevance: 'legacy', note: PROVISIONED_ONLY },
    {
      parameter: 'MaxAttachmentSize',
      label: 'Maximum attachment size',
      kind: { type: 'bytesOrUnlimited', min: 0, max: MAX_ATTACHMENT_BYTES },
      default: UNLIMITED,
      relevance: 'current',
      note: SERVER_SIDE_ATTACHMENTS,
      allowed: `0-${MAX_ATTACHMENT_BYTES} bytes (a number, or a string with B, KB, MB or GB: at most 2097151KB, 2047.999024MB, 1.999999047GB) or "${UNLIMITED}"`,
    },
  ]),
  ...inGroup('security', [
    { parameter: 'AllowRemoteDesktop', label: 'Remote desktop', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    { parameter: 'AllowStorageCard', label: 'Removable storage', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    {
      parameter: 'AllowCamera',
      label: 'Camera',
      kind: BOOL,
      default: true,
      relevance: 'legacy',
      note: 'Applied through Android device admin, which Android 10 removed, and by Windows Mobile; Outlook for iOS and Android ignores it.',
    },
    { parameter: 'AllowIrDA', label: 'Infrared', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    { parameter: 'AllowBrowser', label: 'Browser', kind: BOOL, default: true, relevance: 'legacy', note: `Pocket Internet Explorer only; no other browser is affected. ${WINDOWS_MOBILE}` },
    { parameter: 'AllowTextMessaging', label: 'Text messaging', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    { parameter: 'AllowWiFi', label: 'Wi-Fi', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    {
      parameter: 'AllowBluetooth',
      label: 'Bluetooth',
      kind: { type: 'enum', values: { Allow: 2, Disable: 0, HandsfreeOnly: 1 } },
      default: 'Allow',
      relevance: 'current',
      note: 'Honoured by Outlook for Android for its wearable app: Disable stops syncing the account to the wearable and deletes what was synced; Bluetooth itself is not turned off.',
    },
    { parameter: 'RequireStorageCardEncryption', label: 'Storage card encryption', kind: BOOL, default: false, relevance: 'legacy', note: WINDOWS_MOBILE },
    {
      parameter: 'RequireDeviceEncryption',
      label: 'Device encryption',
      kind: BOOL,
      default: false,
      relevance: 'current',
      note: 'Honoured by Outlook for iOS and Android (the device-encryption requirement); iOS devices with a passcode are encrypted anyway.',
    },
  ]),
  ...inGroup('application', [
    { parameter: 'AllowUnsignedApplications', label: 'Unsigned applications', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    { parameter: 'AllowUnsignedInstallationPackages', label: 'Unsigned installation packages', kind: BOOL, default: true, relevance: 'legacy', note: WINDOWS_MOBILE },
    { parameter: 'UnapprovedInROMApplicationList', label: 'Blocked in-ROM applications', kind: { type: 'stringList' }, default: [], relevance: 'legacy', note: WINDOWS_MOBILE },
  ]),
];

/** Managed on its own, outside the groups: the seed's "Allow external mobile device management". */
export const ALLOW_EXTERNAL_DEVICE_MANAGEMENT = 'AllowExternalDeviceManagement';
export const ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF: PolicyParameterDef = {
  key: keyOfParameter(ALLOW_EXTERNAL_DEVICE_MANAGEMENT),
  parameter: ALLOW_EXTERNAL_DEVICE_MANAGEMENT,
  label: 'Allow external mobile device management',
  kind: BOOL,
  default: false,
  allowed: allowedText(BOOL),
  relevance: 'current',
  relevanceNote: 'Acted on by Exchange: when true, a device managed by another MDM may keep syncing mail under this policy.',
};

const BY_KEY = new Map(POLICY_SETTINGS.map((s) => [s.key, s]));
const BY_PARAMETER = new Map(POLICY_SETTINGS.map((s) => [s.parameter.toLowerCase(), s]));

export const isPolicyGroup = (v: unknown): v is PolicyGroup => typeof v === 'string' && (POLICY_GROUPS as readonly string[]).includes(v);
export const settingByKey = (key: string): PolicySettingDef | undefined => BY_KEY.get(key);
/** By parameter name, case-insensitively (PowerShell parameter names are). */
export const settingByParameter = (parameter: string): PolicySettingDef | undefined => BY_PARAMETER.get(parameter.toLowerCase());
export const settingsOfGroup = (group: PolicyGroup): PolicySettingDef[] => POLICY_SETTINGS.filter((s) => s.group === group);
