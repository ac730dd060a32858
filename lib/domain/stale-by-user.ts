/**
 * The stale-by-user report: the users whose devices are stale (no successful sync for
 * STALE_AFTER_DAYS; unknown sync times never are), how many each has and their readable
 * names. Pure: the sync adds every stale device it holds and saves the result.
 *
 * Bounded so it fits one table entity (1 MiB; lib/storage/report-repository.ts keeps it
 * under 900,000 characters of JSON): at most MAX_STALE_USERS users, the most stale
 * devices first, MAX_NAMES_PER_USER names each (the count says how many there are), and a
 * budget of characters that a tenant of long names cannot exceed. Users left out are
 * counted in `other`, never lost.
 */
import { compareNullLast } from './device-counts';

export const MAX_STALE_USERS = 1_000;
export const MAX_NAMES_PER_USER = 10;
/** JSON characters the rows may take (names and users are free text; a row costs its text and about 40 characters more). */
export const MAX_STALE_ROW_CHARS = 700_000;

export interface StaleUserRow {
  /** The owner: UPN, else primary SMTP address, else the mailbox Name; null when unknown. */
  user: string | null;
  /** Stale devices of this user. */
  count: number;
  /** Their readable names (jdoe_iPhone_2), sorted, the first MAX_NAMES_PER_USER. */
  names: string[];
}

export interface StaleByUser {
  /** Users with at least one stale device, and those devices (all of them, rows or not). */
  users: number;
  devices: number;
  /** Most stale devices first, then by user. */
  rows: StaleUserRow[];
  /** Users (and their stale devices) beyond the rows kept. */
  other: { users: number; devices: number };
}

export class StaleByUserCounter {
  private readonly byUser = new Map<string | null, string[]>();

  add(user: string | null, name: string): void {
    const names = this.byUser.get(user);
    if (names) names.push(name);
    else this.byUser.set(user, [name]);
  }

  result(): StaleByUser {
    const all = [...this.byUser].map(([user, names]) => ({ user, names }));
    all.sort((a, b) => b.names.length - a.names.length || compareNullLast(a.user, b.user));
    const rows: StaleUserRow[] = [];
    let devices = 0;
    let chars = 0;
    let full = false;
    for (const u of all) {
      devices += u.names.length;
      if (full) continue;
      const names = [...u.names].sort().slice(0, MAX_NAMES_PER_USER);
      const cost = 40 + (u.user?.length ?? 4) + names.reduce((n, x) => n + x.length + 3, 0);
      // The rows stay a prefix of the order: once one does not fit, the rest are `other`.
      if (rows.length >= MAX_STALE_USERS || chars + cost > MAX_STALE_ROW_CHARS) {
        full = true;
        continue;
      }
      chars += cost;
      rows.push({ user: u.user, count: u.names.length, names });
    }
    const keptDevices = rows.reduce((n, r) => n + r.count, 0);
    return { users: all.length, devices, rows, other: { users: all.length - rows.length, devices: devices - keptDevices } };
  }
}
