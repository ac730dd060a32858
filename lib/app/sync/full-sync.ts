/**
 * Full sync, checkpointed by position.
 *
 * 1. Reads the whole listing first (every invocation must: Exchange's page links expire
 *    and are single use), keeping per mailbox only the listing facts a record needs.
 * 2. Fetches statistics mailbox by mailbox in a stable order (lower-cased mailbox name),
 *    within a sliding window of calls, writes the records in that order a batch at a
 *    time, and checkpoints the position: every mailbox up to `doneThrough` is stored.
 *    An interrupted run so redoes at most the mailboxes after its last checkpoint,
 *    instead of the mailboxes whose partnerships happened to be pages apart.
 * 3. After a complete run only, marks the partnerships it did not see as removed.
 *
 * A mailbox before the position is skipped, except for partnerships the store lacks or
 * holds with another listing hash, as removed or without statistics (added or changed
 * after the checkpoint, or whose statistics failed): those are processed again with
 * fresh statistics.
 */
import { describeError } from '../../errors';
import { listingHashOf } from '../../domain/inventory';
import { ListingArena } from './listing-arena';
import type { DeviceRecord } from '../../domain/device';
import type { FullSyncCheckpoint, MailboxInfo, MailboxStatistics, SyncDeps } from './ports';
import { DoneMailboxes } from './done-mailboxes';
import { StoredIndex } from './stored-index';
import { newRunId, SyncSession } from './session';
import { withLease } from './lease';
import { saveDeviceCounts } from './counts-report';
import { systemClock } from '../../clock';
import type { SyncOptions, SyncResult } from './sync';

/** A checkpoint older than this is dropped: what it calls finished may have changed since. */
export const CHECKPOINT_MAX_AGE_MS = 24 * 3600_000;

/**
 * Mailboxes whose statistics may be asked (in flight or answered) beyond the last one
 * stored. The window slides: each answer lets the next call start, so one call held back
 * by a Retry-After (a per-tenant concurrency 429) does not idle the others until about
 * this many have been answered after it. It also bounds what a kill can lose beyond the
 * checkpoint's 2 s; a stop at the time budget loses nothing (the calls in flight are
 * awaited and stored).
 */
const WINDOW_MAILBOXES = 2_000;
/**
 * Calls handed to the client at once (it queues them within its own concurrency, at most
 * 32): enough that it never waits for the next, few enough that the calls already handed
 * over when a run fails or stops are a handful.
 */
const CALLS_AHEAD = 64;
/**
 * Partnerships whose records are written together (at most one write in flight). Records
 * spread over the device table's buckets (64 by default), so a write of a few hundred
 * makes transactions of a few entities each: at 100 mailboxes a write, 100,000 devices
 * took 25,000 transactions and the writes, not Exchange, bounded the full sync.
 */
const WRITE_DEVICES = 2_000;

interface Todo {
  key: string;
  mailbox: MailboxInfo;
  /** Partnerships to store. */
  count: number;
  /** Their listing: the last handle of the mailbox's chain in the arena, or the handles (a resumed run's changed ones). */
  devices: number | number[];
}

const handlesOf = (t: Todo, listing: ListingArena): number[] => (typeof t.devices === 'number' ? listing.chain(t.devices) : t.devices);

/**
 * Asks the statistics of `todo` within the sliding window and writes their records in
 * order, a batch at a time; `stored` hears each batch's last key once it is written.
 * Answers `left`: the mailboxes not stored because `stopIssuing` said so. On a stop, and
 * on a failed call (transient exhaustion: the client already retried it), no call is
 * started any more, the calls in flight are awaited and the answers in order before the
 * first gap are stored; a failure is then thrown.
 */
async function storeInOrder(
  todo: Todo[],
  listing: ListingArena,
  session: SyncSession,
  signal: AbortSignal,
  hooks: { stopIssuing: () => boolean; stored: (through: string, finished: boolean) => Promise<void> },
): Promise<{ left: number }> {
  const answers = new Array<MailboxStatistics | undefined>(todo.length);
  let issued = 0;
  let stored = 0;
  let inFlight = 0;
  let stopped = false;
  let failure = null as { error: unknown } | null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const pump = () => {
    while (!stopped && inFlight < CALLS_AHEAD && issued < todo.length && issued - stored < WINDOW_MAILBOXES) {
      const i = issued++;
      inFlight++;
      session.statisticsOf(todo[i].mailbox).then(
        (answer) => void (answers[i] = answer),
        (error: unknown) => {
          failure ??= { error };
          stopped = true;
        },
      ).finally(() => {
        inFlight--;
        pump();
        notify();
      });
    }
  };
  pump();
  let answered = 0; // answers[stored, answered) are all in
  let answeredDevices = 0; // their partnerships
  for (;;) {
    if (signal.aborted) throw signal.reason ?? new Error('sync aborted');
    if (!stopped && hooks.stopIssuing()) stopped = true;
    while (answered < issued && answers[answered]) answeredDevices += todo[answered++].count;
    const drained = stopped && inFlight === 0;
    const end = answered;
    if (end > stored && (answeredDevices >= WRITE_DEVICES || end - stored >= WINDOW_MAILBOXES / 2 || end === todo.length || drained)) {
      // Built only now, so the counts hold exactly what is written.
      const records: DeviceRecord[] = [];
      for (let i = stored; i < end; i++) {
        records.push(...session.build(todo[i].mailbox, handlesOf(todo[i], listing).map((h) => listing.get(h)), answers[i]!));
        answers[i] = undefined;
      }
      await session.write(records);
      stored = end;
      answeredDevices = 0;
      await hooks.stored(todo[end - 1].key, stored === todo.length);
      pump();
      continue;
    }
    if (drained && failure) throw failure.error;
    if (stored === todo.length || drained) return { left: todo.length - stored };
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

export async function runFullSync(outerDeps: SyncDeps, o: SyncOptions = {}): Promise<SyncResult> {
  return withLease(outerDeps, 'full', o, async (keeper, deps) => {
    const clock = deps.clock ?? systemClock;
    const now = new Date(clock.now());
    let checkpoint = await deps.state.getCheckpoint(deps.tenantId, 'full');
    if (checkpoint && now.getTime() - Date.parse(checkpoint.startedAt) > CHECKPOINT_MAX_AGE_MS) {
      deps.log.warn(`Full sync ${checkpoint.runId} started ${checkpoint.startedAt} and never finished; starting a fresh full sync instead of continuing it`, { runId: checkpoint.runId });
      checkpoint = null;
    }
    const runId = checkpoint?.runId ?? newRunId('full', now);
    const startedAt = checkpoint?.startedAt ?? now.toISOString();
    // Checkpoints of the previous design name finished mailboxes; both are honoured.
    const done = new DoneMailboxes(checkpoint?.doneMailboxes);
    let doneThrough = checkpoint?.doneThrough;
    const isDone = (key: string) => (doneThrough !== undefined && key <= doneThrough) || done.has(key);
    const index = await StoredIndex.load(deps);
    const session = new SyncSession(deps, index, 'full', runId, startedAt, checkpoint ? { totals: checkpoint.totals } : undefined);
    if (checkpoint) {
      session.run.resumedFrom = checkpoint.savedAt;
      deps.log.info(`Full sync ${runId} resumes: mailboxes through "${doneThrough ?? ''}" were stored before ${checkpoint.savedAt}`, { runId, invocation: checkpoint.invocations + 1 });
    } else deps.log.info(`Full sync ${runId} starts`, { runId, stored: index.byGuid.size });
    await session.saveRun('running');

    // Every few seconds: one small entity write, and a kill then costs at most those seconds of statistics calls.
    const checkpointEvery = o.checkpointEveryMs ?? 2_000;
    let lastCheckpoint = clock.now();
    const saveCheckpoint = () =>
      deps.state.saveCheckpoint(deps.tenantId, 'full', {
        runId,
        startedAt,
        savedAt: new Date(clock.now()).toISOString(),
        doneMailboxes: done.encode(),
        ...(doneThrough !== undefined ? { doneThrough } : {}),
        invocations: (checkpoint?.invocations ?? 0) + 1,
        totals: session.totals(),
      } satisfies FullSyncCheckpoint);

    /** Processed again even before the position: the store does not hold it as listed. */
    const listing = new ListingArena();
    const changedSinceStored = (handle: number): boolean => {
      const d = listing.get(handle);
      const guid = d.deviceGuid.toLowerCase();
      if (index.storedByThisRun(guid)) return false;
      const stored = index.byGuid.get(guid);
      return !stored || stored.removed || stored.statisticsUnavailable || stored.listingHash !== listingHashOf(d);
    };

    try {
      const directory = await deps.source.listMailboxesInScope();
      const extraMailboxes = new Map<string, MailboxInfo | null>();
      const mailboxOf = async (name: string): Promise<MailboxInfo | null> => {
        const key = name.toLowerCase();
        const known = directory.get(key);
        if (known) return known;
        if (deps.source.scoped) return null;
        // Organization scope: a mailbox that gained its first partnership after the directory was read.
        if (!extraMailboxes.has(key)) extraMailboxes.set(key, await deps.source.getMailbox(name));
        return extraMailboxes.get(key) ?? null;
      };

      // 1. The whole listing.
      const byMailbox = new Map<string, { mailbox: MailboxInfo; last: number; count: number }>();
      for await (const page of deps.source.listDevices()) {
        if (keeper.signal.aborted) throw keeper.signal.reason ?? new Error('sync aborted');
        for (const d of page.devices) {
          session.counts.seen++;
          const mailbox = await mailboxOf(d.mailbox);
          if (!mailbox) {
            session.counts.outOfScope++;
            continue;
          }
          index.markSeen(d.deviceGuid.toLowerCase());
          const key = d.mailbox.toLowerCase();
          let group = byMailbox.get(key);
          if (!group) byMailbox.set(key, (group = { mailbox, last: -1, count: 0 }));
          group.last = listing.add(d, group.last);
          group.count++;
        }
        session.pageDone(page.devices.length);
      }

      // 2. Statistics in a stable order, checkpointed by position.
      const todo: Todo[] = [];
      for (const key of [...byMailbox.keys()].sort()) {
        const g = byMailbox.get(key)!;
        // Before the position: stored, and counted, by an earlier invocation, but for what changed since.
        if (!isDone(key)) todo.push({ key, mailbox: g.mailbox, count: g.count, devices: g.last });
        else {
          const changed = listing.chain(g.last).filter(changedSinceStored);
          if (changed.length) todo.push({ key, mailbox: g.mailbox, count: changed.length, devices: changed });
        }
      }
      byMailbox.clear();

      let stoppedAt: 'budget' | null = null;
      const outcome = await storeInOrder(todo, listing, session, keeper.signal, {
        stopIssuing: () => {
          if (o.maxDurationMs === undefined || session.elapsedMs() < o.maxDurationMs) return false;
          stoppedAt = 'budget';
          return true;
        },
        // The position only moves once a batch is written (a mailbox without statistics is
        // stored so and asked again by the next run: see changedSinceStored).
        stored: async (through, finished) => {
          if (doneThrough === undefined || through > doneThrough) doneThrough = through;
          session.progress();
          if (!finished && clock.now() - lastCheckpoint >= checkpointEvery) {
            await saveCheckpoint();
            lastCheckpoint = clock.now();
          }
        },
      });
      if (outcome.left > 0 && stoppedAt === 'budget') {
        await saveCheckpoint();
        await index.saveSnapshot(deps, runId);
        deps.log.warn(`Full sync ${runId} stops at its time budget through mailbox "${doneThrough ?? ''}"; the next invocation continues`, { runId, mailboxesLeft: outcome.left });
        return { run: await session.saveRun('partial') };
      }

      await session.flush();
      // The listing was complete: whatever is stored and was not seen is gone from Exchange (or out of scope).
      await session.markRemoved(index.unseen());
      await deps.state.clearCheckpoint(deps.tenantId, 'full');
      await index.saveSnapshot(deps, runId);
      await saveDeviceCounts(deps, index, runId, session.now());
      await repairIndex(deps, runId);
      const run = await session.saveRun('succeeded');
      deps.log.info(`Full sync ${runId} succeeded`, { runId, ...run.counts, transactions: run.transactions, calls: run.callsByCmdlet });
      return { run };
    } catch (e) {
      // Never mark anything removed after an incomplete run; keep the position for the next
      // invocation, unless the lease is lost: then another instance may be syncing, and
      // this one writes nothing but its failure.
      await session.flush().catch(() => undefined);
      if (!keeper.lost) await saveCheckpoint().catch((ce) => deps.log.error('Could not save the full sync checkpoint', { runId, error: describeError(ce) }));
      await session.saveRun('failed', keeper.lossError ?? e).catch(() => undefined);
      deps.log.error(`Full sync ${runId} failed: ${describeError(e)}; no partnership was marked removed`, { runId, doneThrough });
      throw keeper.lossError ?? e;
    }
  });
}

/** The secondary indexes' repair after a complete listing; a failure is logged, never the run's. */
async function repairIndex(deps: SyncDeps, runId: string): Promise<void> {
  if (!deps.store.repairIndex) return;
  try {
    const r = await deps.store.repairIndex(deps.tenantId);
    deps.log.info('Inventory indexes repaired', { runId, ...r });
  } catch (e) {
    deps.log.warn(`Inventory indexes not repaired: ${describeError(e)}; listings stay right and the next full sync repairs them`, { runId });
  }
}
