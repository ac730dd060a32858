/**
 * Building inventory records from what Exchange reports, and deciding what changed.
 * Pure: no I/O, the clock is an argument. Two hashes per record:
 * - listingHash covers what Get-MobileDevice returns, so a delta sync can tell a new or
 *   changed partnership from the listing alone (no statistics call);
 * - contentHash covers everything the connector derives, so an unchanged record is
 *   never written again.
 */
import { createHash } from 'node:crypto';
import type { DeviceRecord } from './device';

export type { ListingFacts, StatisticsFacts, UserFacts } from './device';
import type { ListingFacts, StatisticsFacts, UserFacts } from './device';

export const EMPTY_STATISTICS: StatisticsFacts = {
  lastSuccessSync: null,
  lastSyncAttemptTime: null,
  lastPolicyUpdateTime: null,
  devicePolicyApplied: null,
  devicePolicyApplicationStatus: null,
  status: null,
  wipeRequestTime: null,
  wipeSentTime: null,
  wipeAckTime: null,
  accountOnlyWipeRequestTime: null,
  accountOnlyWipeSentTime: null,
  accountOnlyWipeAckTime: null,
  lastWipeRequestor: null,
  isRemoteWipeSupported: null,
};

/**
 * Every listing field, once: typed as a record of ListingFacts' keys, so a field added
 * to ListingFacts and left out here fails to compile instead of silently escaping the
 * listing hash (a delta sync would then never see it change). The order is the packed
 * listing's and the hash's: append, never reorder.
 */
const LISTING_FIELDS: Record<keyof ListingFacts, true> = {
  deviceGuid: true, identity: true, mailbox: true, deviceId: true, deviceType: true, deviceModel: true, deviceOs: true, deviceUserAgent: true, friendlyName: true,
  clientType: true, deviceImei: true, deviceMobileOperator: true, accessState: true, accessStateReason: true, accessControlRule: true, firstSyncTime: true,
  whenChanged: true, whenCreated: true, isManaged: true, isCompliant: true, isDisabled: true, activeSyncVersion: true,
};
export const LISTING_KEYS = Object.keys(LISTING_FIELDS) as (keyof ListingFacts)[];
const STATISTICS_KEYS = Object.keys(EMPTY_STATISTICS) as (keyof StatisticsFacts)[];

function hashOf(values: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 27);
}

/**
 * One partnership's listing facts as one string (a JSON array in LISTING_KEYS order), for
 * holding a whole tenant's listing: about half the memory of the object with its own
 * strings (measured: a 100,000-device listing held as objects kept the full sync above
 * its 300 MB target).
 */
export type PackedListing = string & { readonly __packedListing: unique symbol };

export function packListing(f: ListingFacts): PackedListing {
  return JSON.stringify(LISTING_KEYS.map((k) => f[k] ?? null)) as PackedListing;
}

export function unpackListing(packed: PackedListing): ListingFacts {
  const values = JSON.parse(packed) as unknown[];
  const f: Record<string, unknown> = {};
  for (let i = 0; i < LISTING_KEYS.length; i++) f[LISTING_KEYS[i]] = values[i];
  return f as unknown as ListingFacts;
}

export function listingHashOf(f: ListingFacts): string {
  return hashOf(LISTING_KEYS.map((k) => f[k] ?? null));
}

/**
 * Stale: the last successful sync is older than `staleAfterDays`. Unknown sync times
 * (Outlook mobile reports none) are never stale: unknown is not inactive.
 */
export function isStale(lastSuccessSync: string | null, now: Date, staleAfterDays: number): boolean {
  if (!lastSuccessSync) return false;
  const t = Date.parse(lastSuccessSync);
  if (Number.isNaN(t)) return false;
  return now.getTime() - t > staleAfterDays * 86_400_000;
}

export interface BuildInput {
  tenantId: string;
  listing: ListingFacts;
  statistics: StatisticsFacts;
  /** Why the statistics are missing (EMPTY_STATISTICS is then passed); null or absent when read. */
  statisticsUnavailable?: string | null;
  user: UserFacts;
  /** Name to give when there is no previous record. */
  name: string;
  previous: (Pick<DeviceRecord, 'name' | 'firstSeen' | 'contentHash' | 'removed'> & { lastSeen?: string }) | null;
  now: Date;
  staleAfterDays: number;
}

export type ChangeKind = 'new' | 'changed' | 'unchanged' | 'revived';

/** The record Exchange's facts give now, and how it differs from the stored one. */
export function buildRecord(input: BuildInput): { record: DeviceRecord; change: ChangeKind } {
  const { listing, statistics, user, previous, now } = input;
  const name = previous?.name ?? input.name;
  const stale = isStale(statistics.lastSuccessSync, now, input.staleAfterDays);
  const statisticsUnavailable = input.statisticsUnavailable ?? null;
  // The reason is hashed: a recovered mailbox rewrites its records even when the
  // statistics it now gives are all empty (Outlook mobile reports no sync times).
  const contentHash = hashOf([
    ...LISTING_KEYS.map((k) => listing[k] ?? null),
    ...STATISTICS_KEYS.map((k) => statistics[k] ?? null),
    user.upn, user.displayName, user.primarySmtp, name, stale,
    ...(statisticsUnavailable === null ? [] : [statisticsUnavailable]),
  ]);
  const nowIso = now.toISOString();
  let change: ChangeKind;
  if (!previous) change = 'new';
  else if (previous.removed) change = 'revived';
  else if (previous.contentHash !== contentHash) change = 'changed';
  else change = 'unchanged';
  const record: DeviceRecord = {
    tenantId: input.tenantId,
    ...listing,
    deviceGuid: listing.deviceGuid.toLowerCase(),
    name,
    userUpn: user.upn,
    userDisplayName: user.displayName,
    userPrimarySmtp: user.primarySmtp,
    ...statistics,
    statisticsUnavailable,
    stale,
    firstSeen: previous?.firstSeen ?? nowIso,
    lastSeen: change === 'unchanged' ? (previous!.lastSeen ?? nowIso) : nowIso,
    removed: false,
    removedAt: null,
    contentHash,
    listingHash: listingHashOf(listing),
  };
  return { record, change };
}
