/**
 * The mailbox-policy feature, composed from the runtime's adapters, and the
 * `policyReconcile` run: every reconciler (policies here; access rules and organization
 * settings add theirs) under one named tenant lease of its own, so two instances never
 * repair the same drift at once and a sync or the action follow-up is never blocked.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { describeError } from '../../errors';
import type { Logger } from '../../log';
import type { AuditLog } from '../actions/ports';
import type { Requester } from '../actions/wipe';
import { takeLease } from '../lease/keeper';
import type { LeaseStore } from '../lease/ports';
import { assignPolicy, deletePolicy, writePolicy, type PolicyChange, type PolicyWriteResult } from './manage';
import { reconcilePolicies, type PolicyReconcileReport } from './reconcile';
import { getPolicy, listPolicies, type PolicyView } from './view';
import type { PolicyDeps, PolicyExchange, PolicyStore } from './ports';

export const RECONCILE_LEASE = 'policyReconcile';
const RECONCILE_LEASE_TTL_MS = 60_000;

export interface PoliciesAdapters {
  tenantId: string;
  instanceId: string;
  log: Logger;
  clock: Clock;
  store: PolicyStore;
  audit: AuditLog;
  exchange: PolicyExchange;
  leases: LeaseStore;
}

export interface PoliciesFeature {
  list(): Promise<PolicyView[]>;
  get(name: string): Promise<PolicyView | null>;
  write(caller: Requester, name: string, change: PolicyChange, o: { ifMatch?: string; merge: boolean }, log?: Logger): Promise<PolicyWriteResult>;
  remove(caller: Requester, name: string, o: { ifMatch?: string; deleteFromExchange: boolean }, log?: Logger): Promise<Awaited<ReturnType<typeof deletePolicy>>>;
  assign(caller: Requester, mailbox: string, policy: string | null, log?: Logger): Promise<Awaited<ReturnType<typeof assignPolicy>>>;
  reconcile(log?: Logger): Promise<PolicyReconcileReport>;
}

export function composePolicies(a: PoliciesAdapters): PoliciesFeature {
  const deps = (log: Logger = a.log): PolicyDeps => ({ tenantId: a.tenantId, store: a.store, exchange: a.exchange, audit: a.audit, clock: a.clock, log });
  return {
    list: () => listPolicies(deps()),
    get: (name) => getPolicy(deps(), name),
    write: (caller, name, change, o, log) => writePolicy(deps(log), caller, name, change, o),
    remove: (caller, name, o, log) => deletePolicy(deps(log), caller, name, o),
    assign: (caller, mailbox, policy, log) => assignPolicy(deps(log), caller, mailbox, policy),
    reconcile: (log) => reconcilePolicies(deps(log)),
  };
}

export interface Reconciler {
  name: string;
  run(log: Logger): Promise<unknown>;
}

export interface ReconcileRun {
  /** null when another instance holds the reconcile lease. */
  reports: Record<string, unknown> | null;
}

/** One reconcile pass of every reconciler under the `policyReconcile` lease; one failing does not stop the others. */
export async function runReconcile(a: Pick<PoliciesAdapters, 'tenantId' | 'instanceId' | 'clock' | 'leases'>, reconcilers: Reconciler[], log: Logger): Promise<ReconcileRun> {
  const taken = await takeLease({ store: a.leases, tenantId: a.tenantId, name: RECONCILE_LEASE, owner: `${a.instanceId}#${randomBytes(3).toString('hex')}`, ttlMs: RECONCILE_LEASE_TTL_MS, log, clock: a.clock });
  if (!taken.acquired) {
    log.info(`Reconcile skipped: instance ${taken.holder} holds its lease until ${taken.expiresAt}`);
    return { reports: null };
  }
  const reports: Record<string, unknown> = {};
  try {
    for (const r of reconcilers) {
      try {
        taken.keeper.check();
        reports[r.name] = await r.run(log);
      } catch (e) {
        reports[r.name] = { failed: describeError(e) };
        log.warn(`Reconcile of ${r.name} failed; the next run tries again`, { error: describeError(e) });
      }
    }
  } finally {
    await taken.keeper.stop();
  }
  return { reports };
}
