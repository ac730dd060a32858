/**
 * Sync run records in the `syncruns` table: PartitionKey = tenant, RowKey = inverted
 * start time + run id, so a plain query lists the newest run first. Counts and calls by
 * cmdlet are stored as JSON strings (a table has no nested properties).
 */
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import { ConflictError, ValidationError } from '../errors';
import { guard, statusOf } from './errors';
import { idKey, invertedTime, tenantKey } from './keys';

import { emptyCounts, type MailboxesWithoutStatistics, type SyncCounts, type SyncRun } from '../domain/sync-run';

export { emptyCounts, type SyncCounts, type SyncRun, type SyncKind, type SyncOutcome } from '../domain/sync-run';

export interface SyncRunRepository {
  /** Records a new run; a second start of the same run is a ConflictError. */
  start(run: SyncRun): Promise<void>;
  /** Overwrites the run's record with its current state (progress or final). */
  update(run: SyncRun): Promise<void>;
  /** Same as update; reads better at the end of a run. */
  finish(run: SyncRun): Promise<void>;
  /** Newest first. */
  latest(tenantId: string, n: number): Promise<SyncRun[]>;
}


/** Azure caps a string property at 64 KiB (32 K UTF-16 characters). */
const MAX_ERROR_CHARS = 8_000;

function toEntity(run: SyncRun): TableEntity {
  const tenant = tenantKey(run.tenantId);
  const rowKey = `${invertedTime(run.startedAt, 'startedAt')}-${idKey('runId', run.runId)}`;
  const e: TableEntity = {
    partitionKey: tenant,
    rowKey,
    tenantId: run.tenantId,
    runId: run.runId,
    kind: run.kind,
    startedAt: run.startedAt,
    outcome: run.outcome,
    counts: JSON.stringify(run.counts),
    callsByCmdlet: JSON.stringify(run.callsByCmdlet),
    retries: run.retries,
    throttled: run.throttled,
    pages: run.pages,
    transactions: run.transactions,
    entitiesWritten: run.entitiesWritten,
    instance: run.instance,
  };
  if (run.endedAt !== null) e.endedAt = run.endedAt;
  if (run.error !== undefined) e.error = run.error.slice(0, MAX_ERROR_CHARS);
  if (run.resumedFrom !== undefined) e.resumedFrom = run.resumedFrom;
  if (run.invocations !== undefined) e.invocations = run.invocations;
  if (run.activeMs !== undefined) e.activeMs = run.activeMs;
  if (run.inventory !== undefined) e.inventory = JSON.stringify(run.inventory);
  if (run.mailboxesWithoutStatistics !== undefined) e.mailboxesWithoutStatistics = JSON.stringify(run.mailboxesWithoutStatistics);
  return e;
}

function parseJson<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

function fromEntity(e: Record<string, unknown>): SyncRun {
  const run: SyncRun = {
    tenantId: String(e.tenantId ?? ''),
    runId: String(e.runId ?? ''),
    kind: e.kind === 'delta' ? 'delta' : 'full',
    startedAt: String(e.startedAt ?? ''),
    endedAt: typeof e.endedAt === 'string' ? e.endedAt : null,
    outcome: (['running', 'succeeded', 'failed', 'partial', 'skipped', 'abandoned'] as const).find((o) => o === e.outcome) ?? 'failed',
    counts: { ...emptyCounts(), ...parseJson<Partial<SyncCounts>>(e.counts, {}) },
    callsByCmdlet: parseJson<Record<string, number>>(e.callsByCmdlet, {}),
    retries: Number(e.retries ?? 0),
    throttled: Number(e.throttled ?? 0),
    pages: Number(e.pages ?? 0),
    transactions: Number(e.transactions ?? 0),
    entitiesWritten: Number(e.entitiesWritten ?? 0),
    instance: String(e.instance ?? ''),
  };
  if (typeof e.error === 'string') run.error = e.error;
  if (typeof e.resumedFrom === 'string') run.resumedFrom = e.resumedFrom;
  if (typeof e.invocations === 'number') run.invocations = e.invocations;
  if (typeof e.activeMs === 'number') run.activeMs = e.activeMs;
  if (typeof e.inventory === 'string') run.inventory = parseJson<{ active: number; removed: number }>(e.inventory, { active: 0, removed: 0 });
  if (typeof e.mailboxesWithoutStatistics === 'string') run.mailboxesWithoutStatistics = parseJson<MailboxesWithoutStatistics>(e.mailboxesWithoutStatistics, { count: 0, first: [] });
  return run;
}

export function createSyncRunRepository(client: TableClient): SyncRunRepository {
  const save = async (run: SyncRun) => {
    const entity = toEntity(run);
    // Upsert: a run whose start was not recorded (storage hiccup) still gets its result.
    await guard('save sync run', () => client.upsertEntity(entity, 'Replace'));
  };
  return {
    async start(run) {
      const entity = toEntity(run);
      await guard('record sync run start', async () => {
        try {
          await client.createEntity(entity);
        } catch (e) {
          if (statusOf(e) === 409) throw new ConflictError(`Sync run ${run.runId} was already started`, { runId: run.runId });
          throw e;
        }
      });
    },
    update: save,
    finish: save,
    async latest(tenantId, n) {
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw ValidationError.of('n', `must be a whole number from 1 to 1000, got ${n}`);
      const tenant = tenantKey(tenantId);
      const pages = client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${tenant}` } }).byPage({ maxPageSize: n });
      const runs: SyncRun[] = [];
      while (runs.length < n) {
        const page = await guard('list sync runs', () => pages.next());
        if (page.done) break;
        for (const e of page.value) if (runs.length < n) runs.push(fromEntity(e));
      }
      return runs;
    },
  };
}
