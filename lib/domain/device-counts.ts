/**
 * Counting the inventory by what its reports group devices by (OS, type, model, client
 * type, access state, ActiveSync version). Pure: no I/O.
 *
 * A device's six values travel as one key string (its "facets"), so a sync can keep one
 * shared string per distinct combination instead of six strings per device: a tenant of
 * 100,000 devices has a few thousand combinations at most, and the full sync's memory is
 * within 2 MB of its target (README "Measured figures").
 */
import type { ListingFacts } from './device';

export const COUNT_DIMENSIONS = ['os', 'type', 'model', 'clientType', 'accessState', 'activeSyncVersion'] as const;
export type CountDimension = (typeof COUNT_DIMENSIONS)[number];

export type Facets = Pick<ListingFacts, 'deviceOs' | 'deviceType' | 'deviceModel' | 'clientType' | 'accessState' | 'activeSyncVersion'>;

export interface CountRow {
  /** null: Exchange gave no value (e.g. no ActiveSync version for Outlook mobile). */
  value: string | null;
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
}

/** Rows kept per dimension: device models are free text, so a tenant could hold many. */
export const MAX_ROWS = 1_000;
/** Exact OS strings vary by build; the first word + major version is the report, these a detail. */
export const MAX_EXACT_OS_ROWS = 200;

/** One device's values as a key: a JSON array in COUNT_DIMENSIONS order, the OS exact. */
export function facetKeyOf(f: Facets): string {
  return JSON.stringify([f.deviceOs ?? null, f.deviceType ?? null, f.deviceModel ?? null, f.clientType ?? null, f.accessState ?? null, f.activeSyncVersion ?? null]);
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

const byCountThenValue = (a: CountRow, b: CountRow) => b.count - a.count || (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

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
    let total = 0;
    for (const [key, n] of this.byKey) {
      const values = JSON.parse(key) as (string | null)[];
      total += n;
      exact.set(values[0], (exact.get(values[0]) ?? 0) + n);
      values[0] = osFamilyOf(values[0]);
      maps.forEach((m, i) => m.set(values[i], (m.get(values[i]) ?? 0) + n));
    }
    const dimensions = {} as Record<CountDimension, CountRow[]>;
    const other = {} as Record<CountDimension, number>;
    COUNT_DIMENSIONS.forEach((d, i) => {
      const r = rowsOf(maps[i], MAX_ROWS);
      dimensions[d] = r.rows;
      other[d] = r.other;
    });
    return { total, dimensions, other, exactOs: rowsOf(exact, MAX_EXACT_OS_ROWS).rows };
  }
}
