/**
 * What the sync use cases need from outside, declared here as small interfaces; the
 * Exchange adapter (lib/exo/inventory/source.ts) and the table storage adapter implement them.
 */
import type { DeviceRecord } from '../../domain/device';
import type { ListingFacts, StatisticsFacts, UserFacts } from '../../domain/inventory';
import type { Clock } from '../../clock';
import type { DeviceCounts } from '../../domain/device-counts';
import type { StaleByUser } from '../../domain/stale-by-user';
import type { LeaseStore } from '../lease/ports';

export interface MailboxInfo extends UserFacts {
  /** Exchange mailbox Name: the first segment of a partnership's Identity. */
  name: string;
  /** What to pass to -Mailbox (UPN, else the name). */
  identity: string;
}

export interface MailboxStatistics {
  /** By lower-cased device guid. */
  devices: Map<string, StatisticsFacts>;
  /** Why Exchange gave no statistics for this mailbox; null when it did. */
  unavailable: string | null;
}

export interface DevicePage {
  pageNumber: number;
  devices: ListingFacts[];
}

export interface InventorySource {
  /** Every partnership, page by page. Throws when the listing is incomplete (truncated, expired link, failure). */
  listDevices(): AsyncIterable<DevicePage>;
  /** Mailboxes that hold partnerships and are in scope, keyed by lower-cased mailbox name. */
  listMailboxesInScope(): Promise<Map<string, MailboxInfo>>;
  /** One mailbox, by name (delta sync, organization scope); null when it no longer exists. */
  getMailbox(name: string): Promise<MailboxInfo | null>;
  /**
   * Statistics of every partnership of one mailbox. A failure that concerns this mailbox
   * only comes back as `unavailable` (the reason); only errors that must stop the run
   * (throttling, outages, authentication, cancellation) are thrown.
   */
  statisticsOfMailbox(mailbox: MailboxInfo): Promise<MailboxStatistics>;
  /** Whether scoping needs the mailbox directory (groups or filter) rather than the whole organization. */
  scoped: boolean;
  /**
   * The same source with every Exchange call given `signal` (the lease's: a holder that
   * lost it stops calling at once) and no single wait longer than `maxWaitMs`.
   */
  bound?(o: { signal: AbortSignal; maxWaitMs: number }): InventorySource;
  /** Calls made so far, by cmdlet, and retries/throttling, for the run record. */
  stats(): { callsByCmdlet: Record<string, number>; retries: number; throttled: number; pages: number };
}

/** The stored facts a sync needs of each known partnership: small, so 100,000 fit in memory. */
export interface StoredDeviceSummary {
  deviceGuid: string;
  mailbox: string;
  name: string;
  contentHash: string;
  listingHash: string;
  firstSeen: string;
  /** Not needed by a sync (an unchanged record is not written); absent to save memory. */
  lastSeen?: string;
  removed: boolean;
  stale: boolean;
  /** Stored without statistics (they failed): a delta sync fetches them again even when the listing is unchanged. */
  statisticsUnavailable: boolean;
  /**
   * What the sync's reports group the device by (lib/domain/device-counts.ts reportKeyOf),
   * one shared string per distinct combination; absent in summaries saved before it was kept.
   */
  facets?: string;
}

export interface WriteStats {
  transactions: number;
  entities: number;
}

export interface InventoryStore {
  summaries(tenantId: string): AsyncIterable<StoredDeviceSummary>;
  write(records: DeviceRecord[]): Promise<WriteStats>;
  markRemoved(tenantId: string, deviceGuids: string[], at: string): Promise<WriteStats>;
  /** A compact copy of the summaries, loaded instead of the whole table when it is current (stored-index.ts). */
  snapshot?: InventorySnapshotStore;
  /**
   * Brings the inventory's secondary indexes up to date (lib/storage/device-index-store.ts):
   * a successful full sync calls it last; its failure fails nothing (listings stay right,
   * they only read more until the next repair).
   */
  repairIndex?(tenantId: string): Promise<Record<string, unknown>>;
}

/** See lib/storage/inventory-snapshot.ts for how a snapshot is kept from ever being stale. */
export interface InventorySnapshotStore {
  /** `token`: the snapshot head's version, read first; `summaries`: null when the snapshot cannot be trusted. */
  load(tenantId: string): Promise<{ token: string | null; summaries: StoredDeviceSummary[] | null; reason?: string; parts: number }>;
  /** Marks the snapshot invalid (before each device write); `intact`: the head was still at `expectedToken`. */
  invalidate(tenantId: string, expectedToken: string | null): Promise<{ token: string; intact: boolean }>;
  /** Rows for a new snapshot, compressed as they are added (each device once, any order). */
  rows(): { add(s: StoredDeviceSummary): void };
  /** Saves the rows as the valid snapshot unless the head moved past `expectedToken`. */
  save(tenantId: string, generation: string, rows: { add(s: StoredDeviceSummary): void }, expectedToken: string | null): Promise<{ saved: boolean; reason?: string; parts: number }>;
}

/** The sync holds the tenant's `sync` lease through the generic keeper (lib/app/lease). */
export interface SyncStateStore extends LeaseStore {
  getCheckpoint(tenantId: string, kind: string): Promise<FullSyncCheckpoint | null>;
  saveCheckpoint(tenantId: string, kind: string, checkpoint: FullSyncCheckpoint): Promise<void>;
  clearCheckpoint(tenantId: string, kind: string): Promise<void>;
}

/** Where an unfinished full sync stands: the mailboxes whose partnerships are all stored. */
export interface FullSyncCheckpoint {
  runId: string;
  startedAt: string;
  savedAt: string;
  /**
   * Mailboxes fully processed in this run, as base64 of 6-byte hashes of their lower-cased
   * names (8 characters each, so 50,000 mailboxes fit in one table entity). Any subset is
   * safe: a mailbox missing from it is only fetched again.
   */
  doneMailboxes: string;
  invocations: number;
  /** What the invocations so far did (absent in checkpoints of older versions). */
  totals?: RunTotals;
  /**
   * The position: every mailbox whose lower-cased name sorts at or before this is stored
   * (absent before the first chunk, and in checkpoints of the previous design).
   */
  doneThrough?: string;
}

export type { SyncKind, SyncOutcome, SyncCounts, SyncRun } from '../../domain/sync-run';
import type { RunTotals, SyncRun } from '../../domain/sync-run';

export interface RunStore {
  save(run: SyncRun): Promise<void>;
  /** Newest first; used to mark runs abandoned by a killed instance. */
  latest(tenantId: string, n: number): Promise<SyncRun[]>;
}

export interface SyncProgress {
  pages: number;
  devices: number;
  mailboxesFetched: number;
  elapsedMs: number;
}

export interface SyncDeps {
  tenantId: string;
  instanceId: string;
  staleAfterDays: number;
  source: InventorySource;
  store: InventoryStore;
  state: SyncStateStore;
  runs: RunStore;
  log: import('../../log').Logger;
  /** Time for record times, the time budget, checkpoints and the lease heartbeat (systemClock unless set). */
  clock?: Clock;
  onProgress?: (p: SyncProgress) => void;
  /** Where a successful run leaves the inventory's counts (absent: none are kept). */
  reports?: CountsReportStore;
}

/** The reports of the stored inventory, as a run leaves it. */
export interface CountsReportStore {
  saveCounts(tenantId: string, report: DeviceCounts & { runId: string; generatedAt: string }): Promise<void>;
  saveStaleByUser(tenantId: string, report: StaleByUser & { staleAfterDays: number; runId: string; generatedAt: string }): Promise<void>;
}
