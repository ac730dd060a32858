/**
 * Per-tenant connector state in the `state` table (PartitionKey = tenant):
 * - `lease`, `lease:<name>`: tenant leases (lease-repository.ts).
 * - `checkpoint:<kind>`: where an interrupted sync resumes (JSON).
 * - `status`: the connector's installation status (message 1015) with its per-feature
 *   result (JSON), ETag-guarded.
 */
import type { TableClient, TableEntity } from '@azure/data-tables';
import { systemClock, type Clock } from '../clock';
import { ValidationError } from '../errors';
import { ConcurrencyError, getEntityOrNull, guard, statusOf } from './errors';
import { idKey, tenantKey } from './keys';
import { createLeaseRepository, type LeaseRepository } from './lease-repository';

export interface Checkpoint<T> {
  kind: string;
  data: T;
  savedAt: string;
}

export type { ConnectorStatus } from '../domain/connector-status';
import type { ConnectorStatus, FeatureStatus } from '../domain/connector-status';

export interface StateRepository extends LeaseRepository {
  getCheckpoint<T = unknown>(tenantId: string, kind: string): Promise<Checkpoint<T> | null>;
  saveCheckpoint(tenantId: string, kind: string, data: object): Promise<void>;
  clearCheckpoint(tenantId: string, kind: string): Promise<void>;

  getStatus(tenantId: string): Promise<{ status: ConnectorStatus; etag: string } | null>;
  /**
   * Saves the status. With `expectedEtag` (from getStatus) the write only succeeds if
   * nobody changed it since: ConcurrencyError otherwise. Returns the new ETag.
   */
  saveStatus(tenantId: string, status: ConnectorStatus, expectedEtag?: string): Promise<{ etag: string }>;
}

export interface StateRepositoryOptions {
  /** The clock for lease expiry and the times stored; tests move it instead of waiting. */
  clock?: Clock;
}

const STATUS = 'status';

/**
 * A string property holds at most 64 KiB (32 K UTF-16 characters) and an entity 1 MiB,
 * so a checkpoint's JSON is split over `data0`, `data1`, ... properties.
 */
const CHUNK_CHARS = 30_000;
const MAX_CHECKPOINT_CHARS = 15 * CHUNK_CHARS;

export function createStateRepository(client: TableClient, o: StateRepositoryOptions = {}): StateRepository {
  const clock = o.clock ?? systemClock;
  const checkpointKey = (kind: string) => `checkpoint:${idKey('kind', kind)}`;

  return {
    ...createLeaseRepository(client, { clock }),

    async getCheckpoint<T = unknown>(tenantId: string, kind: string): Promise<Checkpoint<T> | null> {
      const e = await getEntityOrNull(client, tenantKey(tenantId), checkpointKey(kind), 'read checkpoint');
      if (!e) return null;
      const parts = Number(e.parts ?? 0);
      let json = '';
      for (let i = 0; i < parts; i++) json += String(e[`data${i}`] ?? '');
      return { kind, data: JSON.parse(json) as T, savedAt: String(e.savedAt ?? '') };
    },

    async saveCheckpoint(tenantId, kind, data) {
      const tenant = tenantKey(tenantId);
      const json = JSON.stringify(data);
      if (json === undefined) throw ValidationError.of('data', 'must be a JSON-serializable object');
      if (json.length > MAX_CHECKPOINT_CHARS) {
        throw ValidationError.of('data', `checkpoint is ${json.length} characters of JSON; at most ${MAX_CHECKPOINT_CHARS} fit in one entity`);
      }
      const entity: TableEntity = { partitionKey: tenant, rowKey: checkpointKey(kind), kind, savedAt: new Date(clock.now()).toISOString(), parts: 0 };
      let parts = 0;
      for (let i = 0; i < json.length || i === 0; i += CHUNK_CHARS) entity[`data${parts++}`] = json.slice(i, i + CHUNK_CHARS);
      entity.parts = parts;
      // Replace so that a shorter checkpoint leaves no stale data parts behind.
      await guard('save checkpoint', () => client.upsertEntity(entity, 'Replace'));
    },

    async clearCheckpoint(tenantId, kind) {
      const tenant = tenantKey(tenantId);
      await guard('clear checkpoint', async () => {
        try {
          await client.deleteEntity(tenant, checkpointKey(kind));
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
      });
    },

    async getStatus(tenantId) {
      const e = await getEntityOrNull(client, tenantKey(tenantId), STATUS, 'read connector status');
      if (!e) return null;
      let missing: string[] = [];
      try {
        const parsed: unknown = JSON.parse(String(e.missingCmdlets ?? '[]'));
        if (Array.isArray(parsed)) missing = parsed.map(String);
      } catch {
        // an unreadable list reads as empty
      }
      const state = (['flaggedForInstallation', 'installed', 'failed'] as const).find((s) => s === e.state) ?? 'failed';
      let features: FeatureStatus[] = [];
      try {
        const parsed: unknown = JSON.parse(String(e.features ?? '[]'));
        if (Array.isArray(parsed)) {
          features = parsed
            .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null && typeof (f as { feature?: unknown }).feature === 'string')
            .map((f) => ({ feature: String(f.feature), state: f.state === 'available' ? 'available' : 'unavailable', missingCmdlets: Array.isArray(f.missingCmdlets) ? f.missingCmdlets.map(String) : [] }));
        }
      } catch {
        // an unreadable list reads as empty (a status saved before features existed has none)
      }
      return {
        etag: e.etag,
        status: {
          state,
          messageId: typeof e.messageId === 'number' ? e.messageId : null,
          missingCmdlets: missing,
          features,
          checkedAt: String(e.checkedAt ?? ''),
          nextCheckAt: typeof e.nextCheckAt === 'string' ? e.nextCheckAt : null,
          detail: String(e.detail ?? ''),
        },
      };
    },

    async saveStatus(tenantId, status, expectedEtag) {
      const tenant = tenantKey(tenantId);
      const entity: TableEntity = {
        partitionKey: tenant,
        rowKey: STATUS,
        state: status.state,
        missingCmdlets: JSON.stringify(status.missingCmdlets),
        features: JSON.stringify(status.features),
        checkedAt: status.checkedAt,
        detail: status.detail,
      };
      if (status.messageId !== null) entity.messageId = status.messageId;
      if (status.nextCheckAt !== null) entity.nextCheckAt = status.nextCheckAt;
      return guard(
        'save connector status',
        async () => {
          if (expectedEtag === undefined) {
            const res = await client.upsertEntity(entity, 'Replace');
            return { etag: res.etag ?? '' };
          }
          try {
            const res = await client.updateEntity(entity, 'Replace', { etag: expectedEtag });
            return { etag: res.etag ?? '' };
          } catch (e) {
            // The status the caller read is gone: the same conflict as a changed ETag.
            if (statusOf(e) === 404) throw new ConcurrencyError('The connector status', { tenantId });
            throw e;
          }
        },
        'The connector status',
      );
    },
  };
}
