/**
 * Public shapes of the Exchange Online admin API emulator: start options, the running
 * emulator and its control interface (in process, and the same operations over HTTP
 * under /_emulator/...).
 */
import type { Logger } from '../../lib/log';
import type { EmulatorControl } from './control-types';

export interface EmulatorOptions {
  /** Default 0 (a free port). The emulator binds 127.0.0.1 only, plain http. */
  port?: number;
  /** The tenant GUID it serves. */
  tenantId: string;
  /**
   * Verified domains; the URL's tenant segment may be one of these instead of the GUID.
   * A custom (vanity) domain such as `contoso.com` may be listed: page 1 of a listing
   * asked with it (in the URL or the anchor) works, page 2 fails with the expired
   * pagination error, as public reports say; the GUID and `.onmicrosoft.com` page fine.
   */
  tenantDomains?: string[];
  /** Where token signing keys are (https or http). */
  jwksUri: string;
  /** Accepted `iss` values, e.g. https://sts.windows.net/<tenant>/. */
  issuers: string[];
  /** Default https://outlook.office365.com (its trailing-slash form and the Exchange app id are accepted too). */
  audience?: string;
  /** Default Exchange.ManageAsApp. */
  requiredRole?: string;
  /** Lifetime of an @odata.nextLink; default 30 minutes, as Exchange. */
  nextLinkTtlMs?: number;
  /**
   * More cmdlet calls than this in flight at once answer 429 with the per-tenant
   * concurrency text and a Retry-After. Default none (off); control.setTenantConcurrencyLimit changes it.
   */
  tenantConcurrencyLimit?: number | null;
  log?: Logger;
}

export interface ExchangeEmulator {
  /** http://127.0.0.1:<port>, the "Exchange endpoint": clients call `${url}/adminapi/beta/${tenant}/InvokeCommand`. */
  url: string;
  control: EmulatorControl;
  stop(): Promise<void>;
}

export interface SeedOptions {
  devices: number;
  mailboxes: number;
  /** PRNG seed; default 1. The same seed (and the same startDate/asOf) gives the same organisation. */
  seed?: number;
  /** Share of devices that are Outlook for iOS/Android (ClientType Outlook or REST); default 0.3. */
  outlookShare?: number;
  /** Earliest FirstSyncTime (ISO); default three years before asOf. */
  startDate?: string;
  /** The "present" of the seeded data (ISO): sync times are spread up to it. Default: the emulator clock. */
  asOf?: string;
}

/**
 * Well-known seeded objects (present when the org is big enough for them: the first six
 * with devices >= 5 and mailboxes >= 3, the rest with devices >= 8 and mailboxes >= 6).
 */
export interface SeedFixtures {
  /** A mailbox with two EAS iPhones (same DeviceType, same readable name) and one Outlook mobile device. */
  twoSameTypeDevices?: { upn: string; mailboxName: string; deviceType: string; deviceGuids: string[] };
  /** A mailbox whose PrimarySmtpAddress is not its UPN. */
  smtpDiffersFromUpn?: { upn: string; primarySmtpAddress: string; deviceGuids: string[] };
  /** A mailbox whose Name (the first segment of its devices' Identity) is a GUID, not the alias. */
  guidNamedMailbox?: { upn: string; mailboxName: string; deviceGuids: string[] };
  /** An Outlook for iOS/Android device (null sync times in statistics). */
  outlookDeviceGuid?: string;
  /** Blocked through the mailbox's ActiveSyncBlockedDeviceIDs (reason Individual). */
  blockedDeviceGuid?: string;
  /** Quarantined by the seeded device access rule (reason DeviceRule). */
  quarantinedDeviceGuid?: string;
  /** A mailbox whose Name holds a '/' (its devices' Identity too); its one device is an Hx Outlook partnership. */
  slashNamedMailbox?: { upn: string; mailboxName: string; deviceGuids: string[] };
  /** A mailbox whose Name holds spaces; its one device is a REST Outlook partnership. */
  spaceNamedMailbox?: { upn: string; mailboxName: string; deviceGuids: string[] };
  /** A mailbox whose Name is neither its alias nor a GUID. */
  nameDiffersFromAlias?: { upn: string; alias: string; mailboxName: string; deviceGuids: string[] };
  /**
   * A mailbox with partnerships whose HasActiveSyncDevicePartnership is stale (False):
   * a directory read filtered on the flag misses it, the device listing does not.
   */
  stalePartnershipFlag?: { upn: string; mailboxName: string; deviceGuids: string[] };
  /** Outlook mobile partnership named `Hx§Outlook§<id>` (ClientType Outlook). */
  hxOutlookDeviceGuid?: string;
  /** Outlook mobile partnership named `REST§Outlook§<id>` (ClientType REST). */
  restOutlookDeviceGuid?: string;
}

export type GroupKind = 'distribution' | 'security' | 'unified';

/** A group as the control interface shows it. */
export interface GroupView {
  guid: string;
  name: string;
  alias: string;
  primarySmtpAddress: string;
  distinguishedName: string;
  kind: GroupKind;
  recipientTypeDetails: 'MailUniversalDistributionGroup' | 'MailUniversalSecurityGroup' | 'GroupMailbox';
  /** Direct members' Names (mailboxes and groups). */
  members: string[];
}

export interface NewGroupInput {
  name: string;
  kind: GroupKind;
  /** Direct members: mailbox or group identities (Name, alias, SMTP address, Guid...). */
  members?: string[];
  alias?: string;
}

export interface SeedSummary {
  devices: number;
  mailboxes: number;
  mailboxesWithDevices: number;
  groups: { name: string; distinguishedName: string; members: number; kind: GroupKind }[];
  policies: string[];
  accessRules: string[];
  fixtures: SeedFixtures;
  asOf: string;
}

export type ClientType = 'EAS' | 'Outlook' | 'REST';
export type AccessState = 'Allowed' | 'Blocked' | 'Quarantined' | 'DeviceDiscovery' | 'Unknown';

/** A device partnership as the control interface shows it (camelCase, ISO times or null). */
export interface DeviceView {
  guid: string;
  identity: string;
  deviceId: string;
  deviceType: string;
  deviceModel: string | null;
  deviceOs: string | null;
  deviceOsLanguage: string | null;
  deviceUserAgent: string | null;
  deviceTelephoneNumber: string | null;
  deviceImei: string | null;
  deviceMobileOperator: string | null;
  friendlyName: string | null;
  clientType: ClientType;
  accessState: AccessState;
  accessStateReason: string;
  accessControlRule: string | null;
  isManaged: boolean;
  isCompliant: boolean;
  isDisabled: boolean;
  mailbox: { guid: string; name: string; alias: string; upn: string; primarySmtpAddress: string; displayName: string };
  firstSyncTime: string | null;
  whenCreated: string;
  whenChanged: string;
  lastSuccessSync: string | null;
  lastSyncAttemptTime: string | null;
  lastPolicyUpdateTime: string | null;
  status: string;
  deviceWipeRequestTime: string | null;
  deviceWipeSentTime: string | null;
  deviceWipeAckTime: string | null;
  accountOnlyDeviceWipeRequestTime: string | null;
  accountOnlyDeviceWipeSentTime: string | null;
  accountOnlyDeviceWipeAckTime: string | null;
  /** The requestor of the current wipe (either kind); the two fields below keep each kind's. */
  lastDeviceWipeRequestor: string | null;
  lastFullDeviceWipeRequestor: string | null;
  lastAccountOnlyDeviceWipeRequestor: string | null;
  isRemoteWipeSupported: boolean;
  activeSyncVersion: string | null;
  /** DevicePolicyApplicationStatus: AppliedInFull (default), PartiallyApplied, NotApplied, ExternallyManaged, Unknown. */
  policyApplicationStatus: string;
  /** The resolved addresses the wipe confirmation goes to. */
  wipeNotificationAddresses: string[];
  /** Control only: the device never connects (checkIn skips it). */
  offline: boolean;
  /** Control only: how it answers a wipe it took: 'ack' (default), 'fail' (reports failure; stays pending), 'silent' (never answers). */
  wipeResponse: WipeResponse;
  /** Control only: when it last reported a failed wipe. */
  lastWipeFailureTime: string | null;
}

export type WipeResponse = 'ack' | 'fail' | 'silent';

export interface NewDeviceInput {
  /** Any mailbox identity: UPN, SMTP address, alias, Name, GUID or ExternalDirectoryObjectId. */
  mailbox: string;
  deviceType: string;
  deviceId?: string;
  /** Default: Outlook when deviceType is 'Outlook', else EAS. */
  clientType?: ClientType;
  deviceModel?: string | null;
  deviceOs?: string | null;
  deviceOsLanguage?: string | null;
  deviceUserAgent?: string | null;
  deviceTelephoneNumber?: string | null;
  deviceImei?: string | null;
  deviceMobileOperator?: string | null;
  friendlyName?: string | null;
  isManaged?: boolean;
  isCompliant?: boolean;
  /** Default: evaluated like Exchange (individual lists, access rules, default access level). */
  accessState?: AccessState;
  accessStateReason?: string;
  /** ISO; default now. */
  firstSyncTime?: string;
  /** ISO; default now for EAS, null for Outlook mobile. */
  lastSuccessSync?: string | null;
  /** Default true; false makes a wipe request end as Status DeviceBlocked. */
  isRemoteWipeSupported?: boolean;
  /** Default '16.1' for EAS, null for Outlook mobile; below 16.1 an account-only wipe is refused. */
  activeSyncVersion?: string | null;
  offline?: boolean;
  wipeResponse?: WipeResponse;
  /**
   * DevicePolicyApplicationStatus; default AppliedInFull. NotApplied, PartiallyApplied and
   * ExternallyManaged devices are blocked (Policy) by a policy with AllowNonProvisionableDevices false.
   */
  policyApplicationStatus?: string;
}

export type DevicePatch = Partial<
  Pick<
    DeviceView,
    | 'deviceModel'
    | 'deviceOs'
    | 'deviceOsLanguage'
    | 'deviceUserAgent'
    | 'deviceTelephoneNumber'
    | 'deviceImei'
    | 'deviceMobileOperator'
    | 'friendlyName'
    | 'accessState'
    | 'accessStateReason'
    | 'accessControlRule'
    | 'isManaged'
    | 'isCompliant'
    | 'isDisabled'
    | 'lastSuccessSync'
    | 'lastSyncAttemptTime'
    | 'offline'
    | 'wipeResponse'
    | 'isRemoteWipeSupported'
    | 'policyApplicationStatus'
    | 'activeSyncVersion'
  >
>;

export interface MailboxView {
  guid: string;
  externalDirectoryObjectId: string;
  name: string;
  alias: string;
  displayName: string;
  upn: string;
  primarySmtpAddress: string;
  distinguishedName: string;
  activeSyncEnabled: boolean;
  mailboxPolicy: string | null;
  allowedDeviceIds: string[];
  blockedDeviceIds: string[];
  groups: string[];
  devices: number;
  /** What Get-CASMailbox / Get-Recipient report (stale when set so). */
  hasActiveSyncDevicePartnership: boolean;
}

export interface NewMailboxInput {
  alias: string;
  displayName?: string;
  /** Default `<alias>@<first tenant domain>`. */
  upn?: string;
  /** Default the UPN. */
  primarySmtpAddress?: string;
  /** Default the alias. */
  name?: string;
}

export type * from './control-types';
