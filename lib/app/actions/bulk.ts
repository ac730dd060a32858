/**
 * Bulk actions: block, allow or remove many devices, chosen by guid or by the
 * inventory's filters (bulk-select.ts), with a dry run that answers exactly the devices a
 * real run would touch. A real run is a job (bulk-ports.ts, bulk-job.ts): its plan, one
 * Set-CASMailbox per mailbox (all its DeviceIds added to one list and taken off the other
 * in the same call), never one per device, is stored before the first call; the request
 * runs it for up to BULK_ANSWER_WITHIN_SECONDS and answers 200 with every device's
 * result, or 202 with where to follow it while the follow-up carries it on. Each
 * device's result (done, skipped and why, failed and why) is in the answer and the
 * audit. Bulk wipes always wait for a second person (wipe.ts).
 */
import { ValidationError, describeError } from '../../errors';
import { audit, newActionId } from './record';
import type { ActionDeps } from './ports';
import type { BulkChunk, BulkJob, DeviceResult, ResultCounts } from './bulk-ports';
import { CHUNK_DEVICES, continueBulk, countResults, planChunks } from './bulk-job';
import { selectDevices, type BulkFilter, type BulkKind } from './bulk-select';
import { requestWipe, type Requester } from './wipe';

export type { BulkFilter, BulkKind } from './bulk-select';
export type { DeviceResult } from './bulk-ports';

export interface BulkRequest {
  action: BulkKind;
  devices?: string[];
  filter?: BulkFilter;
  /** A collection's name: its filter as saved when the bulk runs (named in the audit). */
  collection?: string;
  dryRun: boolean;
  reason: string | null;
  /** Remove: also partnerships with an open wipe. */
  force?: boolean;
}

export interface BulkAnswer {
  bulkId: string;
  action: BulkKind;
  dryRun: boolean;
  /** done: every device has its result; running: the follow-up carries it on (GET /api/actions/{bulkId}). */
  state: 'done' | 'running';
  selected: number;
  counts: ResultCounts;
  /** Dry run: the devices a real run would touch. */
  devices?: { deviceGuid: string; name: string; userUpn: string | null; mailbox: string; deviceType: string | null; deviceOs: string | null; lastSuccessSync: string | null; accessState: string | null }[];
  results?: DeviceResult[];
  mailboxCalls?: number;
  /** A job's chunks (of at most 50 mailboxes) and how many are finished. */
  progress?: { chunks: number; done: number };
  requestedBy?: string;
  requestedAt?: string;
  finishedAt?: string | null;
}

/** The job as the API shows it: results of the finished chunks, counts over them. */
export function bulkView(job: BulkJob, chunks: BulkChunk[]): BulkAnswer {
  const results = chunks.flatMap((c) => c.results);
  return {
    bulkId: job.bulkId,
    action: job.action,
    dryRun: false,
    state: job.state,
    selected: job.selected,
    counts: countResults(results),
    results,
    mailboxCalls: chunks.reduce((n, c) => n + (c.state === 'done' ? c.mailboxes.length : 0), 0),
    progress: { chunks: chunks.length, done: chunks.filter((c) => c.state === 'done').length },
    requestedBy: job.requestedBy,
    requestedAt: job.requestedAt,
    finishedAt: job.finishedAt,
  };
}

/** Results already known (skips, wipes awaiting approval) as finished chunks of the job. */
const resultChunks = (results: DeviceResult[], from: number): BulkChunk[] =>
  Array.from({ length: Math.ceil(results.length / CHUNK_DEVICES) }, (_, i) => ({ index: from + i, state: 'done', claimedAt: null, claimedBy: null, mailboxes: [], results: results.slice(i * CHUNK_DEVICES, (i + 1) * CHUNK_DEVICES) }));

/** A collection's filter for a bulk; one of removed partnerships is refused (a bulk acts on devices Exchange still has). */
async function collectionFilter(deps: ActionDeps, name: string): Promise<BulkFilter> {
  const { removed, ...filter } = (await deps.collections.get(name)).filter;
  if (removed) throw ValidationError.of('body.collection', `"${name}" lists removed partnerships; a bulk acts on devices Exchange still has`);
  return filter;
}

export async function runBulk(deps: ActionDeps, caller: Requester, r: BulkRequest, by: string): Promise<BulkAnswer> {
  const chosenBy = [r.devices && 'devices', r.filter && 'filter', r.collection && 'collection'].filter(Boolean);
  if (chosenBy.length !== 1) throw ValidationError.of('body', `name the devices ("devices"), a filter ("filter") or a collection ("collection"), one of them${chosenBy.length ? `, not ${chosenBy.join(' and ')}` : ''}`);
  if (r.collection !== undefined) r = { ...r, filter: await collectionFilter(deps, r.collection) };
  const now = deps.clock.now();
  // The action id's form: GET /api/actions/{id} and approve take either.
  const bulkId = newActionId(now);
  const skipped: DeviceResult[] = [];
  const chosen = await selectDevices(deps, r, skipped);
  if (r.dryRun) {
    await audit(deps, caller.id, `bulk.${r.action}.dryRun`, `bulk:${bulkId}`, 'listed', { selected: chosen.length, filter: r.filter ?? null, collection: r.collection ?? null, named: r.devices?.length ?? null });
    return {
      bulkId, action: r.action, dryRun: true, state: 'done', selected: chosen.length, counts: countResults(skipped), results: skipped,
      devices: chosen.map((d) => ({ deviceGuid: d.deviceGuid, name: d.name, userUpn: d.userUpn, mailbox: d.mailbox, deviceType: d.deviceType, deviceOs: d.deviceOs, lastSuccessSync: d.lastSuccessSync, accessState: d.accessState })),
    };
  }
  const job: BulkJob = {
    bulkId, action: r.action, requestedBy: caller.id, requestedAt: new Date(now).toISOString(), reason: r.reason, force: !!r.force, filter: r.filter ?? null,
    named: r.devices?.length ?? null, selected: chosen.length, mailboxes: 0, chunks: 0, state: 'running', counts: countResults([]), mailboxCalls: 0, finishedAt: null,
  };
  if (r.action === 'wipe') {
    // Every bulk wipe waits for a second person: one account-only wipe action per device, sent once approved.
    const results = [...skipped];
    for (const d of chosen) {
      try {
        const a = await requestWipe(deps, caller, { deviceGuid: d.deviceGuid, mode: 'accountOnly', notify: [], reason: r.reason, removeAfterAcknowledged: false, bulkId, approvalBecause: `bulk wipe ${bulkId} of ${chosen.length} devices: every bulk wipe waits for a second person` });
        results.push({ deviceGuid: d.deviceGuid, result: 'awaitingApproval', actionId: a.actionId });
      } catch (e) {
        results.push({ deviceGuid: d.deviceGuid, result: 'skipped', why: describeError(e) });
      }
    }
    const chunks = resultChunks(results, 0);
    const done = { ...job, state: 'done' as const, chunks: chunks.length, counts: countResults(results), finishedAt: new Date(deps.clock.now()).toISOString() };
    await deps.bulks.create(deps.tenantId, done, chunks);
    return bulkView(done, chunks);
  }
  const openWipes = r.action === 'remove' && !r.force ? new Set((await deps.actions.open(deps.tenantId)).filter((a) => a.kind === 'wipe').map((a) => a.deviceGuid.toLowerCase())) : new Set<string>();
  const usable = chosen.filter((d) => {
    if (!d.deviceId) skipped.push({ deviceGuid: d.deviceGuid, result: 'skipped', why: 'Exchange reports no DeviceId' });
    else if (openWipes.has(d.deviceGuid.toLowerCase())) skipped.push({ deviceGuid: d.deviceGuid, result: 'skipped', why: 'a wipe of it is open (force removes it anyway)' });
    else return true;
    return false;
  });
  const plan = planChunks(usable);
  const chunks: BulkChunk[] = [
    ...plan.map((mailboxes, index): BulkChunk => ({ index, state: 'pending', claimedAt: null, claimedBy: null, mailboxes, results: [] })),
    ...resultChunks(skipped, plan.length),
  ];
  const mailboxes = plan.reduce((n, c) => n + c.length, 0);
  await deps.bulks.create(deps.tenantId, { ...job, mailboxes, chunks: chunks.length }, chunks);
  await audit(deps, caller.id, `bulk.${r.action}`, `bulk:${bulkId}`, 'started', { selected: chosen.length, mailboxes, chunks: chunks.length, reason: r.reason, filter: r.filter ?? null, collection: r.collection ?? null });
  const out = await continueBulk(deps, bulkId, { deadline: now + deps.settings.bulkAnswerWithinMs, by });
  if (!out) throw new Error(`bulk ${bulkId} vanished after it was written`);
  return bulkView(out.job, out.chunks);
}
