import type { DeviceRecord } from '../../domain/device';
import type { StoredDeviceSummary, SyncDeps } from './ports';

/**
 * Everything a sync keeps in memory about the stored inventory: one small summary per
 * stored partnership (100,000 fit in a few tens of MB), the names taken per mailbox, and
 * the partnerships this run stored for the first time. Partnerships new in this run get
 * no summary: a listing names each partnership once, so only their names matter.
 */
export class StoredIndex {
  readonly byGuid = new Map<string, StoredDeviceSummary & { seen?: boolean }>();
  private readonly namesByMailbox = new Map<string, string[]>();
  private readonly storedThisRun = new Set<string>();

  static async load(deps: SyncDeps): Promise<StoredIndex> {
    const index = new StoredIndex();
    // Many records share their first-seen time (the sync that found them): keep one copy.
    const interned = new Map<string, string>();
    for await (const s of deps.store.summaries(deps.tenantId)) {
      let firstSeen = interned.get(s.firstSeen);
      if (firstSeen === undefined) interned.set(s.firstSeen, (firstSeen = s.firstSeen));
      index.byGuid.set(s.deviceGuid, { deviceGuid: s.deviceGuid, mailbox: s.mailbox, name: s.name, contentHash: s.contentHash, listingHash: s.listingHash, firstSeen, removed: s.removed, stale: s.stale, statisticsUnavailable: s.statisticsUnavailable });
      index.addName(s.mailbox, s.name);
    }
    return index;
  }

  addName(mailbox: string, name: string): void {
    const key = mailbox.toLowerCase();
    const names = this.namesByMailbox.get(key);
    if (names) names.push(name);
    else this.namesByMailbox.set(key, [name]);
  }

  takenNames(mailbox: string): string[] {
    return this.namesByMailbox.get(mailbox.toLowerCase()) ?? [];
  }

  /** Stored this run already: a partnership listed twice is built once. */
  storedByThisRun(guid: string): boolean {
    return this.storedThisRun.has(guid);
  }

  markSeen(guid: string): void {
    const s = this.byGuid.get(guid);
    if (s) s.seen = true;
  }

  /** Records what a written record changed. */
  written(r: DeviceRecord): void {
    const s = this.byGuid.get(r.deviceGuid);
    if (s) {
      s.contentHash = r.contentHash;
      s.listingHash = r.listingHash;
      s.removed = false;
      s.stale = r.stale;
      s.statisticsUnavailable = r.statisticsUnavailable !== null;
    } else {
      this.storedThisRun.add(r.deviceGuid);
      this.addName(r.mailbox, r.name);
    }
  }

  markRemoved(guids: string[]): void {
    for (const g of guids) {
      const s = this.byGuid.get(g);
      if (s) s.removed = true;
    }
  }

  /** The stored inventory as this run leaves it. */
  counts(): { active: number; removed: number } {
    let active = this.storedThisRun.size;
    let removed = 0;
    for (const s of this.byGuid.values()) {
      if (s.removed) removed++;
      else active++;
    }
    return { active, removed };
  }

  /** Stored, not removed, and not seen by this run. */
  unseen(): string[] {
    const out: string[] = [];
    for (const s of this.byGuid.values()) if (!s.removed && !s.seen) out.push(s.deviceGuid);
    return out;
  }
}
