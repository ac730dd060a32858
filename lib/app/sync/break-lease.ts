/**
 * `npm run sync -- --break-lease`: takes the tenant sync lease away from a holder that
 * stopped renewing it (killed, hung, cut off from storage) instead of waiting for it to
 * expire. A holder renews every ttl/3, so one silent for two heartbeats is taken as
 * dead; one that renewed more recently is alive and is refused. Every attempt is audited.
 */
import type { Logger } from '../../log';
import type { AuditRepository } from '../../storage/audit-repository';
import { systemClock, type Clock } from '../../clock';
import { SYNC_LEASE } from '../../domain/lease';
import type { BreakLeaseResult, LeaseRepository } from '../../storage/lease-repository';
import { DEFAULT_LEASE_TTL_MS } from './lease';

export interface BreakLeaseDeps {
  tenantId: string;
  state: Pick<LeaseRepository, 'getLease' | 'breakLease'>;
  audit: Pick<AuditRepository, 'append'>;
  /** Who asked (user and host of the shell). */
  actor: string;
  log: Logger;
  clock?: Clock;
}

export async function breakSyncLease(deps: BreakLeaseDeps): Promise<BreakLeaseResult> {
  const lease = await deps.state.getLease(deps.tenantId, SYNC_LEASE);
  const silentForMs = Math.floor(((lease?.ttlMs ?? DEFAULT_LEASE_TTL_MS) * 2) / 3);
  const result = lease ? await deps.state.breakLease(deps.tenantId, SYNC_LEASE, silentForMs) : ({ outcome: 'none' } as const);
  await deps.audit.append({
    tenantId: deps.tenantId,
    at: new Date((deps.clock ?? systemClock).now()).toISOString(),
    actor: deps.actor,
    action: 'sync.breakLease',
    target: result.outcome === 'none' ? '(no holder)' : result.holder,
    outcome: result.outcome,
    details: result.outcome === 'none' ? {} : { renewedAt: result.renewedAt, expiresAt: result.expiresAt, silentForMs },
  });
  if (result.outcome === 'broken') deps.log.warn(`Sync lease of instance ${result.holder} broken by ${deps.actor} (last renewed ${result.renewedAt})`, { holder: result.holder, renewedAt: result.renewedAt });
  return result;
}
