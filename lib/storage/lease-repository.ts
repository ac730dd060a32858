/**
 * Tenant leases in the `state` table (PartitionKey = tenant): per tenant and name, one
 * holder at a time. Taking and keeping a lease are conditional writes (create-if-absent,
 * If-Match ETag), so two instances racing for it cannot both win, without any clock
 * agreement beyond the TTL.
 *
 * RowKey `lease` is the sync's, as it was before leases had names (an upgrade keeps a held
 * lease, and older instances still see it); any other name has `lease:<name>`.
 */
import type { TableClient, TableEntity } from '@azure/data-tables';
import { systemClock, type Clock } from '../clock';
import { leaseNameIssue, SYNC_LEASE, type Lease, type LeaseResult } from '../domain/lease';
import type { LeaseHolder } from '../domain/sync-run';
import { ValidationError } from '../errors';
import { getEntityOrNull, guard, LeaseLostError, statusOf } from './errors';
import { tenantKey } from './keys';

export type { Lease, LeaseResult } from '../domain/lease';

/** What `breakLease` did: taken away from a silent holder, refused (it renewed recently), or nothing to break. */
export type BreakLeaseResult =
  | { outcome: 'broken'; holder: string; renewedAt: string; expiresAt: string }
  | { outcome: 'refused'; holder: string; renewedAt: string; expiresAt: string }
  | { outcome: 'none' };

export interface LeaseRepository {
  /** Takes the lease `name` if nobody holds it or the holder's lease expired. */
  acquireLease(tenantId: string, name: string, owner: string, ttlMs: number): Promise<LeaseResult>;
  /** Extends the lease by its TTL from now; LeaseLostError if someone else took it. */
  renewLease(lease: Lease): Promise<Lease>;
  /** Gives the lease up; false if it was no longer ours (nothing is changed then). */
  releaseLease(lease: Lease): Promise<boolean>;
  /** The lease as stored (possibly expired); null when nobody took it or it was released. */
  getLease(tenantId: string, name: string): Promise<LeaseHolder | null>;
  /**
   * Removes the lease of a holder that stopped renewing: one whose last renewal is at
   * least `silentForMs` old (or whose lease expired). Refuses a holder that renewed more
   * recently. Conditional on the lease as read, so a renewal in between wins.
   */
  breakLease(tenantId: string, name: string, silentForMs: number): Promise<BreakLeaseResult>;
}

function leaseRowKey(name: string): string {
  const issue = leaseNameIssue(name);
  if (issue) throw ValidationError.of('name', issue);
  return name === SYNC_LEASE ? 'lease' : `lease:${name}`;
}

export function createLeaseRepository(client: TableClient, o: { clock?: Clock } = {}): LeaseRepository {
  const clock = o.clock ?? systemClock;
  const iso = (ms: number) => new Date(ms).toISOString();

  function leaseEntity(lease: Omit<Lease, 'etag'>): TableEntity {
    return {
      partitionKey: tenantKey(lease.tenantId),
      rowKey: leaseRowKey(lease.name),
      tenantId: lease.tenantId,
      owner: lease.owner,
      acquiredAt: lease.acquiredAt,
      expiresAt: lease.expiresAt,
      ttlMs: lease.ttlMs,
      renewedAt: iso(clock.now()),
    };
  }

  const read = (tenantId: string, name: string) => getEntityOrNull(client, tenantKey(tenantId), leaseRowKey(name), `read ${name} lease`);
  const holderOf = (e: Record<string, unknown>) => ({ holder: String(e.owner ?? ''), expiresAt: String(e.expiresAt ?? ''), renewedAt: String(e.renewedAt ?? e.acquiredAt ?? '') });

  return {
    async acquireLease(tenantId, name, owner, ttlMs) {
      if (!owner || owner.length > 200) throw ValidationError.of('owner', 'must be a non-empty name of at most 200 characters');
      if (!Number.isInteger(ttlMs) || ttlMs < 1) throw ValidationError.of('ttlMs', `must be a positive whole number, got ${ttlMs}`);
      // A few rounds cover the lease being released or expiring between our read and write.
      for (let round = 0; round < 3; round++) {
        const at = clock.now();
        const wanted = { tenantId, name, owner, acquiredAt: iso(at), expiresAt: iso(at + ttlMs), ttlMs };
        const current = await read(tenantId, name);
        if (current && Date.parse(String(current.expiresAt)) > at) {
          // Held and not expired, even by an owner of the same name: the ETag is the lease.
          return { acquired: false, holder: String(current.owner), expiresAt: String(current.expiresAt), ...(typeof current.renewedAt === 'string' ? { renewedAt: current.renewedAt } : {}) };
        }
        const etag = await guard(`take ${name} lease`, async () => {
          try {
            const res = current ? await client.updateEntity(leaseEntity(wanted), 'Replace', { etag: current.etag }) : await client.createEntity(leaseEntity(wanted));
            return res.etag;
          } catch (e) {
            // 409: created by someone else first; 412: taken over by someone else first;
            // 404: released between our read and write. Look again.
            const s = statusOf(e);
            if (s === 409 || s === 412 || s === 404) return null;
            throw e;
          }
        });
        if (etag) return { acquired: true, lease: { ...wanted, etag } };
      }
      const holder = await read(tenantId, name);
      return { acquired: false, holder: String(holder?.owner ?? 'unknown'), expiresAt: String(holder?.expiresAt ?? iso(clock.now())) };
    },

    async renewLease(lease) {
      const renewed = { ...lease, expiresAt: iso(clock.now() + lease.ttlMs) };
      return guard(`renew ${lease.name} lease`, async () => {
        try {
          const res = await client.updateEntity(leaseEntity(renewed), 'Replace', { etag: lease.etag });
          return { ...renewed, etag: res.etag ?? lease.etag };
        } catch (e) {
          const s = statusOf(e);
          if (s === 412 || s === 404) throw new LeaseLostError(lease, e);
          throw e;
        }
      });
    },

    async releaseLease(lease) {
      return guard(`release ${lease.name} lease`, async () => {
        try {
          await client.deleteEntity(tenantKey(lease.tenantId), leaseRowKey(lease.name), { etag: lease.etag });
          return true;
        } catch (e) {
          const s = statusOf(e);
          if (s === 412 || s === 404) return false;
          throw e;
        }
      });
    },

    async getLease(tenantId, name) {
      const e = await read(tenantId, name);
      if (!e) return null;
      const { holder, expiresAt, renewedAt } = holderOf(e);
      return { owner: holder, acquiredAt: String(e.acquiredAt ?? ''), renewedAt, expiresAt, ...(typeof e.ttlMs === 'number' ? { ttlMs: e.ttlMs } : {}) };
    },

    async breakLease(tenantId, name, silentForMs) {
      if (!Number.isFinite(silentForMs) || silentForMs < 0) throw ValidationError.of('silentForMs', `must be a non-negative number, got ${silentForMs}`);
      const e = await read(tenantId, name);
      if (!e) return { outcome: 'none' };
      const seen = holderOf(e);
      const at = clock.now();
      const silent = Date.parse(seen.expiresAt) <= at || !(at - Date.parse(seen.renewedAt) < silentForMs);
      if (!silent) return { outcome: 'refused', ...seen };
      return guard(`break ${name} lease`, async () => {
        try {
          await client.deleteEntity(tenantKey(tenantId), leaseRowKey(name), { etag: e.etag });
          return { outcome: 'broken' as const, ...seen };
        } catch (err) {
          const s = statusOf(err);
          // 412: renewed (or taken) since our read, so it is alive; 404: released meanwhile.
          if (s === 412) return { outcome: 'refused' as const, ...seen };
          if (s === 404) return { outcome: 'none' as const };
          throw err;
        }
      });
    },
  };
}
