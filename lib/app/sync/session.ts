/**
 * The machinery one sync invocation shares between full and delta: the run record and
 * its counts, building and writing records (the lease: lease.ts).
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../../errors';
import { buildRecord, EMPTY_STATISTICS, type ListingFacts } from '../../domain/inventory';
import { nameNewPartnerships } from '../../domain/naming';
import type { DeviceRecord } from '../../domain/device';
import { addTotals, emptyCounts, type MailboxesWithoutStatistics, type RunTotals } from '../../domain/sync-run';
import type { MailboxInfo, MailboxStatistics, SyncDeps, SyncKind, SyncRun } from './ports';
import type { StoredIndex } from './stored-index';
import { systemClock, type Clock } from '../../clock';

/** Mailboxes without statistics named in a run record and the log; the rest are counted. */
const MAX_REPORTED_MAILBOXES = 10;

export function newRunId(kind: SyncKind, now: Date): string {
  return `${kind}-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/** Shared machinery of one sync invocation: the run record, writing. */
export class SyncSession {
  readonly counts = emptyCounts();
  readonly run: SyncRun;
  private readonly clock: Clock;
  private readonly started: number;
  private transactions = 0;
  private entitiesWritten = 0;
  private mailboxesFetched = 0;
  private pages = 0;
  private devices = 0;

  constructor(
    readonly deps: SyncDeps,
    readonly index: StoredIndex,
    kind: SyncKind,
    runId: string,
    startedAt: string,
    /** A resumed full sync: what its earlier invocations did. */
    private readonly carried?: { totals?: RunTotals },
  ) {
    this.clock = deps.clock ?? systemClock;
    this.started = this.clock.now();
    this.run = {
      tenantId: deps.tenantId,
      runId,
      kind,
      startedAt,
      endedAt: null,
      outcome: 'running',
      counts: this.counts,
      callsByCmdlet: {},
      retries: 0,
      throttled: 0,
      pages: 0,
      transactions: 0,
      entitiesWritten: 0,
      instance: deps.instanceId,
    };
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  elapsedMs(): number {
    return this.clock.now() - this.started;
  }

  private readonly withoutStatistics: MailboxesWithoutStatistics = { count: 0, first: [] };

  async statisticsOf(mailbox: MailboxInfo): Promise<MailboxStatistics> {
    const stats = await this.deps.source.statisticsOfMailbox(mailbox);
    this.mailboxesFetched++;
    if (stats.unavailable !== null) {
      const w = this.withoutStatistics;
      w.count++;
      if (w.first.length < MAX_REPORTED_MAILBOXES) w.first.push({ mailbox: mailbox.name, reason: stats.unavailable });
      // The first few are logged; the run record counts them all.
      if (w.count <= MAX_REPORTED_MAILBOXES) {
        this.deps.log.warn(`No statistics for mailbox ${mailbox.name} (${stats.unavailable}); its partnerships are stored from the listing and the next sync asks again`, { mailbox: mailbox.name, runId: this.run.runId });
      }
    }
    return stats;
  }

  /** Builds the records of one mailbox's partnerships and returns those to write. */
  build(mailbox: MailboxInfo, devices: ListingFacts[], statistics: MailboxStatistics): DeviceRecord[] {
    const now = this.now();
    devices = devices.filter((d) => !this.index.storedByThisRun(d.deviceGuid.toLowerCase()));
    const fresh = devices.filter((d) => !this.index.byGuid.has(d.deviceGuid.toLowerCase()));
    const names = fresh.length
      ? // The UPN's user part, never the mailbox Name (usually a GUID on a modern tenant).
        nameNewPartnerships(mailbox.upn ?? mailbox.primarySmtp ?? mailbox.name, this.index.takenNames(mailbox.name), fresh.map((d) => ({ deviceGuid: d.deviceGuid.toLowerCase(), deviceType: d.deviceType, firstSyncTime: d.firstSyncTime })))
      : new Map<string, string>();
    const out: DeviceRecord[] = [];
    for (const d of devices) {
      const guid = d.deviceGuid.toLowerCase();
      const previous = this.index.byGuid.get(guid) ?? null;
      const { record, change } = buildRecord({
        tenantId: this.deps.tenantId,
        listing: d,
        statistics: statistics.devices.get(guid) ?? EMPTY_STATISTICS,
        statisticsUnavailable: statistics.unavailable,
        user: mailbox,
        name: names.get(guid) ?? previous?.name ?? d.deviceGuid,
        previous,
        now,
        staleAfterDays: this.deps.staleAfterDays,
      });
      if (record.stale) this.counts.stale++;
      if (record.statisticsUnavailable !== null) this.counts.statisticsUnavailable++;
      if (change === 'unchanged') {
        this.counts.unchanged++;
        continue;
      }
      if (change === 'changed') this.counts.changed++;
      else this.counts.new++; // new, or revived after a removal
      out.push(record);
      this.index.written(record);
    }
    return out;
  }

  private inFlight: Promise<void> = Promise.resolve();

  /**
   * Starts writing `records` while the caller goes on with the next page; at most one
   * write is in flight, and a failed write surfaces at the next writeBehind or flush.
   */
  async writeBehind(records: DeviceRecord[], onWritten?: () => void): Promise<void> {
    await this.inFlight;
    const p = this.write(records).then(() => onWritten?.());
    p.catch(() => undefined); // observed here so it is never an unhandled rejection; flush() still throws it
    this.inFlight = p;
  }

  async flush(): Promise<void> {
    await this.inFlight;
  }

  async write(records: DeviceRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.index.beforeWrite(this.deps);
    const w = await this.deps.store.write(records);
    this.transactions += w.transactions;
    this.entitiesWritten += w.entities;
  }

  async markRemoved(guids: string[]): Promise<void> {
    if (guids.length === 0) return;
    await this.index.beforeWrite(this.deps);
    const w = await this.deps.store.markRemoved(this.deps.tenantId, guids, this.now().toISOString());
    this.index.markRemoved(guids);
    this.transactions += w.transactions;
    this.entitiesWritten += w.entities;
    this.counts.removed += guids.length;
  }

  pageDone(devicesInPage: number): void {
    this.pages++;
    this.devices += devicesInPage;
    this.progress();
  }

  /** Reports progress (also between listing pages: a full sync's statistics come after its listing). */
  progress(): void {
    this.deps.onProgress?.({ pages: this.pages, devices: this.devices, mailboxesFetched: this.mailboxesFetched, elapsedMs: this.elapsedMs() });
  }

  /** This invocation's work added to the earlier invocations' (carried in the checkpoint). */
  totals(): RunTotals {
    const s = this.deps.source.stats();
    const mine: RunTotals = {
      counts: { ...this.counts },
      callsByCmdlet: s.callsByCmdlet,
      retries: s.retries,
      throttled: s.throttled,
      pages: s.pages,
      transactions: this.transactions,
      entitiesWritten: this.entitiesWritten,
      activeMs: this.elapsedMs(),
      invocations: 1,
    };
    return addTotals(this.carried?.totals, mine);
  }

  async saveRun(outcome: SyncRun['outcome'], error?: unknown): Promise<SyncRun> {
    const t = this.totals();
    Object.assign(this.run, {
      outcome,
      endedAt: outcome === 'running' ? null : this.now().toISOString(),
      counts: t.counts,
      callsByCmdlet: t.callsByCmdlet,
      retries: t.retries,
      throttled: t.throttled,
      pages: t.pages,
      transactions: t.transactions,
      entitiesWritten: t.entitiesWritten,
      invocations: t.invocations,
      activeMs: t.activeMs,
      ...(outcome === 'succeeded' ? { inventory: this.index.counts() } : {}),
      ...(this.withoutStatistics.count > 0 ? { mailboxesWithoutStatistics: this.withoutStatistics } : {}),
      ...(error !== undefined ? { error: describeError(error) } : {}),
    });
    await this.deps.runs.save(this.run);
    return this.run;
  }
}
