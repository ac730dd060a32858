/**
 * Everything a sync keeps in memory about the stored inventory: one small summary per
 * stored partnership (100,000 fit in a few tens of MB), the names taken per mailbox, and
 * the partnerships this run stored for the first time. Partnerships new in this run get
 * no entry in `byGuid`: a listing names each partnership once, so only their names matter
 * to the run (their summaries go straight into the next snapshot's compressed rows).
 *
 * Loading: from the inventory snapshot when it is current (a few large reads), else from
 * the device table (one read per stored device; most of a no-change delta's time at
 * 100,000 devices). Keeping the snapshot current: every device write of a run first
 * invalidates it (beforeWrite, conditional on the token the run holds: a head moved by
 * anyone else taints the run), and an untainted run saves a new one after its last write
 * (saveSnapshot), again conditional on that token. A run that fails leaves it invalid, so
 * the next run reads the table: never a wrong index.
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../../errors';
import type { DeviceRecord } from '../../domain/device';
import { DeviceCounter, reportKeyOf, staleOwnerOf, type DeviceCounts } from '../../domain/device-counts';
import { StaleByUserCounter, type StaleByUser } from '../../domain/stale-by-user';
import type { StoredDeviceSummary, SyncDeps } from './ports';

type Summary = StoredDeviceSummary & { seen?: boolean };

/**
 * "Statistics unavailable" as a summary flag, from a record (a reason string, or null) or
 * a summary (a boolean); read loosely so this holds before and after the field exists.
 */
function statisticsUnavailableOf(r: object): { statisticsUnavailable: boolean } {
  const v = (r as { statisticsUnavailable?: unknown }).statisticsUnavailable;
  return { statisticsUnavailable: typeof v === 'string' ? true : v === true };
}

export class StoredIndex {
  readonly byGuid = new Map<string, Summary>();
  private readonly namesByMailbox = new Map<string, string[]>();
  private readonly storedThisRun = new Set<string>();
  /** The next snapshot's rows of the partnerships this run stored first (null: no snapshot store). */
  private fresh: { add(s: StoredDeviceSummary): void } | null = null;
  /** Where this index was read from. */
  source: 'snapshot' | 'table' = 'table';
  /** The snapshot head's version this run may replace (see lib/storage/inventory-snapshot.ts). */
  private token: string | null = null;
  private invalidation: Promise<void> | null = null;
  /** Someone else moved the snapshot head during this run: the index may miss their write. */
  private tainted = false;
  /** One string per distinct facet key (a few thousand at most, shared by 100,000 summaries). */
  private readonly facetKeys = new Map<string, string>();
  /** The partnerships this run stored first, counted as they are written (they get no summary). */
  private readonly freshCounts = new DeviceCounter();
  /** The stale ones among them: report key and readable name, side by side (both strings are held anyway). */
  private readonly freshStaleKeys: string[] = [];
  private readonly freshStaleNames: string[] = [];

  private facetsOf(key: string | undefined): string | undefined {
    if (key === undefined) return undefined;
    let shared = this.facetKeys.get(key);
    if (shared === undefined) this.facetKeys.set(key, (shared = key));
    return shared;
  }

  static async load(deps: SyncDeps): Promise<StoredIndex> {
    const index = new StoredIndex();
    // Many records share their first-seen time (the sync that found them): keep one copy.
    const interned = new Map<string, string>();
    const add = (s: StoredDeviceSummary) => {
      let firstSeen = interned.get(s.firstSeen);
      if (firstSeen === undefined) interned.set(s.firstSeen, (firstSeen = s.firstSeen));
      index.byGuid.set(s.deviceGuid, { deviceGuid: s.deviceGuid, mailbox: s.mailbox, name: s.name, contentHash: s.contentHash, listingHash: s.listingHash, firstSeen, removed: s.removed, stale: s.stale, ...statisticsUnavailableOf(s), facets: index.facetsOf(s.facets) });
      index.addName(s.mailbox, s.name);
    };
    const snapshot = deps.store.snapshot;
    if (snapshot) {
      index.fresh = snapshot.rows();
      try {
        // Read before the table, so a write between the two is seen as a changed token.
        const loaded = await snapshot.load(deps.tenantId);
        index.token = loaded.token;
        if (loaded.summaries) {
          // Fresh objects of exactly the summary's shape already: kept as they are (no second copy of 100,000).
          for (const s of loaded.summaries) {
            s.facets = index.facetsOf(s.facets);
            index.byGuid.set(s.deviceGuid, s);
            index.addName(s.mailbox, s.name);
          }
          index.source = 'snapshot';
          deps.log.info(`Stored inventory loaded from its snapshot (${index.byGuid.size} partnerships, ${loaded.parts} parts)`, { tenantId: deps.tenantId });
          return index;
        }
        deps.log.info(`Stored inventory read from the device table: ${loaded.reason ?? 'no usable snapshot'}`, { tenantId: deps.tenantId });
      } catch (e) {
        // token stays null: a later save then only succeeds if there is no snapshot head at all.
        deps.log.warn(`Could not read the inventory snapshot; reading the device table: ${describeError(e)}`, { tenantId: deps.tenantId });
      }
    }
    for await (const s of deps.store.summaries(deps.tenantId)) add(s);
    return index;
  }

  /** Before every device write of the run; only the first one does anything (invalidates the snapshot). */
  async beforeWrite(deps: SyncDeps): Promise<void> {
    const snapshot = deps.store.snapshot;
    if (!snapshot) return;
    // One after the other, each on the token the previous one returned. A failure fails the
    // write (and every later one): writing behind a still-valid snapshot would make it wrong.
    this.invalidation = (this.invalidation ?? Promise.resolve()).then(async () => {
      const r = await snapshot.invalidate(deps.tenantId, this.token);
      this.token = r.token;
      if (!r.intact) this.tainted = true;
    });
    await this.invalidation;
  }

  /** After the run's last write: the stored inventory as this run leaves it, as the new snapshot. */
  async saveSnapshot(deps: SyncDeps, runId: string): Promise<void> {
    const snapshot = deps.store.snapshot;
    if (!snapshot) return;
    // Loaded from a valid snapshot and nothing written: that snapshot is still exact.
    if (this.source === 'snapshot' && !this.invalidation) return;
    if (this.tainted) {
      deps.log.warn('Inventory snapshot not saved: another writer changed it during this sync; the next sync reads the device table', { tenantId: deps.tenantId });
      return;
    }
    const generation = `${runId}.${randomBytes(3).toString('hex')}`;
    try {
      const rows = this.fresh ?? snapshot.rows();
      this.fresh = null; // one save per run: the rows are consumed
      for (const s of this.byGuid.values()) rows.add(s);
      const r = await snapshot.save(deps.tenantId, generation, rows, this.token);
      if (r.saved) deps.log.info(`Inventory snapshot ${generation} saved (${this.byGuid.size + this.storedThisRun.size} partnerships, ${r.parts} parts)`, { tenantId: deps.tenantId });
      else deps.log.warn(`Inventory snapshot not saved: ${r.reason}; the next sync reads the device table`, { tenantId: deps.tenantId });
    } catch (e) {
      // The sync itself succeeded; without a snapshot the next one only reads more.
      deps.log.warn(`Inventory snapshot not saved: ${describeError(e)}; the next sync reads the device table`, { tenantId: deps.tenantId });
    }
  }

  addName(mailbox: string, name: string): void {
    const key = mailbox.toLowerCase();
    // Exact-size arrays: a pushed-to one grows to 17 slots, 40,000 mailboxes of two names held 6 MB of spare slots.
    const names = this.namesByMailbox.get(key);
    this.namesByMailbox.set(key, names ? [...names, name] : [name]);
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
    const facets = this.facetsOf(reportKeyOf(r));
    if (s) {
      // Everything the snapshot keeps follows the record, so the snapshot equals the table.
      Object.assign(s, { mailbox: r.mailbox, name: r.name, firstSeen: r.firstSeen, contentHash: r.contentHash, listingHash: r.listingHash, removed: false, stale: r.stale, ...statisticsUnavailableOf(r), facets });
    } else {
      this.storedThisRun.add(r.deviceGuid);
      this.addName(r.mailbox, r.name);
      this.freshCounts.add(facets);
      if (r.stale && facets !== undefined) {
        this.freshStaleKeys.push(facets);
        this.freshStaleNames.push(r.name);
      }
      this.fresh?.add({ deviceGuid: r.deviceGuid, mailbox: r.mailbox, name: r.name, contentHash: r.contentHash, listingHash: r.listingHash, firstSeen: r.firstSeen, removed: false, stale: r.stale, ...statisticsUnavailableOf(r), facets });
    }
  }

  /**
   * The stored inventory's counts as this run leaves it (removed partnerships left out),
   * from the summaries and the partnerships stored first; null when another writer moved
   * the snapshot head during the run (the index, and so the counts, may miss its write).
   */
  deviceCounts(): DeviceCounts | null {
    if (this.tainted) return null;
    const counter = new DeviceCounter();
    counter.addAll(this.freshCounts);
    for (const s of this.byGuid.values()) if (!s.removed) counter.add(s.facets);
    return counter.counts();
  }

  /**
   * The stale devices of the stored inventory as this run leaves it, by owner; null when
   * another writer moved the snapshot head during the run (as deviceCounts). Stale is the
   * flag each record got when the sync last built it (a full sync builds every one).
   */
  staleByUser(): StaleByUser | null {
    if (this.tainted) return null;
    const counter = new StaleByUserCounter();
    const owners = new Map<string, string | null>();
    const ownerOf = (key: string | undefined) => {
      if (key === undefined) return null;
      let owner = owners.get(key);
      if (owner === undefined) owners.set(key, (owner = staleOwnerOf(key)));
      return owner;
    };
    this.freshStaleKeys.forEach((key, i) => counter.add(ownerOf(key), this.freshStaleNames[i]));
    for (const s of this.byGuid.values()) if (!s.removed && s.stale) counter.add(ownerOf(s.facets), s.name);
    return counter.result();
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
