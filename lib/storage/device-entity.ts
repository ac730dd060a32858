/**
 * A device record as a `devices` table entity: each record property is one entity
 * property of the same name: strings, booleans, times as ISO strings (Edm.DateTime would
 * reformat them). Nulls are not stored and read back as null.
 */
import type { TableEntity } from '@azure/data-tables';
import type { DeviceRecord } from '../domain/device';

/**
 * What change detection needs of a stored device, and no more: it is also exactly the
 * `previous` the domain's buildRecord takes, so a full sync can hold the projections of
 * 100,000 devices instead of their records and skip reading records altogether.
 */
export type DeviceHash = Pick<DeviceRecord, 'deviceGuid' | 'mailbox' | 'contentHash' | 'listingHash' | 'name' | 'userUpn' | 'removed' | 'stale' | 'firstSeen' | 'lastSeen'> & {
  /** Whether the record was stored without statistics (the reason itself is not needed to decide a re-fetch). */
  statisticsUnavailable: boolean;
};

type FieldKind = 'string' | 'string?' | 'boolean' | 'boolean?';

/** Every DeviceRecord property and how it is stored; the compiler keeps it complete. */
const deviceFields = {
  tenantId: 'string',
  deviceGuid: 'string',
  deviceId: 'string',
  identity: 'string',
  mailbox: 'string',
  name: 'string',
  userUpn: 'string?',
  userDisplayName: 'string?',
  userPrimarySmtp: 'string?',
  deviceType: 'string?',
  deviceModel: 'string?',
  deviceOs: 'string?',
  deviceUserAgent: 'string?',
  friendlyName: 'string?',
  clientType: 'string?',
  deviceImei: 'string?',
  deviceMobileOperator: 'string?',
  accessState: 'string?',
  accessStateReason: 'string?',
  accessControlRule: 'string?',
  firstSyncTime: 'string?',
  whenChanged: 'string?',
  whenCreated: 'string?',
  lastSuccessSync: 'string?',
  lastSyncAttemptTime: 'string?',
  lastPolicyUpdateTime: 'string?',
  devicePolicyApplied: 'string?',
  devicePolicyApplicationStatus: 'string?',
  status: 'string?',
  wipeRequestTime: 'string?',
  wipeSentTime: 'string?',
  wipeAckTime: 'string?',
  accountOnlyWipeRequestTime: 'string?',
  accountOnlyWipeSentTime: 'string?',
  accountOnlyWipeAckTime: 'string?',
  lastWipeRequestor: 'string?',
  isRemoteWipeSupported: 'boolean?',
  statisticsUnavailable: 'string?',
  isManaged: 'boolean?',
  isCompliant: 'boolean?',
  isDisabled: 'boolean?',
  activeSyncVersion: 'string?',
  stale: 'boolean',
  firstSeen: 'string',
  lastSeen: 'string',
  removed: 'boolean',
  removedAt: 'string?',
  contentHash: 'string',
  listingHash: 'string',
} as const satisfies Record<keyof DeviceRecord, FieldKind>;

const fieldNames = Object.keys(deviceFields) as (keyof DeviceRecord)[];

function readField(kind: FieldKind, v: unknown): string | boolean | null {
  switch (kind) {
    case 'string':
      return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
    case 'string?':
      return typeof v === 'string' ? v : v === undefined || v === null ? null : String(v);
    case 'boolean':
      return v === true || v === 'true';
    case 'boolean?':
      return v === undefined || v === null ? null : v === true || v === 'true';
  }
}

export function recordFromEntity(e: Record<string, unknown>): DeviceRecord {
  const out: Record<string, unknown> = {};
  for (const f of fieldNames) out[f] = readField(deviceFields[f], e[f]);
  return out as unknown as DeviceRecord;
}

/** Only `fields` of the record, from an entity read with `$select` of them. */
export function pickFromEntity<K extends keyof DeviceRecord>(e: Record<string, unknown>, fields: readonly K[]): Pick<DeviceRecord, K> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = readField(deviceFields[f], e[f]);
  return out as Pick<DeviceRecord, K>;
}

/** The record's properties as entity properties (keys are the repository's). */
export function deviceProperties(r: DeviceRecord): Omit<TableEntity, 'partitionKey' | 'rowKey'> {
  const out: Record<string, unknown> = {};
  for (const f of fieldNames) {
    const v = r[f];
    if (v !== null && v !== undefined) out[f] = v;
  }
  return out;
}

/** What listHashes selects ($select): the DeviceHash properties only. */
export const DEVICE_HASH_FIELDS = ['deviceGuid', 'mailbox', 'contentHash', 'listingHash', 'name', 'userUpn', 'removed', 'stale', 'firstSeen', 'lastSeen', 'statisticsUnavailable'];

export function hashFromEntity(e: Record<string, unknown>): DeviceHash {
  return {
    deviceGuid: readField('string', e.deviceGuid) as string,
    mailbox: (readField('string?', e.mailbox) as string | null) ?? '',
    contentHash: readField('string', e.contentHash) as string,
    listingHash: readField('string', e.listingHash) as string,
    name: readField('string', e.name) as string,
    userUpn: readField('string?', e.userUpn) as string | null,
    removed: readField('boolean', e.removed) as boolean,
    stale: (readField('boolean?', e.stale) as boolean | null) ?? false,
    firstSeen: readField('string', e.firstSeen) as string,
    lastSeen: readField('string', e.lastSeen) as string,
    statisticsUnavailable: readField('string?', e.statisticsUnavailable) !== null,
  };
}
