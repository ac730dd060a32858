/**
 * The organization's ActiveSync settings: what Exchange holds, what the connector manages,
 * and a change of them. A change needs the ETag of the settings as the caller read them
 * (the desired record's version and Exchange's values together), is refused before
 * Exchange when it would block or quarantine more devices than the threshold without
 * the caller confirming the number, is stored as the desired state first, then sent as
 * one Set-ActiveSyncOrganizationSettings with only the changed parameters.
 */
import { assess, requireConfirmation, rulesOfExchange } from './preview';
import { attempt, audit, guarded, nowIso, requestIdOf } from './calls';
import { changedParameters, emptyOrgDesired, etagMatches, orgChange, orgDifferences, organizationEtag, type SettingDifference } from './drift';
import { PreconditionFailedError, PreconditionRequiredError, type AccessDeps, type DriftEntry, type ManagedOrgSettings, type OrgDesired, type Requester, type Versioned } from './ports';

const WHAT = 'The organization settings';

export interface OrganizationView {
  /** What Exchange holds now. */
  exchange: ManagedOrgSettings;
  /** Shown, never managed. */
  readOnly: Record<string, unknown>;
  /** The desired values of the settings the connector manages. */
  managed: Partial<ManagedOrgSettings>;
  /** Managed settings whose value in Exchange differs from the desired one now. */
  drift: SettingDifference[];
  inSync: boolean;
  /** Drift the reconcile found and repaired (newest last). */
  driftHistory: DriftEntry[];
  /** A change whose outcome Exchange never told: the next reconcile reads what it holds. */
  outcomeUnknownAt: string | null;
  etag: string;
}

export interface OrganizationChange extends Partial<ManagedOrgSettings> {
  confirmImpact?: number;
}

export function viewOf(record: Versioned<OrgDesired> | null, found: { managed: ManagedOrgSettings; readOnly: Record<string, unknown> }): OrganizationView {
  const managed = record?.value.managed ?? {};
  const drift = orgDifferences(managed, found.managed);
  return {
    exchange: found.managed,
    readOnly: found.readOnly,
    managed,
    drift,
    inSync: drift.length === 0,
    driftHistory: record?.value.drift ?? [],
    outcomeUnknownAt: record?.value.outcomeUnknownAt ?? null,
    etag: organizationEtag(record, found.managed),
  };
}

export async function organizationView(deps: AccessDeps): Promise<OrganizationView> {
  const [record, found] = await Promise.all([deps.store.organization(deps.tenantId), deps.exchange.organization()]);
  return viewOf(record, found);
}

/** The settings named in the body become the managed ones (a PUT: one left out is no longer managed, and Exchange keeps its value). */
export async function setOrganization(deps: AccessDeps, caller: Requester, input: OrganizationChange, ifMatch: string | undefined): Promise<OrganizationView> {
  if (!ifMatch) throw new PreconditionRequiredError('the organization settings');
  const [record, found] = await Promise.all([deps.store.organization(deps.tenantId), deps.exchange.organization()]);
  if (!etagMatches(ifMatch, organizationEtag(record, found.managed))) throw new PreconditionFailedError(WHAT);
  const { confirmImpact, ...wanted } = input;
  const managed = Object.fromEntries(Object.entries(wanted).filter(([, v]) => v !== undefined)) as Partial<ManagedOrgSettings>;
  const change = orgChange(managed, found.managed);

  if (change.defaultAccessLevel !== undefined) {
    const rules = rulesOfExchange(await deps.exchange.rules());
    const current = { defaultAccessLevel: found.managed.defaultAccessLevel, rules };
    const s = await assess(deps, current, { defaultAccessLevel: change.defaultAccessLevel });
    requireConfirmation(deps, s, confirmImpact);
  }

  const at = nowIso(deps);
  const before = record?.value ?? emptyOrgDesired(deps.tenantId, at);
  const saved = await guarded(WHAT, () => deps.store.saveOrganization({ ...before, managed, updatedBy: caller.id, updatedAt: at, outcomeUnknownAt: null }, record?.version ?? null));
  const parameters = changedParameters(change);
  const details = {
    parameters,
    before: Object.fromEntries(Object.keys(change).map((k) => [k, found.managed[k as keyof ManagedOrgSettings]])),
    after: Object.fromEntries(Object.keys(change).map((k) => [k, managed[k as keyof ManagedOrgSettings]])),
    managedBefore: before.managed,
    managedAfter: managed,
  };
  if (parameters.length === 0) {
    await audit(deps, caller.id, 'access.organization.set', 'organization', 'noExchangeChange', { ...details, requestId: null });
    return organizationView(deps);
  }

  const r = await attempt(deps, 'Set-ActiveSyncOrganizationSettings', () => deps.exchange.setOrganization(change));
  await audit(deps, caller.id, 'access.organization.set', 'organization', r.outcome, { ...details, requestId: requestIdOf(r), detail: r.outcome === 'done' ? null : r.error.message });
  if (r.outcome === 'refused') {
    // Exchange kept its values: the desired state goes back to what it was, so the reconcile does not insist on a refused value.
    await deps.store.saveOrganization({ ...before }, saved.version).catch((e) => deps.log.warn('The refused organization change could not be taken back out of the desired state; the next change or reconcile shows it', { error: String(e) }));
    throw r.error;
  }
  if (r.outcome === 'outcomeUnknown') {
    await deps.store.saveOrganization({ ...saved.value, outcomeUnknownAt: at }, saved.version).catch(() => undefined);
    throw r.error;
  }
  return organizationView(deps);
}
