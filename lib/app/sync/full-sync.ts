/**
 * Full sync, checkpointed by position.
 *
 * 1. Reads the whole listing first (every invocation must: Exchange's page links expire
 *    and are single use), keeping per mailbox only the listing facts a record needs.
 * 2. Fetches statistics mailbox by mailbox in a stable order (lower-cased mailbox name),
 *    a chunk at a time with the next chunk's calls already queued, writes each chunk's
 *    records, and checkpoints the position: every mailbox up to `doneThrough` is stored.
 *    An interrupted run so redoes at most the chunks after its last checkpoint, instead
 *    of the mailboxes whose partnerships happened to be pages apart.
 * 3. After a complete run only, marks the partnerships it did not see as removed.
 *
 * A mailbox before the position is skipped, except for partnerships the store lacks or
 * holds with another listing hash, as removed or without statistics (added or changed
 * after the checkpoint, or whose statistics failed): those are processed again with
 * fresh statistics.
 */
import { describeError } from '../../errors';
import { listingHashOf, type ListingFacts } from '../../domain/inventory';
import type { DeviceRecord } from '../../domain/device';
import type { FullSyncCheckpoint, MailboxInfo, MailboxStatistics, SyncDeps } from './ports';
import { DoneMailboxes } from './done-mailboxes';
import { StoredIndex } from './stored-index';
import { newRunId, SyncSession, withLease } from './session';
import type { SyncOptions, SyncResult } from './sync';

/** A checkpoint older than this is dropped: what it calls finished may have changed since. */
export const CHECKPOINT_MAX_AGE_MS = 24 * 3600_000;

/** Mailboxes per chunk: the client queues a chunk's statistics calls within its concurrency. */
const CHUNK_MAILBOXES = 100;
/**
 * Chunks whose statistics calls are queued ahead of the one being built. More would hide
 * a call held back by a per-tenant concurrency 429 (it alone waits its Retry-After and
 * idles the client meanwhile: measured 2.0x instead of 3.3x the floor at tenant limit 8),
 * but every queued call is lost when an invocation stops or is killed, and the resume
 * target (at most 1.1x the statistics calls of an uninterrupted run) wins here.
 */
const CHUNKS_AHEAD = 1;

export async function runFullSync(outerDeps: SyncDeps, o: SyncOptions = {}): Promise<SyncResult> {
  return withLease(outerDeps, 'full', o, async (keeper, deps) => {
    const now = deps.now?.() ?? new Date();
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
    let lastCheckpoint = Date.now();
    const saveCheckpoint = () =>
      deps.state.saveCheckpoint(deps.tenantId, 'full', {
        runId,
        startedAt,
        savedAt: new Date().toISOString(),
        doneMailboxes: done.encode(),
        ...(doneThrough !== undefined ? { doneThrough } : {}),
        invocations: (checkpoint?.invocations ?? 0) + 1,
        totals: session.totals(),
      } satisfies FullSyncCheckpoint);

    /** Processed again even before the position: the store does not hold it as listed. */
    const changedSinceStored = (d: ListingFacts): boolean => {
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
      const byMailbox = new Map<string, { mailbox: MailboxInfo; devices: ListingFacts[] }>();
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
          if (!group) byMailbox.set(key, (group = { mailbox, devices: [] }));
          group.devices.push(d);
        }
        session.pageDone(page.devices.length);
      }

      // 2. Statistics in a stable order, checkpointed by position.
      const todo: { key: string; mailbox: MailboxInfo; devices: ListingFacts[] }[] = [];
      for (const key of [...byMailbox.keys()].sort()) {
        const g = byMailbox.get(key)!;
        // Before the position: stored, and counted, by an earlier invocation, but for what changed since.
        const devices = isDone(key) ? g.devices.filter(changedSinceStored) : g.devices;
        if (devices.length) todo.push({ key, mailbox: g.mailbox, devices });
      }
      byMailbox.clear();
      const fetch = (from: number): Promise<MailboxStatistics>[] =>
        todo.slice(from, from + CHUNK_MAILBOXES).map((m) => {
          const p = session.statisticsOf(m.mailbox);
          p.catch(() => undefined); // awaited in order below
          return p;
        });

      const queued: Promise<MailboxStatistics>[][] = [];
      let fetchedTo = 0;
      const fillAhead = () => {
        while (queued.length < CHUNKS_AHEAD && fetchedTo < todo.length) {
          queued.push(fetch(fetchedTo));
          fetchedTo += CHUNK_MAILBOXES;
        }
      };
      fillAhead();
      for (let at = 0; at < todo.length; at += CHUNK_MAILBOXES) {
        if (keeper.signal.aborted) throw keeper.signal.reason ?? new Error('sync aborted');
        const chunk = todo.slice(at, at + CHUNK_MAILBOXES);
        const fetches = queued.shift() ?? fetch(at);
        // Past the time budget this chunk is the last; otherwise the following ones' calls queue behind it.
        const lastOfInvocation = o.maxDurationMs !== undefined && session.elapsedMs() >= o.maxDurationMs;
        if (!lastOfInvocation) fillAhead();
        // All of a chunk's statistics before any record is built: a chunk cut by a failure is
        // neither written nor counted, so its resumed invocation counts it once.
        const statistics = await Promise.all(fetches);
        const records: DeviceRecord[] = [];
        for (let i = 0; i < chunk.length; i++) records.push(...session.build(chunk[i].mailbox, chunk[i].devices, statistics[i]));
        // The position only moves once the chunk is written (a mailbox without statistics is
        // stored so and asked again by the next run: see changedSinceStored).
        const through = chunk[chunk.length - 1].key;
        await session.writeBehind(records, () => {
          if (doneThrough === undefined || through > doneThrough) doneThrough = through;
        });
        session.progress();

        const finished = at + CHUNK_MAILBOXES >= todo.length;
        if (!finished && (lastOfInvocation || Date.now() - lastCheckpoint >= checkpointEvery)) {
          await session.flush();
          await saveCheckpoint();
          lastCheckpoint = Date.now();
        }
        if (lastOfInvocation && !finished) {
          await index.saveSnapshot(deps, runId);
          deps.log.warn(`Full sync ${runId} stops at its time budget through mailbox "${doneThrough ?? ''}"; the next invocation continues`, { runId, mailboxesLeft: todo.length - at - chunk.length });
          return { run: await session.saveRun('partial') };
        }
      }

      await session.flush();
      // The listing was complete: whatever is stored and was not seen is gone from Exchange (or out of scope).
      await session.markRemoved(index.unseen());
      await deps.state.clearCheckpoint(deps.tenantId, 'full');
      await index.saveSnapshot(deps, runId);
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
