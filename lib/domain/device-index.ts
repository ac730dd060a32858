/**
 * The inventory's secondary indexes: for the filters whose matches are few among many
 * (a quarantined or blocked device, a wipe, missing statistics, an old ActiveSync, a
 * removed partnership; not the policy status, which about one device in seven misses:
 * a scan finds a page of those within a few hundred records), the devices table holds one small entry per member next to the
 * device record, written in the same transaction (lib/storage/device-index-store.ts). A
 * filtered page then reads the members, not the table.
 *
 * Membership is a function of the stored record alone, so every write knows the entries
 * its record needs without reading anything. An entry left behind when a device leaves a
 * set is harmless: a listing re-reads each member's record and matches it in full, and
 * the full sync's repair pass removes such entries. INDEX_VERSION changes whenever this
 * function does; until the repair has built the current version, listings scan.
 */
import type { DeviceRecord, StatisticsFacts } from './device';
import { wipeOnDevice } from './device-action';
import { compareVersions, versionOf, type InventoryQuery } from './inventory-query';

export const DEVICE_INDEX_VERSION = 1;

/** Devices below this ActiveSync version are indexed (the "below 16.1" before a platform change). */
const OLD_ACTIVESYNC = [16, 1];

export type IndexedFields = Pick<
  DeviceRecord,
  | 'removed'
  | 'accessState'
  | 'statisticsUnavailable'
  | 'activeSyncVersion'
  | 'devicePolicyApplicationStatus'
  | 'wipeRequestTime'
  | 'wipeSentTime'
  | 'wipeAckTime'
  | 'accountOnlyWipeRequestTime'
  | 'accountOnlyWipeSentTime'
  | 'accountOnlyWipeAckTime'
  | 'lastWipeRequestor'
  | 'status'
  | 'lastSyncAttemptTime'
  | 'lastSuccessSync'
>;

/** What an index membership reads of a record (a projection is enough). */
export const INDEXED_FIELDS: readonly (keyof IndexedFields)[] = [
  'removed',
  'accessState',
  'statisticsUnavailable',
  'activeSyncVersion',
  'devicePolicyApplicationStatus',
  'wipeRequestTime',
  'wipeSentTime',
  'wipeAckTime',
  'accountOnlyWipeRequestTime',
  'accountOnlyWipeSentTime',
  'accountOnlyWipeAckTime',
  'lastWipeRequestor',
  'status',
  'lastSyncAttemptTime',
  'lastSuccessSync',
];

/** An access state as part of an index name; null for Allowed (most devices) and values that are not one word. */
function accessIndex(state: string | null | undefined): string | null {
  const s = (state ?? '').toLowerCase();
  return /^[a-z0-9]{1,40}$/.test(s) && s !== 'allowed' ? `access-${s}` : null;
}

/** The indexes a stored record belongs to (names are RowKey-safe). A removed record is only in `removed`. */
export function indexesOf(d: IndexedFields): string[] {
  if (d.removed) return ['removed'];
  const out: string[] = [];
  const access = accessIndex(d.accessState);
  if (access) out.push(access);
  const wipe = wipeOnDevice(d as unknown as StatisticsFacts); // reads only wipe, status and last-contact fields, all in IndexedFields
  if (wipe) out.push(`wipe-${wipe.state}`);
  if (d.wipeAckTime || d.accountOnlyWipeAckTime) out.push('wiped');
  if (d.statisticsUnavailable !== null) out.push('stats-unavailable');
  const v = versionOf(d.activeSyncVersion);
  if (v && compareVersions(v, OLD_ACTIVESYNC) < 0) out.push('activesync-below-16.1');
  return out;
}

/**
 * The index whose members include every device the query matches, or null (scan). The
 * query is still matched in full on each member's record; the order picks the set that is
 * usually smallest.
 */
export function indexForQuery(q: InventoryQuery): string | null {
  if (q.removed) return 'removed';
  if (q.wipeState === 'pending' || q.wipeState === 'acknowledged') return `wipe-${q.wipeState}`;
  if (q.wipedWithinDays !== undefined) return 'wiped';
  const access = q.accessState === undefined ? null : accessIndex(q.accessState);
  if (access) return access;
  if (q.statisticsUnavailable === true) return 'stats-unavailable';
  const below = versionOf(q.activeSyncVersionBelow);
  if (below && compareVersions(below, OLD_ACTIVESYNC) <= 0) return 'activesync-below-16.1';
  return null;
}
