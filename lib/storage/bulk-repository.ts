/**
 * Bulk action jobs in the `actions` table:
 * - the job: PartitionKey `<tenant>@bulk`, RowKey the bulk id, the job as JSON beside its
 *   state (running() reads the running ones of that one partition);
 * - its chunks: PartitionKey `<tenant>@bulk-<bulk id>`, RowKey the chunk number (5
 *   digits), state and claim as plain properties and the plan and results deflated
 *   (a binary property holds 64 KiB where a string holds 32 K characters; Exchange's
 *   refusal texts repeat across a mailbox's devices and compress well).
 * Every update is If-Match on the ETag read: two instances never both claim a chunk.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { BulkChunk, BulkJob, BulkStore, Stored } from '../app/actions/bulk-ports';
import { getEntityOrNull, guard } from './errors';
import { conditionalWrite } from './conditional';
import { idKey, tenantKey } from './keys';

const jobPk = (t: string) => `${tenantKey(t)}@bulk`;
const chunkPk = (t: string, id: string) => `${tenantKey(t)}@bulk-${idKey('bulkId', id)}`;
const chunkRk = (i: number) => String(i).padStart(5, '0');

const pack = (v: unknown) => deflateRawSync(Buffer.from(JSON.stringify(v)));
const unpack = <T>(v: unknown): T => JSON.parse(inflateRawSync(Buffer.from(v as Uint8Array)).toString('utf8')) as T;

function chunkEntity(t: string, id: string, c: BulkChunk): TableEntity {
  return { partitionKey: chunkPk(t, id), rowKey: chunkRk(c.index), index: c.index, state: c.state, claimedAt: c.claimedAt ?? '', claimedBy: c.claimedBy ?? '', plan: pack(c.mailboxes), results: pack(c.results) };
}

function chunkOf(e: Record<string, unknown> & { etag: string }): Stored<BulkChunk> {
  return {
    index: Number(e.index),
    state: e.state as BulkChunk['state'],
    claimedAt: e.claimedAt ? String(e.claimedAt) : null,
    claimedBy: e.claimedBy ? String(e.claimedBy) : null,
    mailboxes: unpack(e.plan),
    results: unpack(e.results),
    version: e.etag,
  };
}

const jobEntity = (t: string, j: BulkJob): TableEntity => {
  const { version: _v, ...plain } = j as Stored<BulkJob>;
  return { partitionKey: jobPk(t), rowKey: idKey('bulkId', j.bulkId), state: j.state, data: JSON.stringify(plain) };
};
const jobOf = (e: Record<string, unknown> & { etag: string }): Stored<BulkJob> => ({ ...(JSON.parse(String(e.data)) as BulkJob), version: e.etag });

export function createBulkRepository(client: TableClient): BulkStore {
  return {
    async create(t, job, chunks) {
      // Chunks first: a job listed as running always has its whole plan.
      for (let i = 0; i < chunks.length; i += 100) {
        const slice = chunks.slice(i, i + 100).map((c): TransactionAction => ['upsert', chunkEntity(t, job.bulkId, c), 'Replace']);
        await guard('write bulk plan', () => client.submitTransaction(slice));
      }
      await guard('write bulk job', () => client.createEntity(jobEntity(t, job)));
    },

    async get(t, id) {
      const head = await getEntityOrNull(client, jobPk(t), idKey('bulkId', id), 'read bulk job');
      if (!head) return null;
      const chunks: Stored<BulkChunk>[] = [];
      await guard('read bulk chunks', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${chunkPk(t, id)}` } })) chunks.push(chunkOf(e as Record<string, unknown> & { etag: string }));
      });
      return { job: jobOf(head), chunks: chunks.sort((a, b) => a.index - b.index) };
    },

    async updateChunk(t, id, c) {
      const r = await conditionalWrite(`Chunk ${c.index} of bulk ${id}`, () => client.updateEntity(chunkEntity(t, id, c), 'Replace', { etag: c.version }));
      return { ...c, version: r.etag ?? c.version };
    },

    async updateJob(t, j) {
      const r = await conditionalWrite(`Bulk ${j.bulkId}`, () => client.updateEntity(jobEntity(t, j), 'Replace', { etag: j.version }));
      return { ...j, version: r.etag ?? j.version };
    },

    async running(t) {
      const ids: string[] = [];
      await guard('list running bulks', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${jobPk(t)} and state eq 'running'`, select: ['RowKey'] } })) ids.push(String(e.rowKey));
      });
      return ids;
    },
  };
}
