import type { ExoClient, ExoPage } from './client';
import type { InvokeOptions } from './options';
import { ExoNotFoundError } from './errors';
import { genericHashTable } from './values';

/**
 * Typed wrappers for the cmdlets the connector uses. Short on purpose: the client does
 * the work (paging, retries, errors). Objects keep Exchange's PascalCase property names;
 * dates stay Exchange's strings (read them with parseExoDate), sizes too (parseByteQuantity).
 * Properties are optional because Exchange omits what it does not know; only the keys
 * without which an object is useless are typed as always present.
 */

/** What the wrappers need of a client; an ExoClient, or a fake in a use case's tests. */
export type ExoInvoker = Pick<ExoClient, 'invoke' | 'pages'>;

/** A closed set Exchange may still extend: known values for the reader, any string accepted. */
export type Open<T extends string> = T | (string & {});

/** Exchange date-time as sent (`2022-06-29T17:57:03.0000000+00:00`), or null. */
export type ExoDateText = string | null;

/**
 * What the connector can invoke, by feature: the install check verifies exactly this
 * table, and a unit test (test/unit/cmdlet-coverage.test.ts) fails when code in lib/
 * invokes a cmdlet the table does not hold. A feature whose cmdlets the app may not run
 * is reported unavailable; the others keep working.
 */
export const FEATURES = {
  sync: {
    description: 'inventory sync (full and delta): the listing, statistics and the users behind devices',
    cmdlets: ['Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Get-Recipient', 'Get-Mailbox'],
  },
  /** Needed by the sync only when SCOPE_MODE=groups or SCOPE_EXCLUDE_GROUPS is set. */
  groupScope: {
    description: 'group scope (SCOPE_GROUPS, SCOPE_EXCLUDE_GROUPS): members of distribution, security and Microsoft 365 groups',
    cmdlets: ['Get-Recipient', 'Get-DistributionGroupMember', 'Get-UnifiedGroupLinks'],
  },
  deviceActions: {
    description: 'wipe, account-only wipe, remove, block and allow a device',
    cmdlets: ['Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Clear-MobileDevice', 'Remove-MobileDevice', 'Get-CASMailbox', 'Set-CASMailbox'],
  },
  accessRules: {
    description: 'device access rules (allow, block, quarantine by type, model, OS, user agent)',
    cmdlets: ['Get-ActiveSyncDeviceAccessRule', 'New-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncDeviceAccessRule', 'Remove-ActiveSyncDeviceAccessRule'],
  },
  organizationSettings: {
    description: 'organization-wide ActiveSync access level and notifications',
    cmdlets: ['Get-ActiveSyncOrganizationSettings', 'Set-ActiveSyncOrganizationSettings'],
  },
  mailboxPolicies: {
    description: 'mobile device mailbox policies and their assignment to mailboxes',
    cmdlets: ['Get-MobileDeviceMailboxPolicy', 'Set-MobileDeviceMailboxPolicy', 'New-MobileDeviceMailboxPolicy', 'Get-CASMailbox', 'Set-CASMailbox'],
  },
} as const satisfies Record<string, { description: string; cmdlets: readonly string[] }>;

export type Feature = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as Feature[];

/**
 * The install check's own reads: Set/New/Clear/Remove cmdlets are never run to test a
 * permission; the app's role assignments are compared with the roles holding each one.
 */
export const INSTALL_CHECK_CMDLETS = ['Get-ManagementRoleAssignment', 'Get-ManagementRoleEntry'] as const;

/** Every cmdlet a feature invokes (Exchange Online names), once each. */
export const REQUIRED_CMDLETS = [...new Set(Object.values(FEATURES).flatMap((f) => f.cmdlets))] as RequiredCmdlet[];

export type RequiredCmdlet = (typeof FEATURES)[Feature]['cmdlets'][number];

/**
 * The seed's on-premises name of each cmdlet (null: not in the seed's list; the connector
 * needs it because an access rule's query can only change by remove + recreate, or
 * because Exchange Online needs it for group scope). The seed's Get-ExchangeServer and
 * Set-ADServerSettings have no Exchange Online counterpart, and its Get-User is not
 * needed: Get-Recipient carries the user's UPN (WindowsLiveID).
 */
export const SEED_CMDLET_NAMES: Record<RequiredCmdlet, string | null> = {
  'Get-MobileDevice': 'Get-ActiveSyncDevice',
  'Get-MobileDeviceStatistics': 'Get-ActiveSyncDeviceStatistics',
  'Clear-MobileDevice': 'Clear-ActiveSyncDevice',
  'Remove-MobileDevice': 'Remove-ActiveSyncDevice',
  'Get-MobileDeviceMailboxPolicy': 'Get-ActiveSyncMailboxPolicy',
  'Set-MobileDeviceMailboxPolicy': 'Set-ActiveSyncMailboxPolicy',
  'New-MobileDeviceMailboxPolicy': 'New-ActiveSyncMailboxPolicy',
  'Get-ActiveSyncDeviceAccessRule': 'Get-ActiveSyncDeviceAccessRule',
  'New-ActiveSyncDeviceAccessRule': 'New-ActiveSyncDeviceAccessRule',
  'Set-ActiveSyncDeviceAccessRule': 'Set-ActiveSyncDeviceAccessRule',
  'Remove-ActiveSyncDeviceAccessRule': null,
  'Get-ActiveSyncOrganizationSettings': 'Get-ActiveSyncOrganizationSettings',
  'Set-ActiveSyncOrganizationSettings': 'Set-ActiveSyncOrganizationSettings',
  'Get-CASMailbox': 'Get-CasMailbox',
  'Set-CASMailbox': 'Set-CASMailbox',
  'Get-Mailbox': 'Get-Mailbox',
  'Get-Recipient': 'Get-Recipient',
  'Get-DistributionGroupMember': null,
  'Get-UnifiedGroupLinks': null,
};

// ---------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------

export type DeviceAccessState = Open<'Allowed' | 'Blocked' | 'Quarantined' | 'DeviceDiscovery' | 'Unknown'>;
export type DeviceAccessStateReason = Open<'Unknown' | 'Global' | 'Individual' | 'DeviceRule' | 'Policy' | 'Upgrade' | 'Compliance' | 'External' | 'ExternalCompliance' | 'ExternalEnrollment'>;
export type ClientType = Open<'EAS' | 'Outlook' | 'REST' | 'MOWA'>;
export type AccessLevel = 'Allow' | 'Block' | 'Quarantine';
export type AccessRuleCharacteristic = 'DeviceType' | 'DeviceModel' | 'DeviceOS' | 'UserAgent' | 'XMSWLHeader';
export type DeviceStatus = Open<
  | 'DeviceOk'
  | 'DeviceWipePending'
  | 'DeviceWipeSucceeded'
  | 'AccountOnlyDeviceWipePending'
  | 'AccountOnlyDeviceWipeSucceeded'
  | 'DeviceBlocked'
  | 'DeviceDiscovery'
  | 'Unknown'
>;

/** Get-MobileDevice: one device partnership. */
export interface MobileDevice {
  Identity: string;
  /** The partnership's stable key. */
  Guid: string;
  /** ActiveSync DeviceId. */
  DeviceId: string;
  Name?: string | null;
  DistinguishedName?: string | null;
  UserDisplayName?: string | null;
  FriendlyName?: string | null;
  DeviceType?: string | null;
  DeviceModel?: string | null;
  DeviceOS?: string | null;
  DeviceOSLanguage?: string | null;
  DeviceUserAgent?: string | null;
  DeviceImei?: string | null;
  DeviceMobileOperator?: string | null;
  DeviceTelephoneNumber?: string | null;
  DeviceActiveSyncVersion?: string | null;
  DeviceAccessState?: DeviceAccessState | null;
  DeviceAccessStateReason?: DeviceAccessStateReason | null;
  DeviceAccessControlRule?: string | null;
  ClientType?: ClientType | null;
  ClientVersion?: string | null;
  FirstSyncTime?: ExoDateText;
  WhenChanged?: ExoDateText;
  WhenCreated?: ExoDateText;
  WhenChangedUTC?: ExoDateText;
  WhenCreatedUTC?: ExoDateText;
  IsManaged?: boolean | null;
  IsCompliant?: boolean | null;
  IsDisabled?: boolean | null;
}

/**
 * Get-MobileDeviceStatistics: sync and wipe state of a device. Sync times are null for
 * Outlook mobile (ClientType REST/Outlook): unknown, not "never synced".
 */
export interface MobileDeviceStatistics {
  Identity: string;
  Guid?: string | null;
  DeviceId?: string | null;
  DeviceType?: string | null;
  DeviceModel?: string | null;
  DeviceOS?: string | null;
  DeviceUserAgent?: string | null;
  DeviceFriendlyName?: string | null;
  DeviceImei?: string | null;
  DeviceMobileOperator?: string | null;
  DeviceAccessState?: DeviceAccessState | null;
  DeviceAccessStateReason?: DeviceAccessStateReason | null;
  DeviceAccessControlRule?: string | null;
  ClientType?: ClientType | null;
  FirstSyncTime?: ExoDateText;
  LastSuccessSync?: ExoDateText;
  LastSyncAttemptTime?: ExoDateText;
  LastPolicyUpdateTime?: ExoDateText;
  LastPingHeartbeat?: number | string | null;
  DevicePolicyApplied?: string | null;
  DevicePolicyApplicationStatus?: string | null;
  Status?: DeviceStatus | null;
  StatusNote?: string | null;
  DeviceWipeRequestTime?: ExoDateText;
  DeviceWipeSentTime?: ExoDateText;
  DeviceWipeAckTime?: ExoDateText;
  AccountOnlyDeviceWipeRequestTime?: ExoDateText;
  AccountOnlyDeviceWipeSentTime?: ExoDateText;
  AccountOnlyDeviceWipeAckTime?: ExoDateText;
  LastDeviceWipeRequestor?: string | null;
  LastAccountOnlyDeviceWipeRequestor?: string | null;
  IsRemoteWipeSupported?: boolean | null;
  NumberOfFoldersSynced?: number | null;
}

export type Unlimited = 'Unlimited';

/**
 * Set-/New-MobileDeviceMailboxPolicy parameters (see shared/reference/device-policy-settings.md).
 * Time spans are `d.hh:mm:ss` / `hh:mm:ss` strings or 'Unlimited'.
 */
export interface MobileDeviceMailboxPolicySettings {
  // General
  AllowDesktopSync?: boolean;
  AllowInternetSharing?: boolean;
  AllowNonProvisionableDevices?: boolean;
  DevicePolicyRefreshInterval?: string;
  // Password
  PasswordEnabled?: boolean;
  MinPasswordLength?: number | null;
  AlphanumericPasswordRequired?: boolean;
  MinPasswordComplexCharacters?: number;
  AllowSimplePassword?: boolean;
  PasswordExpiration?: string;
  PasswordHistory?: number;
  MaxPasswordFailedAttempts?: number | Unlimited;
  MaxInactivityTimeLock?: string;
  PasswordRecoveryEnabled?: boolean;
  // Email management
  AllowConsumerEmail?: boolean;
  MaxEmailAgeFilter?: 'All' | 'OneDay' | 'ThreeDays' | 'OneWeek' | 'TwoWeeks' | 'OneMonth';
  MaxCalendarAgeFilter?: 'All' | 'TwoWeeks' | 'OneMonth' | 'ThreeMonths' | 'SixMonths';
  RequireManualSyncWhenRoaming?: boolean;
  AllowHTMLEmail?: boolean;
  AttachmentsEnabled?: boolean;
  MaxEmailBodyTruncationSize?: number | Unlimited;
  MaxEmailHTMLBodyTruncationSize?: number | Unlimited;
  MaxAttachmentSize?: number | string;
  // Security
  AllowRemoteDesktop?: boolean;
  AllowStorageCard?: boolean;
  AllowCamera?: boolean;
  AllowIrDA?: boolean;
  AllowBrowser?: boolean;
  AllowTextMessaging?: boolean;
  AllowWiFi?: boolean;
  AllowBluetooth?: 'Allow' | 'Disable' | 'HandsfreeOnly';
  RequireStorageCardEncryption?: boolean;
  RequireDeviceEncryption?: boolean;
  // Application
  AllowUnsignedApplications?: boolean;
  AllowUnsignedInstallationPackages?: boolean;
  UnapprovedInROMApplicationList?: string[];
  // Policy level
  AllowExternalDeviceManagement?: boolean;
  IsDefault?: boolean;
  AllowApplePushNotifications?: boolean;
  AllowSMIMESoftCerts?: boolean;
  RequireSignedSMIMEMessages?: boolean;
  RequireEncryptedSMIMEMessages?: boolean;
}

/** As read back, a setting may come in Exchange's display form (`"Unlimited"`, `"10 MB (10,485,760 bytes)"`, `"8"`). */
export type MobileDeviceMailboxPolicyValues = {
  [K in keyof MobileDeviceMailboxPolicySettings]?: MobileDeviceMailboxPolicySettings[K] | string | number | null;
};

/** Get-MobileDeviceMailboxPolicy. */
export interface MobileDeviceMailboxPolicy extends MobileDeviceMailboxPolicyValues {
  Identity: string;
  Name: string;
  Guid?: string | null;
  WhenChanged?: ExoDateText;
  WhenCreated?: ExoDateText;
}

/** Get-ActiveSyncDeviceAccessRule. */
export interface ActiveSyncDeviceAccessRule {
  Identity: string;
  Name?: string | null;
  AccessLevel: Open<AccessLevel>;
  Characteristic: Open<AccessRuleCharacteristic>;
  QueryString: string;
  Guid?: string | null;
  WhenChanged?: ExoDateText;
  WhenCreated?: ExoDateText;
}

/** Set-ActiveSyncOrganizationSettings parameters. */
export interface ActiveSyncOrganizationSettingsParameters {
  DefaultAccessLevel?: AccessLevel;
  AdminMailRecipients?: string[];
  /** Text added to the quarantine mail; at most 256 characters. */
  UserMailInsert?: string | null;
  OtaNotificationMailInsert?: string | null;
  AllowAccessForUnSupportedPlatform?: boolean;
}

/** Get-ActiveSyncOrganizationSettings. */
export interface ActiveSyncOrganizationSettings {
  Identity?: string | null;
  Name?: string | null;
  DefaultAccessLevel?: Open<AccessLevel> | null;
  AdminMailRecipients?: string[] | null;
  UserMailInsert?: string | null;
  OtaNotificationMailInsert?: string | null;
  AllowAccessForUnSupportedPlatform?: boolean | null;
  IsIntuneManaged?: boolean | null;
  WhenChanged?: ExoDateText;
}

/** Get-CASMailbox: a mailbox's client access settings, ActiveSync part. */
export interface CASMailbox {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  PrimarySmtpAddress?: string | null;
  Guid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  ActiveSyncEnabled?: boolean | null;
  ActiveSyncMailboxPolicy?: string | null;
  ActiveSyncMailboxPolicyIsDefaulted?: boolean | null;
  ActiveSyncAllowedDeviceIDs?: string[] | null;
  ActiveSyncBlockedDeviceIDs?: string[] | null;
  HasActiveSyncDevicePartnership?: boolean | null;
}

/** Get-Mailbox. */
export interface Mailbox {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  Alias?: string | null;
  UserPrincipalName?: string | null;
  PrimarySmtpAddress?: string | null;
  EmailAddresses?: string[] | null;
  Guid?: string | null;
  ExchangeGuid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  RecipientType?: string | null;
  RecipientTypeDetails?: string | null;
  WhenCreated?: ExoDateText;
  WhenChanged?: ExoDateText;
}

/** Get-Recipient. */
export interface Recipient {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  Alias?: string | null;
  PrimarySmtpAddress?: string | null;
  EmailAddresses?: string[] | null;
  WindowsLiveID?: string | null;
  Guid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  RecipientType?: string | null;
  RecipientTypeDetails?: string | null;
  Department?: string | null;
  Company?: string | null;
  MemberOfGroup?: string | null;
}

/** Get-User. */
export interface User {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  UserPrincipalName?: string | null;
  WindowsEmailAddress?: string | null;
  FirstName?: string | null;
  LastName?: string | null;
  Department?: string | null;
  Title?: string | null;
  Company?: string | null;
  Office?: string | null;
  City?: string | null;
  CountryOrRegion?: string | null;
  Manager?: string | null;
  Guid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  RecipientType?: string | null;
  RecipientTypeDetails?: string | null;
  AccountDisabled?: boolean | null;
}

/** Get-ManagementRoleEntry: one cmdlet of a management role. */
export interface ManagementRoleEntry {
  Name: string;
  Role?: string | null;
  Identity?: string | null;
  Parameters?: string[] | null;
  Type?: string | null;
}

/** Get-ManagementRoleAssignment. */
export interface ManagementRoleAssignment {
  Identity: string;
  Name?: string | null;
  Role?: string | null;
  RoleAssignee?: string | null;
  RoleAssigneeName?: string | null;
  RoleAssigneeType?: string | null;
  AssignmentMethod?: string | null;
  EffectiveUserName?: string | null;
  Enabled?: boolean | null;
}

// ---------------------------------------------------------------------------------------
// Wrappers
// ---------------------------------------------------------------------------------------

/** A UPN or SMTP address routes the call to that mailbox's server; anything else stays org-wide. */
function mailboxAnchor(identity: string, options: InvokeOptions): InvokeOptions {
  return options.anchorMailbox === undefined && /^[^\\/@\s]+@[^\\/@\s]+$/.test(identity) ? { ...options, anchorMailbox: identity } : options;
}

async function single<T>(client: ExoInvoker, cmdlet: string, parameters: Record<string, unknown>, options: InvokeOptions): Promise<T> {
  const items = await client.invoke<T>(cmdlet, parameters, options);
  if (items.length === 0) {
    throw new ExoNotFoundError({ cmdlet, exchangeMessage: `Exchange returned no object for '${String(parameters.Identity ?? '')}'` });
  }
  return items[0];
}

async function run(client: ExoInvoker, cmdlet: string, parameters: Record<string, unknown>, options: InvokeOptions): Promise<void> {
  await client.invoke(cmdlet, parameters, options);
}

/** Every device partnership of the organisation (or of one mailbox), page by page. */
export function listMobileDevices(
  client: ExoInvoker,
  query: { pageSize?: number; filter?: string; mailbox?: string } = {},
  options: InvokeOptions = {},
): AsyncIterable<ExoPage<MobileDevice>> {
  const parameters: Record<string, unknown> = { ResultSize: 'Unlimited' };
  if (query.filter) parameters.Filter = query.filter;
  if (query.mailbox) parameters.Mailbox = query.mailbox;
  return client.pages<MobileDevice>('Get-MobileDevice', parameters, { ...options, pageSize: query.pageSize ?? options.pageSize });
}

export function getMobileDevice(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<MobileDevice> {
  return single(client, 'Get-MobileDevice', { Identity: identity }, options);
}

/** Statistics of every device of one mailbox, in one call routed to that mailbox. */
export function getMobileDeviceStatisticsByMailbox(client: ExoInvoker, mailbox: string, options: InvokeOptions = {}): Promise<MobileDeviceStatistics[]> {
  return client.invoke<MobileDeviceStatistics>('Get-MobileDeviceStatistics', { Mailbox: mailbox }, mailboxAnchor(mailbox, options));
}

export function getMobileDeviceStatistics(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<MobileDeviceStatistics> {
  return single(client, 'Get-MobileDeviceStatistics', { Identity: identity }, options);
}

/**
 * Requests a wipe (full, or of the mail account only) or, with `cancel`, cancels one the
 * device has not picked up yet. Exchange only records the request: the device gets it when
 * it next connects.
 */
export function clearMobileDevice(
  client: ExoInvoker,
  identity: string,
  request: { accountOnly?: boolean; cancel?: boolean; notificationEmailAddresses?: string[] } = {},
  options: InvokeOptions = {},
): Promise<void> {
  const parameters: Record<string, unknown> = { Identity: identity, Confirm: false };
  if (request.accountOnly) parameters.AccountOnly = true;
  if (request.cancel) parameters.Cancel = true;
  if (request.notificationEmailAddresses?.length) parameters.NotificationEmailAddresses = request.notificationEmailAddresses;
  return run(client, 'Clear-MobileDevice', parameters, options);
}

export function removeMobileDevice(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<void> {
  return run(client, 'Remove-MobileDevice', { Identity: identity, Confirm: false }, options);
}

export function getCasMailbox(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<CASMailbox> {
  return single(client, 'Get-CASMailbox', { Identity: identity }, mailboxAnchor(identity, options));
}

/**
 * Adds/removes DeviceIds on the mailbox's allowed and blocked lists (blocking one device =
 * adding its DeviceId to the blocked list). Sends only the sides that change; no call at
 * all when nothing changes.
 */
export async function setCasMailboxDeviceIds(
  client: ExoInvoker,
  identity: string,
  change: { allowed?: { add?: string[]; remove?: string[] }; blocked?: { add?: string[]; remove?: string[] } },
  options: InvokeOptions = {},
): Promise<void> {
  const allowed = genericHashTable(change.allowed);
  const blocked = genericHashTable(change.blocked);
  if (!allowed && !blocked) return;
  const parameters: Record<string, unknown> = { Identity: identity };
  if (allowed) parameters.ActiveSyncAllowedDeviceIDs = allowed;
  if (blocked) parameters.ActiveSyncBlockedDeviceIDs = blocked;
  await run(client, 'Set-CASMailbox', parameters, mailboxAnchor(identity, options));
}

/** ActiveSync on/off for a mailbox, and which mailbox policy it gets. */
export async function setCasMailboxActiveSync(
  client: ExoInvoker,
  identity: string,
  change: { enabled?: boolean; mailboxPolicy?: string },
  options: InvokeOptions = {},
): Promise<void> {
  const parameters: Record<string, unknown> = { Identity: identity };
  if (change.enabled !== undefined) parameters.ActiveSyncEnabled = change.enabled;
  if (change.mailboxPolicy !== undefined) parameters.ActiveSyncMailboxPolicy = change.mailboxPolicy;
  if (Object.keys(parameters).length === 1) return;
  await run(client, 'Set-CASMailbox', parameters, mailboxAnchor(identity, options));
}

export function getMobileDeviceMailboxPolicies(client: ExoInvoker, options: InvokeOptions = {}): Promise<MobileDeviceMailboxPolicy[]> {
  return client.invoke<MobileDeviceMailboxPolicy>('Get-MobileDeviceMailboxPolicy', {}, options);
}

export function getMobileDeviceMailboxPolicy(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<MobileDeviceMailboxPolicy> {
  return single(client, 'Get-MobileDeviceMailboxPolicy', { Identity: identity }, options);
}

/** One Set- call with exactly the given parameters; none when there are none. */
export async function setMobileDeviceMailboxPolicy(
  client: ExoInvoker,
  identity: string,
  settings: MobileDeviceMailboxPolicySettings,
  options: InvokeOptions = {},
): Promise<void> {
  if (Object.keys(settings).length === 0) return;
  await run(client, 'Set-MobileDeviceMailboxPolicy', { ...settings, Identity: identity }, options);
}

/** Creates a policy; returns it when Exchange answers with it (null otherwise). */
export async function newMobileDeviceMailboxPolicy(
  client: ExoInvoker,
  name: string,
  settings: MobileDeviceMailboxPolicySettings = {},
  options: InvokeOptions = {},
): Promise<MobileDeviceMailboxPolicy | null> {
  const items = await client.invoke<MobileDeviceMailboxPolicy>('New-MobileDeviceMailboxPolicy', { ...settings, Name: name }, options);
  return items[0] ?? null;
}

export function getActiveSyncDeviceAccessRules(client: ExoInvoker, options: InvokeOptions = {}): Promise<ActiveSyncDeviceAccessRule[]> {
  return client.invoke<ActiveSyncDeviceAccessRule>('Get-ActiveSyncDeviceAccessRule', {}, options);
}

/** Creates a rule; returns it when Exchange answers with it (null otherwise). */
export async function newActiveSyncDeviceAccessRule(
  client: ExoInvoker,
  rule: { accessLevel: AccessLevel; characteristic: AccessRuleCharacteristic; queryString: string },
  options: InvokeOptions = {},
): Promise<ActiveSyncDeviceAccessRule | null> {
  const items = await client.invoke<ActiveSyncDeviceAccessRule>(
    'New-ActiveSyncDeviceAccessRule',
    { AccessLevel: rule.accessLevel, Characteristic: rule.characteristic, QueryString: rule.queryString },
    options,
  );
  return items[0] ?? null;
}

/** Set- changes only the access level; to change the query, remove the rule and create another. */
export function setActiveSyncDeviceAccessRule(client: ExoInvoker, identity: string, accessLevel: AccessLevel, options: InvokeOptions = {}): Promise<void> {
  return run(client, 'Set-ActiveSyncDeviceAccessRule', { Identity: identity, AccessLevel: accessLevel }, options);
}

export function removeActiveSyncDeviceAccessRule(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<void> {
  return run(client, 'Remove-ActiveSyncDeviceAccessRule', { Identity: identity, Confirm: false }, options);
}

export function getActiveSyncOrganizationSettings(client: ExoInvoker, options: InvokeOptions = {}): Promise<ActiveSyncOrganizationSettings> {
  return single(client, 'Get-ActiveSyncOrganizationSettings', {}, options);
}

export async function setActiveSyncOrganizationSettings(
  client: ExoInvoker,
  settings: ActiveSyncOrganizationSettingsParameters,
  options: InvokeOptions = {},
): Promise<void> {
  if (Object.keys(settings).length === 0) return;
  await run(client, 'Set-ActiveSyncOrganizationSettings', { ...settings }, options);
}

export function getMailbox(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<Mailbox> {
  return single(client, 'Get-Mailbox', { Identity: identity }, options);
}

/** Recipients matching an OPATH filter (scoping rules), page by page. */
export function listRecipients(
  client: ExoInvoker,
  query: { filter?: string; recipientTypeDetails?: string[]; pageSize?: number } = {},
  options: InvokeOptions = {},
): AsyncIterable<ExoPage<Recipient>> {
  const parameters: Record<string, unknown> = { ResultSize: 'Unlimited' };
  if (query.filter) parameters.Filter = query.filter;
  if (query.recipientTypeDetails?.length) parameters.RecipientTypeDetails = query.recipientTypeDetails;
  return client.pages<Recipient>('Get-Recipient', parameters, { ...options, pageSize: query.pageSize ?? options.pageSize });
}

/** Role entries matching an identity such as `*\Get-MobileDevice` (which roles hold a cmdlet). */
export function getManagementRoleEntries(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<ManagementRoleEntry[]> {
  return client.invoke<ManagementRoleEntry>('Get-ManagementRoleEntry', { Identity: identity }, options);
}

/** Role assignments, e.g. of the app's service principal (`roleAssignee`) or of one role. */
export function getManagementRoleAssignments(
  client: ExoInvoker,
  query: { roleAssignee?: string; role?: string } = {},
  options: InvokeOptions = {},
): Promise<ManagementRoleAssignment[]> {
  const parameters: Record<string, unknown> = {};
  if (query.roleAssignee) parameters.RoleAssignee = query.roleAssignee;
  if (query.role) parameters.Role = query.role;
  return client.invoke<ManagementRoleAssignment>('Get-ManagementRoleAssignment', parameters, options);
}
