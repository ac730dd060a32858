/**
 * Writes many entities as entity group transactions. Azure accepts at most 100
 * operations of one partition per transaction (Azurite enforces the same), and one
 * transaction costs about as much as a single write, so batching is where write
 * throughput comes from (see shared/reference/toolchain.md: ~6,400 entities/s batched at
 * concurrency 4 against ~950/s single upserts).
 *
 * Only idempotent operations go through here (upsert, update): a transaction whose
 * answer was lost can be sent again without harm. Inserts are not, so they are not offered.
 */
import type { TableClient, TableEntity, TransactionAction, UpdateMode } from '@azure/data-tables';
import { silentLogger, type Logger } from '../log';
import { forEachConcurrent, sleep } from './concurrency';
import { describeStorageError, isTransient, toStorageError } from './errors';

export const MAX_TRANSACTION_SIZE = 100;

export interface WriteStats {
  /** Transactions that succeeded (retries not counted twice). */
  transactions: number;
  /** Entities written by those transactions. */
  entities: number;
  /** Transactions sent again after a transient failure. */
  retries: number;
}

export const emptyStats = (): WriteStats => ({ transactions: 0, entities: 0, retries: 0 });

export function addStats(into: WriteStats, s: WriteStats): WriteStats {
  into.transactions += s.transactions;
  into.entities += s.entities;
  into.retries += s.retries;
  return into;
}

export type EntityWrite = (
  /** Create or overwrite (Replace) / create or merge into (Merge). */
  | { op: 'upsert'; mode: UpdateMode; entity: TableEntity }
  /** Change an existing entity; the whole transaction fails with 404 if one is missing. */
  | { op: 'update'; mode: UpdateMode; entity: TableEntity }
) & {
  /**
   * Writes of one group (same partition) go in one transaction, all or none: a device
   * record and its index entries. A group written again in the same call replaces the
   * earlier one whole. Default: the entity's own RowKey.
   */
  group?: string;
};

export interface BatchOptions {
  /** Transactions in flight at once, spread over partitions (default 4). */
  concurrency?: number;
  /** Tries per transaction, first one included (default 4). */
  maxAttempts?: number;
  /** First backoff; doubles per attempt with full jitter, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Upper bound of one transaction request (default 30 s); a timeout is retried. */
  timeoutMs?: number;
  log?: Logger;
  /** Called after each successful transaction (progress, metrics). */
  onTransaction?: (partitionKey: string, entities: number) => void;
}

interface Chunk {
  partitionKey: string;
  writes: EntityWrite[];
}

/**
 * Groups writes by PartitionKey, keeps the last write of a repeated RowKey (a
 * transaction must not touch one entity twice) and the last of a repeated group, cuts
 * chunks of <= 100 without splitting a group, and interleaves the partitions so that
 * concurrent transactions hit different partitions.
 */
export function planTransactions(writes: readonly EntityWrite[], size = MAX_TRANSACTION_SIZE): Chunk[] {
  const byPartition = new Map<string, Map<string, EntityWrite[]>>();
  const groupOfRow = new Map<string, string>();
  for (const w of writes) {
    const pk = w.entity.partitionKey;
    let groups = byPartition.get(pk);
    if (!groups) byPartition.set(pk, (groups = new Map()));
    const g = w.group ?? w.entity.rowKey;
    // A RowKey already planned in another group: the later write wins, so drop it there.
    const rowId = `${pk}\u0000${w.entity.rowKey}`;
    const earlier = groupOfRow.get(rowId);
    if (earlier !== undefined && earlier !== g) {
      const rest = (groups.get(earlier) ?? []).filter((x) => x.entity.rowKey !== w.entity.rowKey);
      if (rest.length) groups.set(earlier, rest);
      else groups.delete(earlier);
    }
    groupOfRow.set(rowId, g);
    const current = groups.get(g);
    if (current?.some((x) => x.entity.rowKey === w.entity.rowKey)) {
      // The group written again (its entity seen twice): the later group replaces the earlier one whole.
      for (const x of current) if (x.entity.rowKey !== w.entity.rowKey) groupOfRow.delete(`${pk}\u0000${x.entity.rowKey}`);
      groups.delete(g);
      groups.set(g, [w]);
    } else if (current) current.push(w);
    else groups.set(g, [w]);
  }
  const perPartition: Chunk[][] = [];
  for (const [partitionKey, groups] of byPartition) {
    const chunks: Chunk[] = [];
    let open: EntityWrite[] = [];
    for (const g of groups.values()) {
      if (g.length > size) throw new Error(`a write group of ${g.length} entities does not fit one transaction of ${size}`);
      if (open.length + g.length > size) {
        chunks.push({ partitionKey, writes: open });
        open = [];
      }
      open.push(...g);
    }
    if (open.length) chunks.push({ partitionKey, writes: open });
    perPartition.push(chunks);
  }
  const plan: Chunk[] = [];
  const rounds = Math.max(0, ...perPartition.map((c) => c.length));
  for (let round = 0; round < rounds; round++) {
    for (const chunks of perPartition) if (round < chunks.length) plan.push(chunks[round]!);
  }
  return plan;
}

function toAction(w: EntityWrite): TransactionAction {
  return [w.op, w.entity, w.mode];
}

export async function writeBatches(client: TableClient, writes: readonly EntityWrite[], o: BatchOptions = {}): Promise<WriteStats> {
  const stats = emptyStats();
  if (writes.length === 0) return stats;
  const log = o.log ?? silentLogger;
  const maxAttempts = Math.max(1, o.maxAttempts ?? 4);
  const baseDelayMs = o.baseDelayMs ?? 200;
  const maxDelayMs = o.maxDelayMs ?? 5_000;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const plan = planTransactions(writes);

  try {
    await forEachConcurrent(plan, o.concurrency ?? 4, async (chunk) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.submitTransaction(chunk.writes.map(toAction), { abortSignal: AbortSignal.timeout(timeoutMs) });
          stats.transactions += 1;
          stats.entities += chunk.writes.length;
          o.onTransaction?.(chunk.partitionKey, chunk.writes.length);
          return;
        } catch (e) {
          if (attempt >= maxAttempts || !isTransient(e)) throw e;
          stats.retries += 1;
          const delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          log.warn('table transaction failed, retrying', {
            table: client.tableName,
            partitionKey: chunk.partitionKey,
            entities: chunk.writes.length,
            attempt,
            delayMs: Math.round(delay),
            reason: describeStorageError(e),
          });
          await sleep(delay);
        }
      }
    });
  } catch (e) {
    const err = toStorageError(e, `batch write to ${client.tableName}`);
    // What did get written is useful for the run record even when the batch fails.
    if (typeof err === 'object' && err !== null && 'details' in err && typeof err.details === 'object' && err.details) {
      Object.assign(err.details, { written: { ...stats } });
    }
    throw err;
  }
  return stats;
}
