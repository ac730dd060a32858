/**
 * The emulated organisation's objects, kept compact (times as epoch milliseconds) so
 * 100,000 device partnerships fit easily. Exchange's wire shapes are produced from these
 * by cmdlets/projections.ts; the control interface's views by control.ts.
 */
import type { AccessState, ClientType, GroupKind, WipeResponse } from '../types';
import { SeqList, type Sequenced } from './seq-list';

export type { AccessState, ClientType };

export interface WipeTimes {
  requestTime: number | null;
  sentTime: number | null;
  ackTime: number | null;
}

export interface Device extends Sequenced {
  readonly guid: string;
  readonly mailbox: Mailbox;
  readonly deviceId: string;
  readonly deviceType: string;
  readonly clientType: ClientType;
  deviceModel: string | null;
  deviceOs: string | null;
  deviceOsLanguage: string | null;
  deviceUserAgent: string | null;
  deviceTelephoneNumber: string | null;
  deviceImei: string | null;
  deviceMobileOperator: string | null;
  friendlyName: string | null;
  activeSyncVersion: string | null;
  accessState: AccessState;
  accessStateReason: string;
  accessControlRule: string | null;
  isManaged: boolean;
  isCompliant: boolean;
  isDisabled: boolean;
  provisioningFlags: number;
  firstSyncTime: number | null;
  whenCreated: number;
  whenChanged: number;
  lastSuccessSync: number | null;
  lastSyncAttemptTime: number | null;
  lastPolicyUpdateTime: number | null;
  policyApplicationStatus: string;
  numberOfFoldersSynced: number;
  isRemoteWipeSupported: boolean;
  fullWipe: WipeTimes;
  accountOnlyWipe: WipeTimes;
  /** Which of the two wipe records is current (the latest request), if any. */
  wipeKind: 'full' | 'accountOnly' | null;
  lastDeviceWipeRequestor: string | null;
  lastAccountOnlyDeviceWipeRequestor: string | null;
  wipeNotificationAddresses: string[];
  /** Control only (never on the wire): the device does not connect at all (checkIn skips it). */
  offline: boolean;
  /** Control only: how the device answers a wipe it has taken (see WipeResponse). */
  wipeResponse: WipeResponse;
  /** Control only: when the device last reported that a wipe failed (Exchange records no time for that). */
  lastWipeFailureTime: number | null;
}

/**
 * How a device answers a wipe it has picked up, at its next connection: 'ack' reports
 * success (Exchange sets the ack time), 'fail' reports failure (no ack time: the wipe stays
 * pending and is sent again, as Exchange's provisioning code does), 'silent' never reports.
 */
export type { WipeResponse };

export interface Mailbox extends Sequenced {
  readonly kind: 'mailbox';
  readonly guid: string;
  readonly externalDirectoryObjectId: string;
  readonly alias: string;
  /**
   * Exchange's Name: everything before `\ExchangeActiveSyncDevices\` in every device
   * Identity of this mailbox. Not escaped: it may hold spaces and `/`; on a modern tenant it
   * is usually the ExternalDirectoryObjectId.
   */
  readonly name: string;
  readonly displayName: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly upn: string;
  readonly primarySmtpAddress: string;
  readonly emailAddresses: string[];
  readonly distinguishedName: string;
  readonly department: string | null;
  readonly whenCreated: number;
  whenChanged: number;
  activeSyncEnabled: boolean;
  /** null: the organisation's default policy applies. */
  policy: MailboxPolicy | null;
  allowedDeviceIds: string[];
  blockedDeviceIds: string[];
  /**
   * HasActiveSyncDevicePartnership as Exchange stores it: null follows the partnerships;
   * true/false is a stale value (reference: the flag can be stale, hence
   * Set-CASMailbox -RecalculateHasActiveSyncDevicePartnership).
   */
  partnershipFlag: boolean | null;
  /** Remove-MobileDevice calls counted against EasMaxDeviceDeletesPerMonth: the month (YYYY-MM, UTC) and the count. */
  deletes: { period: string; count: number } | null;
  readonly devices: SeqList<Device>;
  readonly groups: Group[];
}

export interface Group extends Sequenced {
  readonly kind: 'group';
  readonly guid: string;
  readonly externalDirectoryObjectId: string;
  readonly name: string;
  readonly displayName: string;
  readonly alias: string;
  readonly primarySmtpAddress: string;
  readonly distinguishedName: string;
  /** Distribution, mail-enabled security, or Microsoft 365 (GroupMailbox) group. */
  readonly recipientTypeDetails: GroupTypeDetails;
  readonly whenCreated: number;
  whenChanged: number;
  /** Direct members: mailboxes and (nested) groups. Exchange never expands nesting for a member listing. */
  readonly members: SeqList<Recipient>;
  /** The groups this group is a direct member of. */
  readonly groups: Group[];
}

export type GroupTypeDetails = 'MailUniversalDistributionGroup' | 'MailUniversalSecurityGroup' | 'GroupMailbox';

export type Recipient = Mailbox | Group;

export type PolicyValue = boolean | number | string | null | string[];

export interface MailboxPolicy extends Sequenced {
  readonly guid: string;
  name: string;
  isDefault: boolean;
  readonly whenCreated: number;
  whenChanged: number;
  /** Keyed by the canonical parameter name (see policy-settings.ts). */
  readonly settings: Map<string, PolicyValue>;
}

export type AccessLevel = 'Allow' | 'Block' | 'Quarantine';
export type RuleCharacteristic = 'DeviceType' | 'DeviceModel' | 'DeviceOS' | 'UserAgent' | 'XMSWLHeader';

export interface AccessRule extends Sequenced {
  readonly guid: string;
  /** Exchange names a rule `<QueryString> (<Characteristic>)`. */
  readonly name: string;
  readonly queryString: string;
  readonly characteristic: RuleCharacteristic;
  accessLevel: AccessLevel;
  readonly whenCreated: number;
  whenChanged: number;
}

/** Get-/Set-ActiveSyncOrganizationSettings (defaults and sources in org-settings.ts). */
export interface OrgSettings {
  readonly guid: string;
  defaultAccessLevel: AccessLevel;
  adminMailRecipients: string[];
  userMailInsert: string;
  otaNotificationMailInsert: string;
  allowAccessForUnSupportedPlatform: boolean;
  allowRMSSupportForUnenlightenedApps: boolean;
  enableMobileMailboxPolicyWhenCAInplace: boolean;
  tenantAdminPreference: string | null;
  /** Read only: no Set- parameter changes them (control: setOrganizationSettingsByHand may). */
  isIntuneManaged: boolean;
  hasAzurePremiumSubscription: boolean;
  readonly whenCreated: number;
  whenChanged: number;
}

/** What Org.addMailbox takes (the seed and the control interface fill it). */
export interface MailboxInit {
  guid?: string;
  externalDirectoryObjectId?: string;
  alias: string;
  name?: string;
  displayName?: string;
  firstName?: string | null;
  lastName?: string | null;
  upn?: string;
  primarySmtpAddress?: string;
  department?: string | null;
  whenCreated: number;
}

export interface DeviceInit {
  guid?: string;
  mailbox: Mailbox;
  deviceId: string;
  deviceType: string;
  clientType: ClientType;
  deviceModel?: string | null;
  deviceOs?: string | null;
  deviceOsLanguage?: string | null;
  deviceUserAgent?: string | null;
  deviceTelephoneNumber?: string | null;
  deviceImei?: string | null;
  deviceMobileOperator?: string | null;
  friendlyName?: string | null;
  activeSyncVersion?: string | null;
  /** Default: evaluated (individual lists, rules, default access level). */
  access?: { state: AccessState; reason: string; rule: string | null };
  isManaged?: boolean;
  isCompliant?: boolean;
  isDisabled?: boolean;
  provisioningFlags?: number;
  firstSyncTime: number | null;
  whenCreated: number;
  whenChanged?: number;
  lastSuccessSync: number | null;
  lastSyncAttemptTime: number | null;
  lastPolicyUpdateTime?: number | null;
  policyApplicationStatus?: string;
  numberOfFoldersSynced?: number;
  isRemoteWipeSupported?: boolean;
  offline?: boolean;
  wipeResponse?: WipeResponse;
}

export const GROUP_KINDS: Record<GroupKind, Group['recipientTypeDetails']> = {
  distribution: 'MailUniversalDistributionGroup',
  security: 'MailUniversalSecurityGroup',
  unified: 'GroupMailbox',
};

export function groupKind(g: Group): GroupKind {
  return g.recipientTypeDetails === 'GroupMailbox' ? 'unified' : g.recipientTypeDetails === 'MailUniversalSecurityGroup' ? 'security' : 'distribution';
}
