/**
 * What a lease holder needs from outside: the lease store (lib/storage's state repository
 * is one, as it stands: the same lease type goes in and out, so nothing is cast).
 */
import type { Lease, LeaseResult } from '../../domain/lease';

export type { Lease, LeaseResult } from '../../domain/lease';

export interface LeaseStore {
  /** Takes the lease `name` of the tenant unless someone holds it unexpired. */
  acquireLease(tenantId: string, name: string, owner: string, ttlMs: number): Promise<LeaseResult>;
  /** Throws when the lease was lost (taken over after expiry, or broken). */
  renewLease(lease: Lease): Promise<Lease>;
  /** False when it was no longer the holder's. */
  releaseLease(lease: Lease): Promise<boolean>;
}
