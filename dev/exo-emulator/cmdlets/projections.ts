/**
 * The objects cmdlets return, in Exchange's PowerShell property names and order, with
 * the OData/type annotations EXO puts beside some values. Clients must ignore the
 * annotations and any property they do not know.
 *
 * EXO quirks kept on purpose:
 * - Get-MobileDevice's UserDisplayName is not the user's display name but a canonical
 *   name ending in the mailbox Name (".../contoso.onmicrosoft.com/alex.wilber"), cut to
 *   64 characters (reference), so it rarely holds the whole Name: the user behind a
 *   device is the mailbox whose Name is everything before `\ExchangeActiveSyncDevices\`
 *   in its Identity.
 * - Get-MobileDeviceStatistics spells the id `DeviceID` (Get-MobileDevice: `DeviceId`),
 *   `DeviceFriendlyName` and `DevicePhoneNumber`.
 * - Recipient lookups that go through Get-Recipient / Get-DistributionGroupMember carry no
 *   UserPrincipalName (WindowsLiveID holds it).
 */
import type { AccessRule, Device, MailboxPolicy, OrgSettings } from '../store/model';
import type { Org } from '../store/org';
import { ORG_SETTINGS_NAME } from '../store/org-settings';
import { IS_DEFAULT_AFTER, POLICY_SETTINGS } from '../store/policy-settings';
import { exoDate } from '../values';
import type { WireObject } from '../wire';
import type { FilterProperties } from './opath';
import { settingToWire } from './params';
import { configurationTail, EXCHANGE_SERVER, guidProp, listProp, OBJECT_STATE, organizationId, times } from './wire-shapes';

export * from './recipient-projections';

// ---- devices -------------------------------------------------------------------

/** A canonical name cut to 64 characters, as Exchange shows it on partnerships. */
const userDisplayName = (org: Org, d: Device) => org.canonicalName(d.mailbox.name).slice(0, 64);

export function mobileDeviceObject(org: Org, d: Device): WireObject {
  const identity = org.deviceIdentity(d);
  const o: WireObject = {
    FriendlyName: d.friendlyName,
    DeviceId: d.deviceId,
    DeviceImei: d.deviceImei,
    DeviceMobileOperator: d.deviceMobileOperator,
    DeviceOS: d.deviceOs,
    DeviceOSLanguage: d.deviceOsLanguage,
    DeviceTelephoneNumber: d.deviceTelephoneNumber,
    DeviceType: d.deviceType,
    DeviceUserAgent: d.deviceUserAgent,
    DeviceModel: d.deviceModel,
    FirstSyncTime: exoDate(d.firstSyncTime),
    UserDisplayName: userDisplayName(org, d),
    'DeviceAccessState@data.type': 'Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState',
    DeviceAccessState: d.accessState,
    'DeviceAccessStateReason@data.type': 'Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessStateReason',
    DeviceAccessStateReason: d.accessStateReason,
    DeviceAccessControlRule: d.accessControlRule,
    ClientVersion: d.activeSyncVersion,
    ClientType: d.clientType,
    IsManaged: d.isManaged,
    IsCompliant: d.isCompliant,
    IsDisabled: d.isDisabled,
    DeviceActiveSyncVersion: d.activeSyncVersion,
    'ProvisioningFlags@odata.type': '#Int32',
    ProvisioningFlags: d.provisioningFlags,
    AdminDisplayName: null,
    ExchangeVersion: '0.10 (14.1.100.0)',
    Name: org.deviceName(d),
    DistinguishedName: org.deviceDistinguishedName(d),
    Identity: identity,
  };
  guidProp(o, 'Guid', d.guid);
  o.ObjectCategory = 'EURPR01A005.PROD.OUTLOOK.COM/Configuration/Schema/ms-Exch-Active-Sync-Device';
  listProp(o, 'ObjectClass', ['top', 'msExchActiveSyncDevice']);
  times(o, d.whenCreated, d.whenChanged);
  o.OrganizationId = organizationId(org);
  o.Id = identity;
  o.OriginatingServer = EXCHANGE_SERVER;
  o.IsValid = true;
  o.ObjectState = OBJECT_STATE;
  return o;
}

export function mobileDeviceStatisticsObject(org: Org, d: Device): WireObject {
  const o: WireObject = {
    FirstSyncTime: exoDate(d.firstSyncTime),
    LastPolicyUpdateTime: exoDate(d.lastPolicyUpdateTime),
    LastSyncAttemptTime: exoDate(d.lastSyncAttemptTime),
    LastSuccessSync: exoDate(d.lastSuccessSync),
    DeviceType: d.deviceType,
    DeviceID: d.deviceId,
    DeviceUserAgent: d.deviceUserAgent,
    DeviceWipeSentTime: exoDate(d.fullWipe.sentTime),
    DeviceWipeRequestTime: exoDate(d.fullWipe.requestTime),
    DeviceWipeAckTime: exoDate(d.fullWipe.ackTime),
    AccountOnlyDeviceWipeSentTime: exoDate(d.accountOnlyWipe.sentTime),
    AccountOnlyDeviceWipeRequestTime: exoDate(d.accountOnlyWipe.requestTime),
    AccountOnlyDeviceWipeAckTime: exoDate(d.accountOnlyWipe.ackTime),
    LastPingHeartbeat: d.clientType === 'EAS' ? 540 : null,
    RecoveryPassword: '********',
    DeviceModel: d.deviceModel,
    DeviceImei: d.deviceImei,
    DeviceFriendlyName: d.friendlyName,
    DeviceOS: d.deviceOs,
    DeviceOSLanguage: d.deviceOsLanguage,
    DevicePhoneNumber: d.deviceTelephoneNumber,
    MailboxLogReport: null,
    DeviceEnableOutboundSMS: false,
    DeviceMobileOperator: d.deviceMobileOperator,
    Identity: org.deviceIdentity(d),
  };
  guidProp(o, 'Guid', d.guid);
  Object.assign(o, {
    IsRemoteWipeSupported: d.isRemoteWipeSupported,
    Status: org.status(d),
    StatusNote: org.statusNote(d),
    DeviceAccessState: d.accessState,
    DeviceAccessStateReason: d.accessStateReason,
    DeviceAccessControlRule: d.accessControlRule,
    DevicePolicyApplied: org.effectivePolicy(d.mailbox).name,
    DevicePolicyApplicationStatus: d.policyApplicationStatus,
    LastDeviceWipeRequestor: d.lastDeviceWipeRequestor,
    LastAccountOnlyDeviceWipeRequestor: d.lastAccountOnlyDeviceWipeRequestor,
    ClientVersion: d.activeSyncVersion,
    'NumberOfFoldersSynced@odata.type': '#Int32',
    NumberOfFoldersSynced: d.numberOfFoldersSynced,
    SyncStateUpgradeTime: null,
    ClientType: d.clientType,
    IsValid: true,
    ObjectState: 'New',
  });
  return o;
}

/** Get-MobileDevice -Filter: Exchange's fixed list of filterable device properties. */
export function deviceFilterProperties(org: Org): FilterProperties<Device> {
  return {
    ClientType: { get: (d) => d.clientType },
    DeviceAccessControlRule: { get: (d) => d.accessControlRule },
    DeviceAccessState: { get: (d) => d.accessState },
    DeviceAccessStateReason: { get: (d) => d.accessStateReason },
    DeviceActiveSyncVersion: { get: (d) => d.activeSyncVersion },
    DeviceId: { get: (d) => d.deviceId },
    DeviceImei: { get: (d) => d.deviceImei },
    DeviceMobileOperator: { get: (d) => d.deviceMobileOperator },
    DeviceModel: { get: (d) => d.deviceModel },
    DeviceOS: { get: (d) => d.deviceOs },
    DeviceOSLanguage: { get: (d) => d.deviceOsLanguage },
    DeviceTelephoneNumber: { get: (d) => d.deviceTelephoneNumber },
    DeviceType: { get: (d) => d.deviceType },
    DeviceUserAgent: { get: (d) => d.deviceUserAgent },
    FirstSyncTime: { get: (d) => d.firstSyncTime, date: true },
    FriendlyName: { get: (d) => d.friendlyName },
    ProvisioningFlags: { get: (d) => d.provisioningFlags },
    UserDisplayName: { get: (d) => userDisplayName(org, d) },
  };
}

// ---- configuration objects -----------------------------------------------------

/**
 * Get-MobileDeviceMailboxPolicy: every setting in Exchange's display form, in Exchange's
 * order. Over REST each value is its .NET value serialised: booleans as JSON booleans,
 * Int32 as numbers (MinPasswordLength null when unset), Unlimited<T> as strings
 * (`"Unlimited"`, or the value's ToString: `"8"`), time spans as TimeSpan strings
 * (`"00:15:00"`, `"90.00:00:00"`), sizes as ByteQuantifiedSize strings
 * (`"10 MB (10,485,760 bytes)"`), lists as arrays. Sources: the reference ("Values read
 * back"), a public REST capture of Get-Mailbox (`"RecipientLimits":"500"` for an
 * Unlimited<int>, `"MaxSendSize":"35 MB (36,700,160 bytes)"`), and a posture tool's test
 * data validating Get-MobileDeviceMailboxPolicy output (github.com/lindyw/ng-report-lib,
 * baselines.data.ts: PasswordHistory, MinPasswordLength and MinPasswordComplexCharacters
 * numbers, PasswordExpiration and MaxInactivityTimeLock the string "Unlimited").
 */
export function mailboxPolicyObject(org: Org, p: MailboxPolicy): WireObject {
  const o: WireObject = {};
  for (const s of POLICY_SETTINGS) {
    const value = p.settings.get(s.mirrorOf ?? s.name) ?? null;
    if (s.spec.kind === 'stringList') listProp(o, s.name, (value as string[] | null) ?? []);
    else if (value === null) o[s.name] = null;
    else {
      if (s.spec.kind === 'int') o[`${s.name}@odata.type`] = '#Int32';
      o[s.name] = settingToWire(s.spec, value);
    }
    if (s.name === IS_DEFAULT_AFTER) o.IsDefault = p.isDefault;
  }
  return configurationTail(o, org, {
    name: p.name,
    identity: p.name,
    dn: org.policyDn(p.name),
    guid: p.guid,
    category: 'ms-Exch-Mobile-Mailbox-Policy',
    objectClass: ['top', 'msExchRecipientTemplate', 'msExchMobileMailboxPolicy'],
    created: p.whenCreated,
    changed: p.whenChanged,
  });
}

/** Get-ActiveSyncDeviceAccessRule: QueryString, Characteristic, AccessLevel (Exchange 2016's ActiveSyncDeviceAccessRule), then the usual tail. */
export function accessRuleObject(org: Org, r: AccessRule): WireObject {
  const o: WireObject = { QueryString: r.queryString, Characteristic: r.characteristic, AccessLevel: r.accessLevel };
  return configurationTail(o, org, {
    name: r.name,
    identity: r.name,
    dn: org.ruleDn(r.name),
    guid: r.guid,
    category: 'ms-Exch-Device-Access-Rule',
    objectClass: ['top', 'msExchDeviceAccessRule'],
    created: r.whenCreated,
    changed: r.whenChanged,
  });
}

/**
 * Get-ActiveSyncOrganizationSettings, with the properties in the order a live survey of
 * Exchange Online shows them (DefaultAccessLevel, TenantAdminPreference, UserMailInsert,
 * AllowAccessForUnSupportedPlatform, EnableMobileMailboxPolicyWhenCAInplace,
 * AllowRMSSupportForUnenlightenedApps, AdminMailRecipients, OtaNotificationMailInsert,
 * DeviceFiltering, Name, IsIntuneManaged, HasAzurePremiumSubscription, OtherWellKnownObjects, ...).
 */
export function orgSettingsObject(org: Org, s: OrgSettings): WireObject {
  const o: WireObject = {
    DefaultAccessLevel: s.defaultAccessLevel,
    TenantAdminPreference: s.tenantAdminPreference,
    UserMailInsert: s.userMailInsert,
    AllowAccessForUnSupportedPlatform: s.allowAccessForUnSupportedPlatform,
    EnableMobileMailboxPolicyWhenCAInplace: s.enableMobileMailboxPolicyWhenCAInplace,
    AllowRMSSupportForUnenlightenedApps: s.allowRMSSupportForUnenlightenedApps,
  };
  listProp(o, 'AdminMailRecipients', s.adminMailRecipients);
  Object.assign(o, {
    OtaNotificationMailInsert: s.otaNotificationMailInsert,
    // Device filters are managed only through Set-ActiveSyncOrganizationSettings' on-premises filter switches: none here.
    DeviceFiltering: null,
    Name: ORG_SETTINGS_NAME,
    IsIntuneManaged: s.isIntuneManaged,
    HasAzurePremiumSubscription: s.hasAzurePremiumSubscription,
  });
  listProp(o, 'OtherWellKnownObjects', []);
  const tail = configurationTail(o, org, {
    name: ORG_SETTINGS_NAME,
    identity: ORG_SETTINGS_NAME,
    dn: org.configurationDn(ORG_SETTINGS_NAME),
    guid: s.guid,
    category: 'ms-Exch-Active-Sync-Device-Settings',
    objectClass: ['top', 'container', 'msExchActiveSyncDevices'],
    created: s.whenCreated,
    changed: s.whenChanged,
  });
  return tail;
}
