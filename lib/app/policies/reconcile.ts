/**
 * The policy half of the `policyReconcile` timer: each managed policy is read from
 * Exchange, its display forms normalised, and compared with the desired groups. No
 * difference: no call, no drift. A difference (someone changed a setting by hand in the
 * admin center, or the policy is gone) is recorded as drift (what, desired, found, when),
 * repaired with one Set- (or New-) call, and shown by GET /api/policies. Groups the
 * connector does not manage are never compared or written.
 */
import { describeError } from '../../errors';
import { diffPolicy } from '../../domain/policy';
import { ConcurrencyConflictError } from '../actions/ports';
import { applyPlan, planWrite } from './manage';
import type { DriftEntry, PolicyDeps, StoredPolicy } from './ports';

/** Drift entries kept per policy (newest first). */
const KEEP_DRIFT = 50;

export interface PolicyReconcileReport {
  policies: number;
  /** Policies that differed from the desired state. */
  drifted: number;
  repaired: number;
  failures: number;
  drift: { policy: string; parameter: string; desired: unknown; found: unknown; repaired: boolean }[];
}

export async function reconcilePolicies(deps: PolicyDeps): Promise<PolicyReconcileReport> {
  const report: PolicyReconcileReport = { policies: 0, drifted: 0, repaired: 0, failures: 0, drift: [] };
  for (const managed of await deps.store.list(deps.tenantId)) {
    report.policies++;
    try {
      await reconcileOne(deps, managed, report);
    } catch (e) {
      report.failures++;
      deps.log.warn(`Reconcile of mailbox policy "${managed.name}" failed; the next run tries again`, { error: describeError(e) });
    }
  }
  return report;
}

async function reconcileOne(deps: PolicyDeps, managed: StoredPolicy, report: PolicyReconcileReport): Promise<void> {
  const now = new Date(deps.clock.now()).toISOString();
  const found = await deps.exchange.get(managed.name);
  const plan = planWrite(managed, found);
  if (!plan) {
    // Nothing differs: only the time of the check is kept (a change meanwhile wins).
    await deps.store.update(deps.tenantId, { ...managed, lastReconciledAt: now }).catch((e) => {
      if (!(e instanceof ConcurrencyConflictError)) throw e;
    });
    return;
  }
  report.drifted++;
  const entries: DriftEntry[] = found
    ? diffPolicy(managed, found.values).map((d) => ({ group: d.group, key: d.key, parameter: d.parameter, desired: d.desired, found: d.found, foundAt: now, repairedAt: null, requestId: null }))
    : [{ group: null, key: 'policy', parameter: 'Name', desired: managed.name, found: null, foundAt: now, repairedAt: null, requestId: null }];
  if (found && managed.isDefault && !found.isDefault) entries.push({ group: null, key: 'isDefault', parameter: 'IsDefault', desired: true, found: false, foundAt: now, repairedAt: null, requestId: null });
  deps.log.warn(`Mailbox policy "${managed.name}" differs from the desired state in ${entries.length} setting(s); repairing with ${plan.cmdlet}`, { parameters: entries.map((e) => e.parameter) });
  // The drift is recorded before the repair: it stays recorded if the repair fails.
  const recorded = await deps.store.update(deps.tenantId, { ...managed, drift: [...entries, ...managed.drift].slice(0, KEEP_DRIFT), lastReconciledAt: now });
  let repaired: { requestId: string | null } | null = null;
  try {
    const applied = await applyPlan(deps, recorded, plan);
    repaired = { requestId: applied.exchange.requestId };
    const at = new Date(deps.clock.now()).toISOString();
    const marked = applied.policy.drift.map((d, i) => (i < entries.length ? { ...d, repairedAt: at, requestId: repaired!.requestId } : d));
    await deps.store.update(deps.tenantId, { ...applied.policy, drift: marked });
    report.repaired++;
  } finally {
    for (const e of entries) report.drift.push({ policy: managed.name, parameter: e.parameter, desired: e.desired, found: e.found, repaired: !!repaired });
    await deps.audit.append({
      tenantId: deps.tenantId, at: new Date(deps.clock.now()).toISOString(), actor: 'connector', action: 'policy.drift', target: `policy:${managed.name}`, outcome: repaired ? 'repaired' : 'found',
      details: { cmdlet: plan.cmdlet, requestId: repaired?.requestId ?? null, drift: entries.map((e) => ({ parameter: e.parameter, desired: e.desired, found: e.found })) },
    });
  }
}
