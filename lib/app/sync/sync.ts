/**
 * Full and delta inventory syncs.
 *
 * Full sync: streams every partnership page by page, fetches statistics once per
 * mailbox (never once per device), writes only records whose content changed, and, after
 * a complete listing only, marks the partnerships it did not see as removed. It
 * checkpoints the mailboxes it has finished, so an invocation cut short (time budget,
 * crash, throttling lockout) is continued by the next one without losing or duplicating
 * a record. Listing pages cannot be resumed (Exchange's nextLinks expire and are single
 * use), so a resumed run lists again from the start and skips finished mailboxes, except
 * for partnerships the store lacks or holds with another listing hash (added or changed
 * after the checkpoint).
 *
 * Delta sync: the same listing, but statistics only for mailboxes with a new or changed
 * partnership (listing hash differs), and never any removal.
 *
 * Both take the tenant lease first: one connector syncs an organization at a time.
 */
import { describeError } from '../../errors';
import { listingHashOf, type ListingFacts } from '../../domain/inventory';
import type { DeviceRecord } from '../../domain/device';
import type { DevicePage, FullSyncCheckpoint, MailboxInfo, MailboxStatistics, SyncDeps, SyncRun } from './ports';
import { DoneMailboxes } from './done-mailboxes';
import { StoredIndex } from './stored-index';
import { newRunId, SyncSession, withLease } from './session';

export { DoneMailboxes } from './done-mailboxes';
export { StoredIndex } from './stored-index';

export interface SyncOptions {
  /** Stop cleanly (checkpoint, outcome partial) after this long; a Functions timeout minus a margin. */
  maxDurationMs?: number;
  leaseTtlMs?: number;
  /** Save the checkpoint at most this often (it is also saved on every stop). */
  checkpointEveryMs?: number;
  signal?: AbortSignal;
}

export interface SyncResult {
  run: SyncRun;
  /** Set when another instance holds the tenant lease and this sync did not run. */
  heldBy?: { holder: string; expiresAt: string; renewedAt?: string };
}

/**
 * A checkpoint older than this is dropped rather than continued: what it calls finished
 * may have changed since, so a fresh full sync is the exact answer.
 */
export const CHECKPOINT_MAX_AGE_MS = 24 * 3600_000;

/** Continues an unfinished full sync, if there is one (the continuation timer); null when none. */
export async function continueFullSync(deps: SyncDeps, o: SyncOptions = {}): Promise<SyncResult | null> {
  const checkpoint = await deps.state.getCheckpoint(deps.tenantId, 'full');
  if (!checkpoint) return null;
  return runFullSync(deps, o);
}

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
    const done = new DoneMailboxes(checkpoint?.doneMailboxes);
    // Partnerships counted in mailboxes that were not finished: by earlier invocations, and by this one.
    const countedBefore = new DoneMailboxes(checkpoint?.countedPartnerships);
    const countedOpen = new Map<string, string[]>();
    const index = await StoredIndex.load(deps);
    const session = new SyncSession(deps, index, 'full', runId, startedAt, checkpoint ? { totals: checkpoint.totals, counted: countedBefore } : undefined);
    if (checkpoint) {
      session.run.resumedFrom = checkpoint.savedAt;
      deps.log.info(`Full sync ${runId} resumes: ${done.size} mailboxes were finished before ${checkpoint.savedAt}`, { runId, invocation: checkpoint.invocations + 1 });
    } else deps.log.info(`Full sync ${runId} starts`, { runId, stored: index.byGuid.size });
    await session.saveRun('running');

    const checkpointEvery = o.checkpointEveryMs ?? 30_000;
    let lastCheckpoint = Date.now();
    const saveCheckpoint = () => {
      const counted = new DoneMailboxes(countedBefore.encode());
      for (const guids of countedOpen.values()) for (const g of guids) counted.add(g);
      return deps.state.saveCheckpoint(deps.tenantId, 'full', {
        runId,
        startedAt,
        savedAt: new Date().toISOString(),
        doneMailboxes: done.encode(),
        invocations: (checkpoint?.invocations ?? 0) + 1,
        totals: session.totals(),
        // Bounded like the finished mailboxes: beyond it, a partnership may be counted twice, never lost.
        countedPartnerships: counted.encode(DoneMailboxes.MAX_SAVED / 5),
      } satisfies FullSyncCheckpoint);
    };

    // Statistics of a mailbox, fetched once per run: the partnerships not yet listed stay in
    // the map (a mailbox's partnerships can be pages apart); a mailbox whose map runs empty
    // is finished.
    const statistics = new Map<string, Promise<MailboxStatistics>>();
    const extraMailboxes = new Map<string, MailboxInfo | null>();
    const pages = deps.source.listDevices()[Symbol.asyncIterator]();

    try {
      const directory = await deps.source.listMailboxesInScope();
      const mailboxOf = async (name: string): Promise<MailboxInfo | null> => {
        const key = name.toLowerCase();
        const known = directory.get(key);
        if (known) return known;
        if (deps.source.scoped) return null;
        // Organization scope: a mailbox that gained its first partnership after the directory was read.
        if (!extraMailboxes.has(key)) extraMailboxes.set(key, await deps.source.getMailbox(name));
        return extraMailboxes.get(key) ?? null;
      };

      /**
       * A finished mailbox can gain or change partnerships after the checkpoint: a listed
       * partnership the store lacks (or holds with another listing hash, or as removed) is
       * processed again, with fresh statistics, rather than trusted as stored.
       */
      const changedSinceStored = (d: ListingFacts): boolean => {
        const guid = d.deviceGuid.toLowerCase();
        if (index.storedByThisRun(guid)) return false;
        const stored = index.byGuid.get(guid);
        return !stored || stored.removed || stored.listingHash !== listingHashOf(d);
      };

      /** Resolves a page's mailboxes and starts its statistics calls (the client queues them). */
      const prepare = async (page: DevicePage) => {
        const entries: { d: ListingFacts; key: string; mailbox: MailboxInfo | null; redo: boolean }[] = [];
        const fetches = new Map<string, Promise<MailboxStatistics>>();
        for (const d of page.devices) {
          const key = d.mailbox.toLowerCase();
          const mailbox = await mailboxOf(d.mailbox);
          const redo = !!mailbox && done.has(key) && changedSinceStored(d);
          entries.push({ d, key, mailbox, redo });
          if (!mailbox || (done.has(key) && !redo) || fetches.has(key)) continue;
          let p = statistics.get(key);
          if (!p) {
            p = session.statisticsOf(mailbox);
            p.catch(() => undefined); // awaited when the page is processed
            statistics.set(key, p);
          }
          fetches.set(key, p);
        }
        return { size: page.devices.length, entries, fetches };
      };

      let next = await pages.next();
      let current = next.done ? null : await prepare(next.value);
      while (current) {
        if (keeper.signal.aborted) throw keeper.signal.reason ?? new Error('sync aborted');
        // The following page's statistics calls queue behind this page's, so the client's
        // concurrency never idles at a page boundary; past the time budget, this page is the last.
        const lastOfInvocation = o.maxDurationMs !== undefined && session.elapsedMs() >= o.maxDurationMs;
        let following: Awaited<ReturnType<typeof prepare>> | null = null;
        if (!lastOfInvocation) {
          next = await pages.next();
          following = next.done ? null : await prepare(next.value);
        }

        const byMailbox = new Map<string, { mailbox: MailboxInfo; devices: ListingFacts[] }>();
        for (const { d, key, mailbox, redo } of current.entries) {
          session.counts.seen++;
          if (!mailbox) {
            session.counts.outOfScope++;
            continue;
          }
          const guid = d.deviceGuid.toLowerCase();
          index.markSeen(guid);
          // Stored, and counted, by an earlier invocation of this run.
          if (done.has(key) && !redo) continue;
          let group = byMailbox.get(key);
          if (!group) byMailbox.set(key, (group = { mailbox, devices: [] }));
          group.devices.push(d);
        }

        const records: DeviceRecord[] = [];
        // Mailboxes whose partnerships are all in this page or earlier ones: finished once this page is written.
        const completed: string[] = [];
        for (const [key, g] of byMailbox) {
          const stats = await current.fetches.get(key)!;
          records.push(...session.build(g.mailbox, g.devices, stats));
          if (!done.has(key)) {
            const open = countedOpen.get(key) ?? [];
            countedOpen.set(key, open.concat(g.devices.map((d) => d.deviceGuid.toLowerCase())));
          }
          // A mailbox without statistics is never "finished": kept (not asked again this
          // run) and left out of the checkpoint, so a resumed run asks again.
          if (stats.unavailable !== null || done.has(key)) continue;
          for (const d of g.devices) stats.devices.delete(d.deviceGuid.toLowerCase());
          if (stats.devices.size === 0) {
            completed.push(key);
            statistics.delete(key);
          }
        }
        // Written behind the next page's statistics calls; `done` only grows once the write succeeded.
        await session.writeBehind(records, () =>
          completed.forEach((k) => {
            done.add(k);
            countedOpen.delete(k);
          }),
        );
        session.pageDone(current.size);
        current = following;

        if (Date.now() - lastCheckpoint >= checkpointEvery) {
          await session.flush();
          await saveCheckpoint();
          lastCheckpoint = Date.now();
        }
        if (lastOfInvocation) {
          await session.flush();
          await saveCheckpoint();
          deps.log.warn(`Full sync ${runId} stops at its time budget after ${session.counts.seen} partnerships; the next invocation continues`, { runId, doneMailboxes: done.size });
          return { run: await session.saveRun('partial') };
        }
      }

      await session.flush();
      // The listing was complete: whatever is stored and was not seen is gone from Exchange (or out of scope).
      await session.markRemoved(index.unseen());
      await deps.state.clearCheckpoint(deps.tenantId, 'full');
      const run = await session.saveRun('succeeded');
      deps.log.info(`Full sync ${runId} succeeded`, { runId, ...run.counts, transactions: run.transactions, calls: run.callsByCmdlet });
      return { run };
    } catch (e) {
      // Never mark anything removed after an incomplete listing; keep what is finished for the
      // next invocation, unless the lease is lost: then another instance may be syncing, and
      // this one writes nothing but its failure.
      await session.flush().catch(() => undefined);
      if (!keeper.lost) await saveCheckpoint().catch((ce) => deps.log.error('Could not save the full sync checkpoint', { runId, error: describeError(ce) }));
      await session.saveRun('failed', keeper.lossError ?? e).catch(() => undefined);
      deps.log.error(`Full sync ${runId} failed: ${describeError(e)}; no partnership was marked removed`, { runId, doneMailboxes: done.size });
      throw keeper.lossError ?? e;
    } finally {
      await pages.return?.(undefined).catch(() => undefined);
    }
  });
}

export async function runDeltaSync(outerDeps: SyncDeps, o: SyncOptions = {}): Promise<SyncResult> {
  return withLease(outerDeps, 'delta', o, async (keeper, deps) => {
    const now = deps.now?.() ?? new Date();
    const runId = newRunId('delta', now);
    const index = await StoredIndex.load(deps);
    const session = new SyncSession(deps, index, 'delta', runId, now.toISOString());
    await session.saveRun('running');
    try {
      const directory = deps.source.scoped ? await deps.source.listMailboxesInScope() : null;
      const resolved = new Map<string, MailboxInfo | null>();
      const mailboxOf = async (name: string): Promise<MailboxInfo | null> => {
        const key = name.toLowerCase();
        if (directory) return directory.get(key) ?? null;
        if (!resolved.has(key)) resolved.set(key, await deps.source.getMailbox(name));
        return resolved.get(key) ?? null;
      };

      for await (const page of deps.source.listDevices()) {
        if (keeper.signal.aborted) throw keeper.signal.reason ?? new Error('sync aborted');
        const changed = new Map<string, ListingFacts[]>();
        for (const d of page.devices) {
          session.counts.seen++;
          const stored = index.byGuid.get(d.deviceGuid.toLowerCase());
          // Stored without statistics: asked again, so a recovered mailbox is rewritten.
          if (stored && !stored.removed && !stored.statisticsUnavailable && stored.listingHash === listingHashOf(d)) {
            if (directory && !directory.has(d.mailbox.toLowerCase())) session.counts.outOfScope++;
            else {
              session.counts.unchanged++;
              if (stored.stale) session.counts.stale++;
            }
            continue;
          }
          const key = d.mailbox.toLowerCase();
          let list = changed.get(key);
          if (!list) changed.set(key, (list = []));
          list.push(d);
        }
        const groups: { mailbox: MailboxInfo; devices: ListingFacts[] }[] = [];
        for (const [, devices] of changed) {
          const mailbox = await mailboxOf(devices[0].mailbox);
          if (!mailbox) session.counts.outOfScope += devices.length;
          else groups.push({ mailbox, devices });
        }
        // All at once: the Exchange client queues them within its (adaptive) concurrency.
        const statistics = await Promise.all(groups.map((g) => session.statisticsOf(g.mailbox)));
        const records: DeviceRecord[] = [];
        groups.forEach((g, i) => records.push(...session.build(g.mailbox, g.devices, statistics[i])));
        await session.writeBehind(records);
        session.pageDone(page.devices.length);
      }
      await session.flush();
      const run = await session.saveRun('succeeded');
      deps.log.info(`Delta sync ${runId} succeeded`, { runId, ...run.counts, transactions: run.transactions, calls: run.callsByCmdlet });
      return { run };
    } catch (e) {
      await session.flush().catch(() => undefined);
      await session.saveRun('failed', keeper.lossError ?? e).catch(() => undefined);
      deps.log.error(`Delta sync ${runId} failed: ${describeError(keeper.lossError ?? e)}`, { runId });
      throw keeper.lossError ?? e;
    }
  });
}
