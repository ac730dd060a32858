/**
 * Counting the inventory by what its reports group devices by (OS, type, model, client
 * type, access state, ActiveSync version, and the mailbox policy with its application
 * status). Pure: no I/O.
 *
 * A device's values travel as one key string (its "facets"), so a sync can keep one
 * shared string per distinct combination instead of eight strings per device: a tenant of
 * 100,000 devices has a few thousand combinations at most, and the full sync's memory is
 * within 2 MB of its target (README "Measured figures"). A stale device's key also names
 * its owner (the stale-by-user report): one string per stale user and combination, so
 * only stale devices cost more than a shared key.
 */
import type { DeviceRecord, ListingFacts } from './device';

export const COUNT_DIMENSIONS = ['os', 'type', 'model', 'clientType', 'accessState', 'activeSyncVersion'] as const;
export type CountDimension = (typeof COUNT_DIMENSIONS)[number];

export type Facets = Pick<ListingFacts, 'deviceOs' | 'deviceType' | 'deviceModel' | 'clientType' | 'accessState' | 'activeSyncVersion'>;

export interface CountRow {
  /** null: Exchange gave no value (e.g. no ActiveSync version for Outlook mobile). */
  value: string | null;
  count: number;
}

/** What the sync's report key holds (reportKeyOf): the six facets, the policy pair, and for a stale device its owner. */
export type ReportFacts = Facets & Pick<DeviceRecord, 'devicePolicyApplied' | 'devicePolicyApplicationStatus' | 'stale' | 'userUpn' | 'userPrimarySmtp' | 'mailbox'>;

/** Devices by mailbox policy (DevicePolicyApplied) and its DevicePolicyApplicationStatus, as Exchange gave them. */
export interface PolicyCountRow {
  policy: string | null;
  status: string | null;
  count: number;
}

export interface DeviceCounts {
  /** Devices counted (stored, not removed). */
  total: number;
  /** Per dimension, count descending; at most MAX_ROWS rows. */
  dimensions: Record<CountDimension, CountRow[]>;
  /** Devices in the rows left out beyond MAX_ROWS, per dimension (0 when none). */
  other: Record<CountDimension, number>;
  /** The exact DeviceOS strings (build numbers included), at most MAX_EXACT_OS_ROWS rows. */
  exactOs: CountRow[];
  /**
   * By policy and status, count descending, at most MAX_ROWS rows (`other`: the devices
   * beyond). Absent in counts saved before the policy was counted.
   */
  policyCompliance?: { rows: PolicyCountRow[]; other: number };
}

/** Rows kept per dimension: device models are free text, so a tenant could hold many. */
export const MAX_ROWS = 1_000;
/** Exact OS strings vary by build; the first word + major version is the report, these a detail. */
export const MAX_EXACT_OS_ROWS = 200;

/** One device's values as a key: a JSON array in COUNT_DIMENSIONS order, the OS exact. */
export function facetKeyOf(f: Facets): string {
  return JSON.stringify([f.deviceOs ?? null, f.deviceType ?? null, f.deviceModel ?? null, f.clientType ?? null, f.accessState ?? null, f.activeSyncVersion ?? null]);
}

/**
 * The sync's key of a device: facetKeyOf's six values, then DevicePolicyApplied and
 * DevicePolicyApplicationStatus, then (stale devices only) the owner: the UPN, else the
 * primary SMTP address, else the mailbox Name (resolved through the mailbox, never the
 * Identity prefix). A key saved before the policy pair was kept has six values only:
 * the pair counts as null.
 */
export function reportKeyOf(f: ReportFacts): string {
  const values = [f.deviceOs ?? null, f.deviceType ?? null, f.deviceModel ?? null, f.clientType ?? null, f.accessState ?? null, f.activeSyncVersion ?? null, f.devicePolicyApplied ?? null, f.devicePolicyApplicationStatus ?? null];
  if (f.stale) values.push(f.userUpn ?? f.userPrimarySmtp ?? f.mailbox ?? null);
  return JSON.stringify(values);
}

const OWNER = 8;

/** The owner a stale device's key names; null for a key without one (not stale, or saved before owners were kept). */
export function staleOwnerOf(key: string | undefined): string | null {
  if (!key) return null;
  const values = JSON.parse(key) as (string | null)[];
  return values.length > OWNER ? values[OWNER] : null;
}

/** A device whose values are unknown (a summary stored before they were kept): counted with null everywhere. */
export const UNKNOWN_FACETS = facetKeyOf({ deviceOs: null, deviceType: null, deviceModel: null, clientType: null, accessState: null, activeSyncVersion: null });

/**
 * The OS as the report groups it: its first word and major version ("iOS 16.7.10 20H350"
 * -> "iOS 16", "Android 15.0.0" -> "Android 15"), the form the bulk actions' `os` filter
 * takes as a prefix. A first word without a version stays as it is.
 */
export function osFamilyOf(os: string | null): string | null {
  const m = os ? /^(\S+)(?:\s+(\d+))?/.exec(os.trim()) : null;
  if (!m) return null;
  return m[2] !== undefined ? `${m[1]} ${m[2]}` : m[1];
}

/** Ascending, null after every value. */
export const compareNullLast = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0);

const byCountThenValue = (a: CountRow, b: CountRow) => b.count - a.count || compareNullLast(a.value, b.value);

function rowsOf(m: Map<string | null, number>, max: number): { rows: CountRow[]; other: number } {
  const all = [...m].map(([value, count]) => ({ value, count })).sort(byCountThenValue);
  const rows = all.slice(0, max);
  return { rows, other: all.slice(max).reduce((n, r) => n + r.count, 0) };
}

/** Devices counted by their facet key; a small map whatever the number of devices. */
export class DeviceCounter {
  private readonly byKey = new Map<string, number>();

  add(key: string | undefined, n = 1): void {
    const k = key ?? UNKNOWN_FACETS;
    this.byKey.set(k, (this.byKey.get(k) ?? 0) + n);
  }

  /** Adds what another counter holds (the devices a run stored first, counted as they were written). */
  addAll(other: DeviceCounter): void {
    for (const [k, n] of other.byKey) this.add(k, n);
  }

  counts(): DeviceCounts {
    const maps = COUNT_DIMENSIONS.map(() => new Map<string | null, number>());
    const exact = new Map<string | null, number>();
    // Keyed by the pair as JSON: a policy name may hold any character.
    const pairs = new Map<string, number>();
    let total = 0;
    for (const [key, n] of this.byKey) {
      const values = JSON.parse(key) as (string | null)[];
      total += n;
      exact.set(values[0], (exact.get(values[0]) ?? 0) + n);
      values[0] = osFamilyOf(values[0]);
      maps.forEach((m, i) => m.set(values[i] ?? null, (m.get(values[i] ?? null) ?? 0) + n));
      const pair = JSON.stringify([values[6] ?? null, values[7] ?? null]);
      pairs.set(pair, (pairs.get(pair) ?? 0) + n);
    }
    const dimensions = {} as Record<CountDimension, CountRow[]>;
    const other = {} as Record<CountDimension, number>;
    COUNT_DIMENSIONS.forEach((d, i) => {
      const r = rowsOf(maps[i], MAX_ROWS);
      dimensions[d] = r.rows;
      other[d] = r.other;
    });
    const policyRows = [...pairs].map(([pair, count]): PolicyCountRow => {
      const [policy, status] = JSON.parse(pair) as [string | null, string | null];
      return { policy, status, count };
    });
    policyRows.sort((a, b) => b.count - a.count || compareNullLast(a.policy, b.policy) || compareNullLast(a.status, b.status));
    return {
      total,
      dimensions,
      other,
      exactOs: rowsOf(exact, MAX_EXACT_OS_ROWS).rows,
      policyCompliance: { rows: policyRows.slice(0, MAX_ROWS), other: policyRows.slice(MAX_ROWS).reduce((n, r) => n + r.count, 0) },
    };
  }
}
