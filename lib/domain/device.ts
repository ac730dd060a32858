/**
 * The inventory record of one mobile device partnership, as the connector keeps it.
 * Pure data: built by the domain from Exchange objects, stored by lib/storage.
 * Times are ISO 8601 strings (UTC) or null; null sync times of Outlook mobile mean
 * "unknown", never "never synced".
 */

/** What Get-MobileDevice tells of one partnership, normalised. */
export interface ListingFacts {
  /** Exchange `Guid` of the partnership (lower case): the stable key. */
  deviceGuid: string;
  /** Exchange `Identity`. */
  identity: string;
  /** The mailbox the partnership belongs to (Exchange mailbox Name, first segment of Identity). */
  mailbox: string;
  /** ActiveSync `DeviceId`. */
  deviceId: string;
  deviceType: string | null;
  deviceModel: string | null;
  deviceOs: string | null;
  deviceUserAgent: string | null;
  friendlyName: string | null;
  clientType: string | null;
  deviceImei: string | null;
  deviceMobileOperator: string | null;
  accessState: string | null;
  accessStateReason: string | null;
  accessControlRule: string | null;
  firstSyncTime: string | null;
  whenChanged: string | null;
  whenCreated: string | null;
  isManaged: boolean | null;
  isCompliant: boolean | null;
  isDisabled: boolean | null;
  /** DeviceActiveSyncVersion: the ActiveSync protocol the device speaks ("16.1"); Exchange gives none for Outlook mobile. */
  activeSyncVersion: string | null;
}

/** What Get-MobileDeviceStatistics tells of one partnership, normalised. */
export interface StatisticsFacts {
  lastSuccessSync: string | null;
  lastSyncAttemptTime: string | null;
  lastPolicyUpdateTime: string | null;
  devicePolicyApplied: string | null;
  devicePolicyApplicationStatus: string | null;
  status: string | null;
  wipeRequestTime: string | null;
  wipeSentTime: string | null;
  wipeAckTime: string | null;
  accountOnlyWipeRequestTime: string | null;
  accountOnlyWipeSentTime: string | null;
  accountOnlyWipeAckTime: string | null;
  lastWipeRequestor: string | null;
  /** IsRemoteWipeSupported: false for a device that cannot take a remote wipe (a wipe of it ends DeviceBlocked). */
  isRemoteWipeSupported: boolean | null;
}

/** The user behind a partnership: UPN and primary SMTP address can differ. */
export interface UserFacts {
  upn: string | null;
  displayName: string | null;
  primarySmtp: string | null;
}

export interface DeviceRecord extends ListingFacts, StatisticsFacts {
  tenantId: string;
  /** Readable unique name `<user>_<deviceType>[_n]`, decided at first sight, stable afterwards. */
  name: string;
  userUpn: string | null;
  userDisplayName: string | null;
  userPrimarySmtp: string | null;
  /**
   * Why this partnership carries no statistics: Get-MobileDeviceStatistics failed for its
   * mailbox (e.g. the mailbox was deleted after the listing); null when they were read.
   * The next sync asks again.
   */
  statisticsUnavailable: string | null;
  /** Inactive beyond the configured days (never for unknown sync times). */
  stale: boolean;
  /** When the connector first stored this partnership. */
  firstSeen: string;
  /** When the connector last wrote a change to this record. */
  lastSeen: string;
  removed: boolean;
  removedAt: string | null;
  /** Hash of the Exchange-derived content; a record is written only when it changes. */
  contentHash: string;
  /** Hash of the Get-MobileDevice fields alone: a delta sync compares it to spot changed partnerships without statistics calls. */
  listingHash: string;
}
