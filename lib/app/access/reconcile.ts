/**
 * The reconcile: reads what Exchange holds, compares it with the desired state, records
 * each difference (setting, desired, found, when found, when repaired) in its desired
 * record, and puts the managed values back: one Set-ActiveSyncOrganizationSettings with
 * only the drifted parameters, Set- (access level) or New- (a managed rule gone) per
 * rule. It finishes what a change left half-done: rules a recreate replaced (pending
 * removal), removals under way, calls whose outcome was unknown. Rules the connector does
 * not manage are reported and never touched. A run that finds nothing makes no Set- call.
 */
import { describeError } from '../../errors';
import { attempt, audit, CONNECTOR, nowIso, requestIdOf } from './calls';
import { changedParameters, closeSettled, orgChange, orgDifferences, ruleDifferences, withDrift, type SettingDifference } from './drift';
import type { AccessDeps, ExchangeRule, RuleDesired, Versioned } from './ports';
import { exchangeRuleOf, unmanagedRules } from './rules-view';

export interface ReconcileReport {
  at: string;
  organization: { managed: string[]; drift: SettingDifference[]; repaired: boolean; requestId: string | null; error: string | null };
  rules: {
    managed: number;
    drift: (SettingDifference & { ruleId: string; identity: string })[];
    repaired: number;
    /** Identities of replaced or removed rules taken out of Exchange this run. */
    removed: string[];
    /** Rules in Exchange the connector does not manage: reported, never changed. */
    unmanaged: string[];
    errors: string[];
  };
  /** State-changing calls sent (0 when nothing drifted). */
  changes: number;
  driftFound: boolean;
}

async function reconcileOrganization(deps: AccessDeps, report: ReconcileReport, at: string): Promise<void> {
  const record = await deps.store.organization(deps.tenantId);
  const managed = record?.value.managed ?? {};
  report.organization.managed = Object.keys(managed);
  if (!record || (report.organization.managed.length === 0 && !record.value.outcomeUnknownAt)) return;
  const found = await deps.exchange.organization();
  const diffs = orgDifferences(managed, found.managed);
  report.organization.drift = diffs;
  let drift = closeSettled(record.value.drift, (s) => diffs.some((d) => d.setting === s), at);
  if (diffs.length) {
    const change = orgChange(managed, found.managed);
    const r = await attempt(deps, 'Set-ActiveSyncOrganizationSettings', () => deps.exchange.setOrganization(change));
    report.changes++;
    report.organization.requestId = requestIdOf(r);
    report.organization.repaired = r.outcome === 'done';
    if (r.outcome !== 'done') report.organization.error = r.error.message;
    drift = withDrift(drift, diffs, at, r.outcome === 'done' ? { requestId: r.receipt.requestId } : null);
    const before = Object.fromEntries(diffs.map((d) => [d.setting, d.found]));
    const after = Object.fromEntries(diffs.map((d) => [d.setting, d.desired]));
    await audit(deps, CONNECTOR, 'access.organization.repair', 'organization', r.outcome, { parameters: changedParameters(change), before, after, requestId: requestIdOf(r), detail: r.outcome === 'done' ? null : r.error.message });
  }
  const unchanged = JSON.stringify(drift) === JSON.stringify(record.value.drift) && !record.value.outcomeUnknownAt;
  if (!unchanged) await deps.store.saveOrganization({ ...record.value, drift, outcomeUnknownAt: null }, record.version);
}

/** Removes what Exchange still holds of `identities`; returns those it keeps. */
async function removeHeld(deps: AccessDeps, report: ReconcileReport, rec: RuleDesired, identities: readonly string[], rules: readonly ExchangeRule[]): Promise<string[]> {
  const left: string[] = [];
  for (const identity of identities) {
    if (!exchangeRuleOf(rules, identity)) continue;
    const r = await attempt(deps, 'Remove-ActiveSyncDeviceAccessRule', () => deps.exchange.removeRule(identity));
    report.changes++;
    await audit(deps, CONNECTOR, 'access.rule.remove', rec.id, r.outcome, { ruleId: rec.id, identity, before: { identity }, after: null, requestId: requestIdOf(r), by: 'reconcile', detail: r.outcome === 'done' ? null : r.error.message });
    if (r.outcome === 'done' || (r.outcome === 'refused' && r.error.exchangeCode === 'ExoNotFound')) report.rules.removed.push(identity);
    else {
      left.push(identity);
      report.rules.errors.push(`${rec.id}: ${r.error.message}`);
    }
  }
  return left;
}

async function reconcileRule(deps: AccessDeps, report: ReconcileReport, rec: Versioned<RuleDesired>, rules: readonly ExchangeRule[], at: string): Promise<void> {
  const r0 = rec.value;
  if (!r0.present) {
    const left = await removeHeld(deps, report, r0, [r0.identity, ...r0.pendingRemoval], rules);
    if (left.length === 0) await deps.store.deleteRule(deps.tenantId, r0.id, rec.version);
    else await deps.store.saveRule({ ...r0, identity: left[0], pendingRemoval: left.slice(1), outcomeUnknownAt: null }, rec.version);
    return;
  }
  let next: RuleDesired = { ...r0, outcomeUnknownAt: null };
  const found = exchangeRuleOf(rules, r0.identity);
  const diffs = ruleDifferences(r0, found);
  next.drift = closeSettled(next.drift, (s) => diffs.some((d) => d.setting === s), at);
  if (diffs.length) {
    for (const d of diffs) report.rules.drift.push({ ...d, ruleId: r0.id, identity: r0.identity });
    // A managed rule gone from Exchange comes back; one whose level changed gets its level back.
    const r = found
      ? await attempt(deps, 'Set-ActiveSyncDeviceAccessRule', () => deps.exchange.setRuleLevel(found.identity, r0.accessLevel))
      : await attempt(deps, 'New-ActiveSyncDeviceAccessRule', () => deps.exchange.newRule(r0));
    report.changes++;
    if (r.outcome === 'done') report.rules.repaired++;
    else report.rules.errors.push(`${r0.id}: ${r.error.message}`);
    next.drift = withDrift(next.drift, diffs, at, r.outcome === 'done' ? { requestId: r.receipt.requestId } : null);
    await audit(deps, CONNECTOR, 'access.rule.repair', r0.id, r.outcome, {
      ruleId: r0.id,
      identity: r0.identity,
      before: found ? { accessLevel: found.accessLevel } : null,
      after: { characteristic: r0.characteristic, queryString: r0.queryString, accessLevel: r0.accessLevel },
      requestId: requestIdOf(r),
      detail: r.outcome === 'done' ? null : r.error.message,
    });
    // The rule it replaced goes only once this one is in place again.
    if (r.outcome !== 'done' && !found) {
      await deps.store.saveRule(next, rec.version);
      return;
    }
  }
  next = { ...next, pendingRemoval: await removeHeld(deps, report, r0, r0.pendingRemoval, rules) };
  if (JSON.stringify(next) !== JSON.stringify(r0)) await deps.store.saveRule(next, rec.version);
}

export async function reconcile(deps: AccessDeps): Promise<ReconcileReport> {
  const at = nowIso(deps);
  const report: ReconcileReport = {
    at,
    organization: { managed: [], drift: [], repaired: false, requestId: null, error: null },
    rules: { managed: 0, drift: [], repaired: 0, removed: [], unmanaged: [], errors: [] },
    changes: 0,
    driftFound: false,
  };
  try {
    await reconcileOrganization(deps, report, at);
  } catch (e) {
    report.organization.error = describeError(e);
    deps.log.warn('Reconcile of the organization settings failed; the next run tries again', { error: describeError(e) });
  }
  const [records, rules] = await Promise.all([deps.store.rules(deps.tenantId), deps.exchange.rules()]);
  report.rules.managed = records.filter((x) => x.value.present).length;
  report.rules.unmanaged = unmanagedRules(records, rules).map((r) => r.identity);
  for (const rec of records) {
    try {
      await reconcileRule(deps, report, rec, rules, at);
    } catch (e) {
      // A record changed meanwhile (an administrator's PUT) is the next run's.
      report.rules.errors.push(`${rec.value.id}: ${describeError(e)}`);
    }
  }
  report.driftFound = report.organization.drift.length > 0 || report.rules.drift.length > 0;
  const level = report.driftFound || report.rules.errors.length || report.organization.error ? 'warn' : 'info';
  deps.log[level](`Access reconcile: ${report.organization.drift.length} organization setting(s) and ${report.rules.drift.length} rule(s) drifted, ${report.changes} change(s) sent, ${report.rules.unmanaged.length} unmanaged rule(s) left alone`, {
    repairedRules: report.rules.repaired,
    removed: report.rules.removed.length,
    errors: report.rules.errors.length + (report.organization.error ? 1 : 0),
  });
  return report;
}
