/**
 * Tenant leases: per tenant and name, one holder at a time. Each job that must not run
 * twice at once holds its own name (`sync`; later `policyReconcile`, `actionFollowUp`),
 * so one job never waits for another.
 */

/** The sync's lease: the one the status and --break-lease speak of. */
export const SYNC_LEASE = 'sync';

/** A lease's name is part of a row key: short, and nothing Table Storage forbids there. */
const LEASE_NAME = /^[a-zA-Z0-9-]{1,32}$/;

/** Why `name` cannot name a lease; null when it can. */
export function leaseNameIssue(name: string): string | null {
  return LEASE_NAME.test(name) ? null : `must be 1 to 32 letters, digits or hyphens, got "${name}"`;
}

/** A lease as its holder has it: what it renews and releases. */
export interface Lease {
  tenantId: string;
  name: string;
  /** Who holds it: make it unique per run (e.g. host + run id), not per host. */
  owner: string;
  acquiredAt: string;
  expiresAt: string;
  ttlMs: number;
  /** The store's version of the lease as this holder last wrote it (opaque; renewals and release are conditional on it). */
  etag: string;
}

export type LeaseResult = { acquired: true; lease: Lease } | { acquired: false; holder: string; expiresAt: string; renewedAt?: string };
