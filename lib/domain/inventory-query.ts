/**
 * The inventory's filters (GET /api/devices, the collections and the bulk actions, which
 * take the same filters without `removed`): what a device must match. Text filters ignore case (Exchange's own comparisons do, and an
 * administrator types "iphone" as often as "iPhone"); prefixes are prefixes of the whole
 * value. Times compare as instants. A device whose last sync is unknown (Outlook mobile
 * reports none) is never "before" or "after" anything and never stale: unknown is not
 * inactive.
 */
import type { DeviceRecord } from './device';
import { isStale } from './inventory';
import { wipeOnDevice } from './device-action';

export type WipeStateFilter = 'pending' | 'acknowledged' | 'none';

export interface InventoryQuery {
  /** UPN, SMTP address or display name prefix. */
  user?: string;
  deviceType?: string;
  model?: string;
  /** Prefix, e.g. `iOS 17`. */
  os?: string;
  clientType?: string;
  accessState?: string;
  stale?: boolean;
  /** Default false: removed partnerships are kept in the inventory but not listed unless asked. */
  removed?: boolean;
  wipeState?: WipeStateFilter;
  lastSyncBefore?: string;
  lastSyncAfter?: string;
  /** Prefix of the readable name (`jdoe_iPhone_2`). */
  name?: string;
  /** The mailbox policy the device reports applied (DevicePolicyApplied), exact. */
  policy?: string;
  statisticsUnavailable?: boolean;
  /** The device acknowledged a wipe within this many days (the "recently wiped" collection). */
  wipedWithinDays?: number;
  /** DevicePolicyApplicationStatus is AppliedInFull (false: partly, not applied, or unknown). */
  policyAppliedInFull?: boolean;
  /** DeviceActiveSyncVersion below this (e.g. `16.1`, before a platform change); an unknown version is never below. */
  activeSyncVersionBelow?: string;
  /** DeviceActiveSyncVersion at least this. */
  activeSyncVersionAtLeast?: string;
}

/** `16.1` -> [16, 1]; null when it is not a dotted version. */
export function versionOf(v: string | null | undefined): number[] | null {
  if (!v || !/^\d+(\.\d+)*$/.test(v.trim())) return null;
  return v.trim().split('.').map(Number);
}

/** Negative when a < b, as dotted versions (16.1 > 16.0 > 14.1 > 2.5). */
export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

const lower = (v: string | null | undefined) => (v ?? '').toLowerCase();
const at = (v: string | null) => (v ? Date.parse(v) : NaN);

/**
 * Every record field matchesQuery reads: a projection of these matches as the record does
 * (the sorted listing scans one; test/unit/device-index.test.ts holds them equal).
 */
export const MATCH_FIELDS = [
  'removed', 'lastSuccessSync', 'deviceType', 'deviceModel', 'deviceOs', 'clientType', 'accessState', 'name', 'devicePolicyApplied', 'statisticsUnavailable',
  'userUpn', 'userPrimarySmtp', 'userDisplayName', 'wipeRequestTime', 'wipeSentTime', 'wipeAckTime', 'accountOnlyWipeRequestTime', 'accountOnlyWipeSentTime',
  'accountOnlyWipeAckTime', 'lastWipeRequestor', 'status', 'lastSyncAttemptTime', 'activeSyncVersion', 'devicePolicyApplicationStatus',
] as const satisfies readonly (keyof DeviceRecord)[];

/** What matchesQuery needs of a device: a whole record, or a projection of MATCH_FIELDS. */
export type Matchable = Pick<DeviceRecord, (typeof MATCH_FIELDS)[number]>;

export function matchesQuery(d: Matchable, q: InventoryQuery, now: Date, staleAfterDays: number): boolean {
  if (d.removed !== (q.removed ?? false)) return false;
  if (q.stale !== undefined && isStale(d.lastSuccessSync, now, staleAfterDays) !== q.stale) return false;
  if (q.deviceType !== undefined && lower(d.deviceType) !== lower(q.deviceType)) return false;
  if (q.model !== undefined && lower(d.deviceModel) !== lower(q.model)) return false;
  if (q.os !== undefined && !lower(d.deviceOs).startsWith(lower(q.os))) return false;
  if (q.clientType !== undefined && lower(d.clientType) !== lower(q.clientType)) return false;
  if (q.accessState !== undefined && lower(d.accessState) !== lower(q.accessState)) return false;
  if (q.name !== undefined && !lower(d.name).startsWith(lower(q.name))) return false;
  if (q.policy !== undefined && lower(d.devicePolicyApplied) !== lower(q.policy)) return false;
  if (q.statisticsUnavailable !== undefined && (d.statisticsUnavailable !== null) !== q.statisticsUnavailable) return false;
  if (q.user !== undefined) {
    const u = lower(q.user);
    if (![d.userUpn, d.userPrimarySmtp, d.userDisplayName].some((v) => lower(v).startsWith(u))) return false;
  }
  if (q.lastSyncBefore !== undefined && !(at(d.lastSuccessSync) < Date.parse(q.lastSyncBefore))) return false;
  if (q.lastSyncAfter !== undefined && !(at(d.lastSuccessSync) > Date.parse(q.lastSyncAfter))) return false;
  if (q.wipeState !== undefined && (wipeOnDevice(d)?.state ?? 'none') !== q.wipeState) return false;
  if (q.wipedWithinDays !== undefined) {
    const since = now.getTime() - q.wipedWithinDays * 86_400_000;
    if (![d.wipeAckTime, d.accountOnlyWipeAckTime].some((x) => at(x) >= since)) return false;
  }
  if (q.activeSyncVersionBelow !== undefined || q.activeSyncVersionAtLeast !== undefined) {
    const v = versionOf(d.activeSyncVersion);
    if (!v) return false;
    if (q.activeSyncVersionBelow !== undefined && !(compareVersions(v, versionOf(q.activeSyncVersionBelow)!) < 0)) return false;
    if (q.activeSyncVersionAtLeast !== undefined && !(compareVersions(v, versionOf(q.activeSyncVersionAtLeast)!) >= 0)) return false;
  }
  if (q.policyAppliedInFull !== undefined && (d.devicePolicyApplicationStatus === 'AppliedInFull') !== q.policyAppliedInFull) return false;
  return true;
}

/**
 * What Table Storage can filter before sending (exact on stored values): the removed flag
 * and the last-sync range; the rest is matched here. stale=true is a last-sync range too.
 */
export function serverSideOf(q: InventoryQuery, now: Date, staleAfterDays: number): { removed: boolean; lastSuccessSyncBefore?: string; lastSuccessSyncAfter?: string } {
  const cutoff = new Date(now.getTime() - staleAfterDays * 86_400_000).toISOString();
  const before = [q.lastSyncBefore, q.stale === true ? cutoff : undefined].filter((x): x is string => !!x).map((x) => new Date(x).toISOString());
  return {
    removed: q.removed ?? false,
    ...(before.length ? { lastSuccessSyncBefore: before.sort()[0] } : {}),
    ...(q.lastSyncAfter ? { lastSuccessSyncAfter: new Date(q.lastSyncAfter).toISOString() } : {}),
  };
}
