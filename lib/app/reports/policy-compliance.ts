/**
 * policy-compliance: the devices by mailbox policy (DevicePolicyApplied) and its
 * DevicePolicyApplicationStatus, as the last sync counted them, each row saying whether
 * the connector manages that policy and whether Exchange held it as desired when that
 * was last established. Reads the counts entity and the managed policies (one partition
 * of a few entities); never Exchange.
 *
 * Choices (the reference lists neither):
 * - Statuses are shown as Exchange gives them, not interpreted or grouped.
 * - A device's policy is matched to a managed one by name without case and surrounding
 *   spaces, as the policy store keys them (lib/storage/policy-repository.ts).
 */
import type { PolicyCountRow } from '../../domain/device-counts';
import type { ManagedPolicy } from '../policies/ports';
import type { SavedCounts } from './ports';
import type { PolicyComplianceReport } from './schemas';

const nameKey = (name: string) => name.trim().toLowerCase();

/**
 * Whether Exchange held the policy as desired, from what the connector recorded (no
 * Exchange call): the latest of its last write (done, or refused / outcome unknown), each
 * drift the reconcile found (not as desired) and its repair (as desired again), and the
 * last reconcile (as desired unless it found drift). null when none of these happened yet.
 * On equal times the unfavourable event wins.
 */
export function heldAsDesired(p: ManagedPolicy): { asDesired: boolean | null; checkedAt: string | null } {
  const events: { at: string; ok: boolean }[] = [];
  if (p.lastApplied) events.push({ at: p.lastApplied.at, ok: p.lastApplied.outcome === 'done' });
  for (const d of p.drift) {
    events.push({ at: d.foundAt, ok: false });
    if (d.repairedAt) events.push({ at: d.repairedAt, ok: true });
  }
  if (p.lastReconciledAt) events.push({ at: p.lastReconciledAt, ok: !p.drift.some((d) => d.foundAt === p.lastReconciledAt) });
  let last: { at: number; ok: boolean; iso: string } | null = null;
  for (const e of events) {
    const at = Date.parse(e.at);
    if (Number.isNaN(at)) continue;
    if (!last || at > last.at || (at === last.at && !e.ok)) last = { at, ok: e.ok, iso: e.at };
  }
  return last ? { asDesired: last.ok, checkedAt: last.iso } : { asDesired: null, checkedAt: null };
}

export function policyComplianceReport(saved: SavedCounts & { policyCompliance: { rows: PolicyCountRow[]; other: number } }, managed: readonly ManagedPolicy[]): PolicyComplianceReport {
  const byName = new Map(managed.map((p) => [nameKey(p.name), { p, held: heldAsDesired(p) }]));
  const devices = new Map<string, number>();
  const rows = saved.policyCompliance.rows.map((r) => {
    const m = r.policy === null ? undefined : byName.get(nameKey(r.policy));
    if (m) devices.set(m.p.name, (devices.get(m.p.name) ?? 0) + r.count);
    return { policy: r.policy, status: r.status, count: r.count, managed: !!m, asDesired: m ? m.held.asDesired : null, checkedAt: m ? m.held.checkedAt : null };
  });
  const other = saved.policyCompliance.other;
  return {
    report: 'policy-compliance',
    generatedAt: saved.generatedAt,
    runId: saved.runId,
    total: saved.total,
    rows,
    ...(other > 0 ? { other } : {}),
    managedPolicies: [...byName.values()].map(({ p, held }) => ({ name: p.name, ...held, devices: devices.get(p.name) ?? 0 })),
  };
}
