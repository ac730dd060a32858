/**
 * Runs a bulk job's chunks (bulk-ports.ts): one Set-CASMailbox per mailbox, the mailboxes
 * of several chunks sharing one pool of MAILBOX_CONCURRENCY calls in flight (the Exchange
 * client's limiter still applies), and for removals one Remove-MobileDevice per
 * partnership after its mailbox's lists changed. Each chunk is claimed before its first
 * call and holds its results after its last; its per-device audit entries are written
 * with it, 100 to a transaction. A deadline stops new claims (the chunks in flight
 * finish), so the HTTP request answers in time and the follow-up carries on.
 */
import { describeError } from '../../errors';
import type { AuditEntry } from '../../domain/audit';
import { ConcurrencyConflictError, type ActionDeps, type BulkDevice } from './ports';
import type { BulkChunk, BulkJob, DeviceResult, MailboxWork, ResultCounts, Stored } from './bulk-ports';
import { audit, CONNECTOR, tryCall, type CallOutcome } from './record';

/** Mailboxes in flight at once across a job's chunks. */
export const MAILBOX_CONCURRENCY = 16;
/** Chunk bounds: its plan and results stay far below an entity property's 64 KiB. */
export const CHUNK_MAILBOXES = 50;
export const CHUNK_DEVICES = 200;
/** Chunks in progress at once, so the pool stays full while one chunk is written. */
const CHUNKS_AT_ONCE = 3;
/**
 * A chunk claimed this long ago and not finished lost its instance: no chunk of 50
 * mailboxes takes that long even through throttling (the client's retries are bounded).
 * It is settled from Exchange's lists and statistics; its calls are never sent again.
 */
export const CLAIM_STALE_MS = 15 * 60_000;

const mailboxIdentity = (d: BulkDevice) => d.userUpn ?? d.mailbox;

/** The devices grouped by mailbox, in chunks of at most CHUNK_MAILBOXES mailboxes and CHUNK_DEVICES devices. */
export function planChunks(devices: readonly BulkDevice[]): MailboxWork[][] {
  const byMailbox = new Map<string, MailboxWork>();
  for (const d of devices) {
    const id = mailboxIdentity(d);
    const m = byMailbox.get(id) ?? { identity: id, devices: [] };
    m.devices.push({ guid: d.deviceGuid, deviceId: d.deviceId });
    byMailbox.set(id, m);
  }
  const chunks: MailboxWork[][] = [];
  let current: MailboxWork[] = [];
  let devicesIn = 0;
  for (const m of byMailbox.values()) {
    if (current.length && (current.length >= CHUNK_MAILBOXES || devicesIn + m.devices.length > CHUNK_DEVICES)) {
      chunks.push(current);
      [current, devicesIn] = [[], 0];
    }
    current.push(m);
    devicesIn += m.devices.length;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export function countResults(results: Iterable<DeviceResult>): ResultCounts {
  const counts: ResultCounts = { done: 0, skipped: 0, failed: 0, awaitingApproval: 0 };
  for (const r of results) counts[r.result]++;
  return counts;
}

function pool(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(f: () => Promise<T>): Promise<T> => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await f();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

type Job = Stored<BulkJob>;
type Chunk = Stored<BulkChunk>;
const iso = (deps: ActionDeps) => new Date(deps.clock.now()).toISOString();

function listChange(job: BulkJob, ids: string[]) {
  if (job.action === 'block') return { blocked: { add: ids }, allowed: { remove: ids } };
  if (job.action === 'allow') return { allowed: { add: ids }, blocked: { remove: ids } };
  return { allowed: { remove: ids }, blocked: { remove: ids } };
}

/**
 * A call without an answer is never sent again; what Exchange shows right after decides
 * (the connection drops after or before Exchange ran the cmdlet, and it has finished by
 * the time the read arrives; a cmdlet still running then is reported failed: the rare
 * case where the answer may be wrong, and it says so).
 */
async function afterUnknown(deps: ActionDeps, job: BulkJob, m: MailboxWork, cmdlet: string): Promise<Map<string, boolean> | null> {
  try {
    if (cmdlet === 'Remove-MobileDevice') {
      const present = await deps.exchange.mailboxNow(m.identity);
      return new Map(m.devices.map((d) => [d.guid, !present.has(d.guid.toLowerCase())]));
    }
    const lists = await deps.exchange.deviceLists(m.identity);
    return new Map(m.devices.map((d) => [d.guid, job.action === 'block' ? lists.blocked.includes(d.deviceId) && !lists.allowed.includes(d.deviceId) : job.action === 'allow' ? lists.allowed.includes(d.deviceId) && !lists.blocked.includes(d.deviceId) : !lists.allowed.includes(d.deviceId) && !lists.blocked.includes(d.deviceId)]));
  } catch (e) {
    deps.log.warn(`Bulk ${job.bulkId}: ${cmdlet} for ${m.identity} had no answer and Exchange could not be read after it`, { error: describeError(e) });
    return null;
  }
}

const unknownWhy = (cmdlet: string, applied: boolean | undefined) =>
  applied === undefined ? `no answer from Exchange to ${cmdlet}, and Exchange could not be read after it: the outcome is unknown (not sent again)` : `no answer from Exchange to ${cmdlet}; Exchange shows it did not happen (not sent again; if ${cmdlet} was still running, it may yet apply)`;

/** One mailbox's calls: its results and the audit entries for them. */
async function runMailbox(deps: ActionDeps, job: BulkJob, m: MailboxWork, out: { results: DeviceResult[]; audit: AuditEntry[] }): Promise<void> {
  const entry = (guid: string, r: DeviceResult, calls: CallOutcome[], settled: boolean) =>
    out.audit.push({ tenantId: deps.tenantId, at: iso(deps), actor: CONNECTOR, action: `bulk.${job.action}.device`, target: guid, outcome: r.result, details: { bulkId: job.bulkId, mailbox: m.identity, calls: calls.map((c) => ({ cmdlet: c.call.cmdlet, requestId: c.call.requestId, outcome: c.outcome })), settledFromExchange: settled, why: 'why' in r ? r.why : null } });
  const done = (guid: string): DeviceResult => ({ deviceGuid: guid, result: 'done', mailbox: m.identity });
  const failed = (guid: string, text: string): DeviceResult => ({ deviceGuid: guid, result: 'failed', why: text, mailbox: m.identity });
  const lists = await tryCall(deps, `bulk:${job.bulkId}`, 'Set-CASMailbox', () => deps.exchange.setDeviceLists(m.identity, listChange(job, [...new Set(m.devices.map((d) => d.deviceId))])));
  const listsApplied = lists.outcome === 'outcomeUnknown' ? await afterUnknown(deps, job, m, 'Set-CASMailbox') : null;
  for (const d of m.devices) {
    const calls = [lists];
    let r: DeviceResult;
    if (lists.outcome === 'refused') r = failed(d.guid, lists.error.message);
    else if (lists.outcome === 'outcomeUnknown' && !listsApplied?.get(d.guid)) r = failed(d.guid, unknownWhy('Set-CASMailbox', listsApplied?.get(d.guid)));
    else if (job.action !== 'remove') r = done(d.guid);
    else {
      const rm = await tryCall(deps, `bulk:${job.bulkId}`, 'Remove-MobileDevice', () => deps.exchange.remove({ guid: d.guid }));
      calls.push(rm);
      const check = rm.outcome === 'outcomeUnknown' ? await afterUnknown(deps, job, { identity: m.identity, devices: [d] }, 'Remove-MobileDevice') : null;
      const gone = rm.outcome === 'done' || check?.get(d.guid) === true;
      if (gone) await deps.inventory.markRemoved(deps.tenantId, d.guid, iso(deps));
      r = gone ? done(d.guid) : rm.outcome === 'refused' ? failed(d.guid, rm.error.message) : failed(d.guid, unknownWhy('Remove-MobileDevice', check ? false : undefined));
    }
    out.results.push(r);
    entry(d.guid, r, calls, calls.some((c) => c.outcome === 'outcomeUnknown'));
  }
}

/**
 * A chunk whose instance went away: what Exchange shows now decides each device, one
 * Get-CASMailbox per mailbox (and its statistics for removals). Null when Exchange could
 * not be read: the chunk stays claimed for the next pass.
 */
async function settleFromExchange(deps: ActionDeps, job: BulkJob, m: MailboxWork): Promise<DeviceResult[]> {
  const lists = await deps.exchange.deviceLists(m.identity);
  const present = job.action === 'remove' ? await deps.exchange.mailboxNow(m.identity) : null;
  const note = 'the instance sending it stopped before recording the answer; settled from Exchange, not sent again';
  return m.devices.map((d): DeviceResult => {
    const onBlocked = lists.blocked.includes(d.deviceId);
    const onAllowed = lists.allowed.includes(d.deviceId);
    if (job.action === 'remove') {
      if (!present!.has(d.guid.toLowerCase())) return { deviceGuid: d.guid, result: 'done', mailbox: m.identity };
      return { deviceGuid: d.guid, result: 'failed', why: `the partnership is still in Exchange (${note})`, mailbox: m.identity };
    }
    const applied = job.action === 'block' ? onBlocked && !onAllowed : onAllowed && !onBlocked;
    return applied ? { deviceGuid: d.guid, result: 'done', mailbox: m.identity } : { deviceGuid: d.guid, result: 'failed', why: `Exchange's lists do not show the change (${note})`, mailbox: m.identity };
  });
}

export interface ContinueOptions {
  /** No chunk is claimed after this time (epoch ms); those in flight finish. */
  deadline: number;
  /** Who claims: the instance and invocation. */
  by: string;
}

/** Carries the job on until it is done or the deadline passes; the job and its chunks as they are then. */
export async function continueBulk(deps: ActionDeps, bulkId: string, o: ContinueOptions): Promise<{ job: Job; chunks: Chunk[] } | null> {
  const t = deps.tenantId;
  const got = await deps.bulks.get(t, bulkId);
  if (!got || got.job.state === 'done') return got;
  const chunks = got.chunks;
  const calls = pool(MAILBOX_CONCURRENCY);
  const claim = async (c: Chunk): Promise<Chunk | null> => {
    try {
      return await deps.bulks.updateChunk(t, bulkId, { ...c, state: 'sending', claimedAt: iso(deps), claimedBy: o.by });
    } catch (e) {
      if (e instanceof ConcurrencyConflictError) return null; // another instance has it
      throw e;
    }
  };
  const finish = async (c: Chunk, out: { results: DeviceResult[]; audit: AuditEntry[] }) => {
    chunks[chunks.indexOf(c)] = await deps.bulks.updateChunk(t, bulkId, { ...c, state: 'done', results: out.results });
    await deps.audit.appendMany(out.audit);
  };

  const stale = chunks.filter((c) => c.state === 'sending' && c.claimedAt && deps.clock.now() - Date.parse(c.claimedAt) >= CLAIM_STALE_MS);
  for (const c of stale) {
    const mine = await claim(c);
    if (!mine) continue;
    chunks[chunks.indexOf(c)] = mine;
    try {
      const results = (await Promise.all(mine.mailboxes.map((m) => calls(() => settleFromExchange(deps, got.job, m))))).flat();
      const entries = results.map((r): AuditEntry => ({ tenantId: t, at: iso(deps), actor: CONNECTOR, action: `bulk.${got.job.action}.device`, target: r.deviceGuid, outcome: r.result, details: { bulkId, settled: 'from Exchange after an interrupted chunk', why: 'why' in r ? r.why : null } }));
      for (const r of results) if (got.job.action === 'remove' && r.result === 'done') await deps.inventory.markRemoved(t, r.deviceGuid, iso(deps));
      await finish(mine, { results, audit: entries });
      deps.log.warn(`Bulk ${bulkId}: chunk ${c.index}, claimed by ${c.claimedBy} at ${c.claimedAt} and never finished, settled from Exchange`, { counts: countResults(results) });
    } catch (e) {
      deps.log.warn(`Bulk ${bulkId}: chunk ${c.index} could not be settled from Exchange; the next pass tries again`, { error: describeError(e) });
    }
  }

  let next = 0;
  const pending = chunks.filter((c) => c.state === 'pending');
  const lane = async () => {
    while (next < pending.length && deps.clock.now() < o.deadline) {
      const c = pending[next++];
      const mine = await claim(c);
      if (!mine) continue;
      chunks[chunks.indexOf(c)] = mine;
      const out = { results: [] as DeviceResult[], audit: [] as AuditEntry[] };
      await Promise.all(mine.mailboxes.map((m) => calls(() => runMailbox(deps, got.job, m, out))));
      await finish(mine, out);
    }
  };
  await Promise.all(Array.from({ length: CHUNKS_AT_ONCE }, lane));

  if (chunks.some((c) => c.state !== 'done')) return { job: got.job, chunks };
  const all = chunks.flatMap((c) => c.results);
  const counts = countResults(all);
  const mailboxCalls = chunks.reduce((n, c) => n + (c.results.length ? c.mailboxes.length : 0), 0);
  let job: Job;
  try {
    job = await deps.bulks.updateJob(t, { ...got.job, state: 'done', counts, mailboxCalls, finishedAt: iso(deps) });
  } catch (e) {
    if (!(e instanceof ConcurrencyConflictError)) throw e;
    // Another instance finished it at the same time.
    return deps.bulks.get(t, bulkId);
  }
  const failed = all.filter((x) => x.result === 'failed');
  await audit(deps, got.job.requestedBy, `bulk.${job.action}`, `bulk:${bulkId}`, failed.length ? 'partly failed' : 'done', { counts, mailboxCalls, failed: failed.slice(0, 200) });
  if (failed.length && counts.done === 0) deps.log.warn(`Bulk ${job.action} ${bulkId}: every device failed`, { counts });
  return { job, chunks };
}
