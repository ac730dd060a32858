/**
 * Per-tenant connector state in the `state` table (PartitionKey = tenant):
 * - `lease`: one connector instance syncs an organization at a time. Taking and keeping
 *   the lease are conditional writes (create-if-absent, If-Match ETag), so two
 *   instances racing for it cannot both win, without any clock agreement beyond the TTL.
 * - `checkpoint:<kind>`: where an interrupted sync resumes (JSON).
 * - `status`: the connector's installation status (message 1015) with its per-feature
 *   result (JSON), ETag-guarded.
 */
import type { TableClient, TableEntity } from '@azure/data-tables';
import { ValidationError } from '../errors';
import { ConcurrencyError, guard, LeaseLostError, statusOf } from './errors';
import { idKey, tenantKey } from './keys';

export interface Lease {
  tenantId: string;
  /** Who holds it: make it unique per run (e.g. host + run id), not per host. */
  owner: string;
  acquiredAt: string;
  expiresAt: string;
  ttlMs: number;
  /** The ETag of the lease entity as this holder last wrote it. */
  etag: string;
}

export type LeaseResult = { acquired: true; lease: Lease } | { acquired: false; holder: string; expiresAt: string; renewedAt?: string };

/** What `breakLease` did: taken away from a silent holder, refused (it renewed recently), or nothing to break. */
export type BreakLeaseResult =
  | { outcome: 'broken'; holder: string; renewedAt: string; expiresAt: string }
  | { outcome: 'refused'; holder: string; renewedAt: string; expiresAt: string }
  | { outcome: 'none' };

export interface Checkpoint<T> {
  kind: string;
  data: T;
  savedAt: string;
}

export type { ConnectorStatus } from '../domain/connector-status';
import type { ConnectorStatus, FeatureStatus } from '../domain/connector-status';
import type { LeaseHolder } from '../domain/sync-run';

export interface StateRepository {
  /** Takes the lease if nobody holds it or the holder's lease expired. */
  acquireLease(tenantId: string, owner: string, ttlMs: number): Promise<LeaseResult>;
  /** Extends the lease by its TTL from now; LeaseLostError if someone else took it. */
  renewLease(lease: Lease): Promise<Lease>;
  /** Gives the lease up; false if it was no longer ours (nothing is changed then). */
  releaseLease(lease: Lease): Promise<boolean>;
  /** The lease as stored (possibly expired); null when nobody took it or it was released. */
  getLease(tenantId: string): Promise<LeaseHolder | null>;
  /**
   * Removes the lease of a holder that stopped renewing: one whose last renewal is at
   * least `silentForMs` old (or whose lease expired). Refuses a holder that renewed more
   * recently. Conditional on the lease as read, so a renewal in between wins.
   */
  breakLease(tenantId: string, silentForMs: number): Promise<BreakLeaseResult>;

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
  /** The clock for lease expiry; tests move it instead of waiting. */
  now?: () => number;
}

const LEASE = 'lease';
const STATUS = 'status';

/**
 * A string property holds at most 64 KiB (32 K UTF-16 characters) and an entity 1 MiB,
 * so a checkpoint's JSON is split over `data0`, `data1`, ... properties.
 */
const CHUNK_CHARS = 30_000;
const MAX_CHECKPOINT_CHARS = 15 * CHUNK_CHARS;

async function getOrNull(client: TableClient, pk: string, rk: string, operation: string): Promise<(Record<string, unknown> & { etag: string }) | null> {
  return guard(operation, async () => {
    try {
      return await client.getEntity<Record<string, unknown>>(pk, rk);
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  });
}

export function createStateRepository(client: TableClient, o: StateRepositoryOptions = {}): StateRepository {
  const now = o.now ?? Date.now;

  function leaseEntity(tenant: string, lease: Omit<Lease, 'etag'>): TableEntity {
    return {
      partitionKey: tenant,
      rowKey: LEASE,
      tenantId: lease.tenantId,
      owner: lease.owner,
      acquiredAt: lease.acquiredAt,
      expiresAt: lease.expiresAt,
      ttlMs: lease.ttlMs,
      renewedAt: new Date(now()).toISOString(),
    };
  }

  const checkpointKey = (kind: string) => `checkpoint:${idKey('kind', kind)}`;

  return {
    async acquireLease(tenantId, owner, ttlMs) {
      const tenant = tenantKey(tenantId);
      if (!owner || owner.length > 200) throw ValidationError.of('owner', 'must be a non-empty name of at most 200 characters');
      if (!Number.isInteger(ttlMs) || ttlMs < 1) throw ValidationError.of('ttlMs', `must be a positive whole number, got ${ttlMs}`);
      // A few rounds cover the lease being released or expiring between our read and write.
      for (let round = 0; round < 3; round++) {
        const at = now();
        const wanted = { tenantId, owner, acquiredAt: new Date(at).toISOString(), expiresAt: new Date(at + ttlMs).toISOString(), ttlMs };
        const current = await getOrNull(client, tenant, LEASE, 'read lease');
        if (current && Date.parse(String(current.expiresAt)) > at) {
          // Held and not expired, even by an owner of the same name: the ETag is the lease.
          return { acquired: false, holder: String(current.owner), expiresAt: String(current.expiresAt), ...(typeof current.renewedAt === 'string' ? { renewedAt: current.renewedAt } : {}) };
        }
        const outcome = await guard('take lease', async () => {
          try {
            const res = current
              ? await client.updateEntity(leaseEntity(tenant, wanted), 'Replace', { etag: current.etag })
              : await client.createEntity(leaseEntity(tenant, wanted));
            return res.etag;
          } catch (e) {
            // 409: created by someone else first; 412: taken over by someone else first;
            // 404: released between our read and write. Look again.
            const s = statusOf(e);
            if (s === 409 || s === 412 || s === 404) return null;
            throw e;
          }
        });
        if (outcome) return { acquired: true, lease: { ...wanted, etag: outcome } };
      }
      const holder = await getOrNull(client, tenant, LEASE, 'read lease');
      return { acquired: false, holder: String(holder?.owner ?? 'unknown'), expiresAt: String(holder?.expiresAt ?? new Date(now()).toISOString()) };
    },

    async renewLease(lease) {
      const tenant = tenantKey(lease.tenantId);
      const renewed = { ...lease, expiresAt: new Date(now() + lease.ttlMs).toISOString() };
      return guard('renew lease', async () => {
        try {
          const res = await client.updateEntity(leaseEntity(tenant, renewed), 'Replace', { etag: lease.etag });
          return { ...renewed, etag: res.etag ?? lease.etag };
        } catch (e) {
          const s = statusOf(e);
          if (s === 412 || s === 404) throw new LeaseLostError(lease.tenantId, lease.owner, e);
          throw e;
        }
      });
    },

    async releaseLease(lease) {
      const tenant = tenantKey(lease.tenantId);
      return guard('release lease', async () => {
        try {
          await client.deleteEntity(tenant, LEASE, { etag: lease.etag });
          return true;
        } catch (e) {
          const s = statusOf(e);
          if (s === 412 || s === 404) return false;
          throw e;
        }
      });
    },

    async getLease(tenantId) {
      const e = await getOrNull(client, tenantKey(tenantId), LEASE, 'read lease');
      if (!e) return null;
      const expiresAt = String(e.expiresAt ?? '');
      return { owner: String(e.owner ?? ''), acquiredAt: String(e.acquiredAt ?? ''), renewedAt: String(e.renewedAt ?? e.acquiredAt ?? ''), expiresAt, ...(typeof e.ttlMs === 'number' ? { ttlMs: e.ttlMs } : {}) };
    },

    async breakLease(tenantId, silentForMs) {
      if (!Number.isFinite(silentForMs) || silentForMs < 0) throw ValidationError.of('silentForMs', `must be a non-negative number, got ${silentForMs}`);
      const tenant = tenantKey(tenantId);
      const e = await getOrNull(client, tenant, LEASE, 'read lease');
      if (!e) return { outcome: 'none' };
      const holder = String(e.owner ?? '');
      const expiresAt = String(e.expiresAt ?? '');
      const renewedAt = String(e.renewedAt ?? e.acquiredAt ?? '');
      const at = now();
      const silent = Date.parse(expiresAt) <= at || !(at - Date.parse(renewedAt) < silentForMs);
      if (!silent) return { outcome: 'refused', holder, renewedAt, expiresAt };
      return guard('break lease', async () => {
        try {
          await client.deleteEntity(tenant, LEASE, { etag: e.etag });
          return { outcome: 'broken' as const, holder, renewedAt, expiresAt };
        } catch (err) {
          const s = statusOf(err);
          // 412: renewed (or taken) since our read, so it is alive; 404: released meanwhile.
          if (s === 412) return { outcome: 'refused' as const, holder, renewedAt, expiresAt };
          if (s === 404) return { outcome: 'none' as const };
          throw err;
        }
      });
    },

    async getCheckpoint<T = unknown>(tenantId: string, kind: string): Promise<Checkpoint<T> | null> {
      const e = await getOrNull(client, tenantKey(tenantId), checkpointKey(kind), 'read checkpoint');
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
      const entity: TableEntity = { partitionKey: tenant, rowKey: checkpointKey(kind), kind, savedAt: new Date(now()).toISOString(), parts: 0 };
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
      const e = await getOrNull(client, tenantKey(tenantId), STATUS, 'read connector status');
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
