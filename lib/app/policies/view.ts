/**
 * What GET /api/policies shows: every policy Exchange has, and for each setting the value
 * found there (normalised from Exchange's display forms), the desired value when the
 * connector manages its group, whether they differ now, the drift the reconcile found and
 * repaired, and whether the setting still has an effect on today's clients ("legacy"
 * ones do not: a phone is not protected by a setting it ignores).
 */
import {
  ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF,
  POLICY_GROUPS,
  completeGroups,
  diffPolicy,
  normaliseFoundValue,
  settingsOfGroup,
  type PolicyGroup,
  type PolicyParameterDef,
  type PolicyValue,
} from '../../domain/policy';
import { policyEtag } from './manage';
import type { DriftEntry, FoundPolicy, PolicyDeps, StoredPolicy } from './ports';

export interface SettingView {
  key: string;
  parameter: string;
  label: string;
  allowed: string;
  relevance: 'current' | 'legacy';
  relevanceNote: string;
  /** In Exchange now (normalised); null when the policy is not in Exchange. */
  found: unknown;
  /** Managed groups only. */
  desired?: PolicyValue;
  differs?: boolean;
}

export interface PolicyView {
  name: string;
  inExchange: boolean;
  isDefault: boolean;
  managed: boolean;
  /** For If-Match on PUT/PATCH/DELETE (managed policies). */
  etag?: string;
  groups: Record<PolicyGroup, { managed: boolean; settings: SettingView[] }>;
  allowExternalDeviceManagement: SettingView & { managed: boolean };
  /** Managed settings whose value in Exchange differs from the desired one now. */
  differences: number;
  drift: DriftEntry[];
  lastApplied: StoredPolicy['lastApplied'] | null;
  lastReconciledAt: string | null;
  updatedAt?: string;
  updatedBy?: string;
}

function setting(def: PolicyParameterDef, found: FoundPolicy | null, desired: PolicyValue | undefined, differs: boolean | undefined): SettingView {
  return {
    key: def.key, parameter: def.parameter, label: def.label, allowed: def.allowed, relevance: def.relevance, relevanceNote: def.relevanceNote,
    found: found ? normaliseFoundValue(def, found.values[def.parameter]) : null,
    ...(desired !== undefined ? { desired, differs } : {}),
  };
}

export function policyView(found: FoundPolicy | null, managed: StoredPolicy | null): PolicyView {
  const desired = managed ? completeGroups(managed.groups) : {};
  const diffs = managed && found ? diffPolicy(managed, found.values) : [];
  const differs = new Set(diffs.map((d) => d.parameter));
  const groups = {} as PolicyView['groups'];
  for (const g of POLICY_GROUPS) {
    const values = desired[g];
    groups[g] = { managed: values !== undefined, settings: settingsOfGroup(g).map((def) => setting(def, found, values?.[def.key], values ? !found || differs.has(def.parameter) : undefined)) };
  }
  const aedm = managed?.allowExternalDeviceManagement;
  return {
    name: found?.name ?? managed!.name,
    inExchange: !!found,
    isDefault: found?.isDefault ?? false,
    managed: !!managed,
    ...(managed ? { etag: policyEtag(managed), updatedAt: managed.updatedAt, updatedBy: managed.updatedBy } : {}),
    groups,
    allowExternalDeviceManagement: { ...setting(ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF, found, aedm, aedm === undefined ? undefined : !found || differs.has(ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF.parameter)), managed: aedm !== undefined },
    differences: managed && !found ? Object.values(groups).reduce((n, g) => n + (g.managed ? g.settings.length : 0), 0) : diffs.length,
    drift: managed?.drift ?? [],
    lastApplied: managed?.lastApplied ?? null,
    lastReconciledAt: managed?.lastReconciledAt ?? null,
  };
}

export async function listPolicies(deps: PolicyDeps): Promise<PolicyView[]> {
  const [found, managed] = await Promise.all([deps.exchange.list(), deps.store.list(deps.tenantId)]);
  const byName = new Map(managed.map((m) => [m.name.toLowerCase(), m]));
  const views = found.map((f) => policyView(f, byName.get(f.name.toLowerCase()) ?? null));
  // Managed but gone from Exchange (removed by hand): shown, and recreated by the reconcile.
  for (const m of managed) if (!found.some((f) => f.name.toLowerCase() === m.name.toLowerCase())) views.push(policyView(null, m));
  return views.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
}

export async function getPolicy(deps: PolicyDeps, name: string): Promise<PolicyView | null> {
  const [found, managed] = await Promise.all([deps.exchange.get(name), deps.store.get(deps.tenantId, name)]);
  return found || managed ? policyView(found, managed) : null;
}
