/**
 * Changes to managed mailbox policies. The desired state is written first, guarded by
 * its ETag (a stale If-Match is refused before Exchange is asked), then Exchange gets one
 * call: New-MobileDeviceMailboxPolicy when the policy is missing (unset values left out),
 * otherwise one Set-MobileDeviceMailboxPolicy with only the parameters whose value in
 * Exchange differs from the desired groups (none: no call). Configuring any setting of a
 * group manages the whole group; groups not given are never written.
 */
import { createHash } from 'node:crypto';
import { diffPolicy, toNewParameters, toSetParameters, type DesiredGroups } from '../../domain/policy';
import { ConcurrencyConflictError, ExchangeOutcomeUnknownError, ExchangeRefusedError, type CallReceipt } from '../actions/ports';
import type { Requester } from '../actions/wipe';
import { DefaultPolicyError, MailboxNotFoundError, PolicyInUseError, PolicyNotAppliedError, PolicyNotInExchangeError, PolicyNotManagedError, PreconditionFailedError, PreconditionRequiredError } from './errors';
import type { FoundPolicy, ManagedPolicy, PolicyDeps, StoredPolicy } from './ports';

/** The HTTP ETag of a stored policy: strong, opaque, from the storage version. */
export const policyEtag = (p: Pick<StoredPolicy, 'version'>) => `"${createHash('sha256').update(p.version).digest('base64url').slice(0, 22)}"`;

export interface PolicyChange {
  groups: DesiredGroups;
  allowExternalDeviceManagement?: boolean;
  isDefault?: boolean;
}

export interface ExchangeWrite {
  cmdlet: string;
  requestId: string | null;
  /** The parameters sent (names only; the values are the desired ones). */
  parameters: string[];
}

export interface PolicyWriteResult {
  policy: StoredPolicy;
  created: boolean;
  /** null when Exchange already held every desired value. */
  exchange: ExchangeWrite | null;
}

const iso = (deps: PolicyDeps) => new Date(deps.clock.now()).toISOString();

function checkPreconditions(name: string, current: StoredPolicy | null, ifMatch: string | undefined) {
  if (current && ifMatch === undefined) throw new PreconditionRequiredError(`Policy "${name}"`, policyEtag(current));
  if (ifMatch !== undefined && ifMatch !== '*' && (!current || ifMatch !== policyEtag(current))) throw new PreconditionFailedError(`Policy "${name}"`, current && policyEtag(current));
}

/** Merges a PATCH's groups into the desired ones, setting by setting. */
function merged(into: DesiredGroups, patch: DesiredGroups): DesiredGroups {
  const out: DesiredGroups = { ...into };
  for (const [g, settings] of Object.entries(patch) as [keyof DesiredGroups, DesiredGroups[keyof DesiredGroups]][]) out[g] = { ...(into[g] ?? {}), ...settings };
  return out;
}

/** The one call that brings Exchange to the desired state (null: nothing differs). */
export function planWrite(desired: Pick<ManagedPolicy, 'groups' | 'allowExternalDeviceManagement' | 'isDefault'>, found: FoundPolicy | null): { cmdlet: 'New-MobileDeviceMailboxPolicy' | 'Set-MobileDeviceMailboxPolicy'; parameters: Record<string, unknown> } | null {
  if (!found) return { cmdlet: 'New-MobileDeviceMailboxPolicy', parameters: { ...toNewParameters(desired), ...(desired.isDefault ? { IsDefault: true } : {}) } };
  const parameters = toSetParameters(diffPolicy(desired, found.values));
  if (desired.isDefault && !found.isDefault) parameters.IsDefault = true;
  return Object.keys(parameters).length ? { cmdlet: 'Set-MobileDeviceMailboxPolicy', parameters } : null;
}

/** Runs the planned call; a refusal or a lost answer is recorded on the policy, then thrown. */
export async function applyPlan(deps: PolicyDeps, policy: StoredPolicy, plan: NonNullable<ReturnType<typeof planWrite>>): Promise<{ policy: StoredPolicy; exchange: ExchangeWrite }> {
  let receipt: CallReceipt;
  try {
    receipt = plan.cmdlet === 'New-MobileDeviceMailboxPolicy' ? await deps.exchange.create(policy.name, plan.parameters) : await deps.exchange.set(policy.name, plan.parameters);
  } catch (e) {
    if (!(e instanceof ExchangeRefusedError) && !(e instanceof ExchangeOutcomeUnknownError)) throw e;
    const unknown = e instanceof ExchangeOutcomeUnknownError;
    const detail = e instanceof ExchangeRefusedError ? e.message : 'no answer';
    await deps.store.update(deps.tenantId, { ...policy, lastApplied: { at: iso(deps), requestId: e instanceof ExchangeRefusedError ? e.requestId : null, outcome: unknown ? 'outcomeUnknown' : 'refused', detail } }).catch(() => undefined);
    throw new PolicyNotAppliedError(policy.name, plan.cmdlet, detail, unknown);
  }
  const saved = await deps.store.update(deps.tenantId, { ...policy, lastApplied: { at: iso(deps), requestId: receipt.requestId, outcome: 'done' } });
  return { policy: saved, exchange: { cmdlet: plan.cmdlet, requestId: receipt.requestId, parameters: Object.keys(plan.parameters) } };
}

/** PUT (replace the managed groups) or PATCH (merge into them) of one policy. */
export async function writePolicy(deps: PolicyDeps, caller: Requester, name: string, change: PolicyChange, o: { ifMatch?: string; merge: boolean }): Promise<PolicyWriteResult> {
  const t = deps.tenantId;
  const current = await deps.store.get(t, name);
  if (o.merge && !current) throw new PolicyNotManagedError(name);
  checkPreconditions(name, current, o.ifMatch);
  const found = await deps.exchange.get(name);
  if (change.isDefault === false && found?.isDefault) throw new DefaultPolicyError(found.name, 'Exchange has exactly one default policy and cannot turn the flag off');

  const now = iso(deps);
  const next: ManagedPolicy = {
    name: found?.name ?? current?.name ?? name,
    groups: o.merge && current ? merged(current.groups, change.groups) : change.groups,
    allowExternalDeviceManagement: change.allowExternalDeviceManagement ?? (o.merge ? current?.allowExternalDeviceManagement : undefined),
    isDefault: change.isDefault ?? (o.merge ? current?.isDefault : undefined),
    createdAt: current?.createdAt ?? now,
    createdBy: current?.createdBy ?? caller.id,
    updatedAt: now,
    updatedBy: caller.id,
    lastApplied: current?.lastApplied ?? null,
    drift: current?.drift ?? [],
    lastReconciledAt: current?.lastReconciledAt ?? null,
  };
  let saved: StoredPolicy;
  try {
    saved = current ? await deps.store.update(t, { ...next, version: current.version }) : await deps.store.create(t, next);
  } catch (e) {
    // Another administrator's change landed between our read and our write.
    if (e instanceof ConcurrencyConflictError) throw new PreconditionFailedError(`Policy "${name}"`, null);
    throw e;
  }
  const plan = planWrite(next, found);
  let exchange: ExchangeWrite | null = null;
  try {
    if (plan) ({ policy: saved, exchange } = await applyPlan(deps, saved, plan));
  } finally {
    await deps.audit.append({
      tenantId: t, at: iso(deps), actor: caller.id, action: o.merge ? 'policy.patch' : 'policy.put', target: `policy:${next.name}`, outcome: exchange || !plan ? 'done' : 'failed',
      details: { before: current ? { groups: current.groups, allowExternalDeviceManagement: current.allowExternalDeviceManagement ?? null, isDefault: current.isDefault ?? null } : null, after: { groups: next.groups, allowExternalDeviceManagement: next.allowExternalDeviceManagement ?? null, isDefault: next.isDefault ?? null }, exchange: exchange ?? (plan ? { cmdlet: plan.cmdlet, outcome: 'not applied' } : null) },
    });
  }
  return { policy: saved, created: !current, exchange };
}

/** Stops managing the policy; with deleteFromExchange also removes it there (never the default, never while assigned). */
export async function deletePolicy(deps: PolicyDeps, caller: Requester, name: string, o: { ifMatch?: string; deleteFromExchange: boolean }): Promise<{ stoppedManaging: boolean; removedFromExchange: ExchangeWrite | null }> {
  const t = deps.tenantId;
  const current = await deps.store.get(t, name);
  if (!current && !o.deleteFromExchange) throw new PolicyNotManagedError(name);
  if (o.ifMatch !== undefined) checkPreconditions(name, current, o.ifMatch);
  let removed: ExchangeWrite | null = null;
  if (o.deleteFromExchange) {
    const found = await deps.exchange.get(name);
    if (!found && !current) throw new PolicyNotInExchangeError(name);
    if (found?.isDefault) throw new DefaultPolicyError(found.name, 'Exchange never removes the default policy');
    if (found) {
      try {
        const r = await deps.exchange.remove(found.name);
        removed = { cmdlet: 'Remove-MobileDeviceMailboxPolicy', requestId: r.requestId, parameters: ['Identity'] };
      } catch (e) {
        if (e instanceof ExchangeRefusedError && /assign|in use|used by/i.test(e.message)) throw new PolicyInUseError(found.name, e.message, assignedCount(e.message));
        if (e instanceof ExchangeRefusedError || e instanceof ExchangeOutcomeUnknownError) throw new PolicyNotAppliedError(found.name, 'Remove-MobileDeviceMailboxPolicy', e instanceof ExchangeRefusedError ? e.message : 'no answer', e instanceof ExchangeOutcomeUnknownError);
        throw e;
      }
    }
  }
  if (current) {
    try {
      await deps.store.remove(t, current);
    } catch (e) {
      if (e instanceof ConcurrencyConflictError) throw new PreconditionFailedError(`Policy "${name}"`, null);
      throw e;
    }
  }
  await deps.audit.append({ tenantId: t, at: iso(deps), actor: caller.id, action: 'policy.delete', target: `policy:${current?.name ?? name}`, outcome: 'done', details: { before: current ? { groups: current.groups } : null, deleteFromExchange: o.deleteFromExchange, exchange: removed } });
  return { stoppedManaging: !!current, removedFromExchange: removed };
}

/** How many mailboxes Exchange's refusal names, when it names a number. */
function assignedCount(words: string): number | null {
  const m = /(\d+)\s+(?:mailbox|user|recipient)/i.exec(words);
  return m ? Number(m[1]) : null;
}

/** Set-CASMailbox -ActiveSyncMailboxPolicy: one mailbox gets the policy (null: the default again). */
export async function assignPolicy(deps: PolicyDeps, caller: Requester, mailbox: string, policy: string | null): Promise<{ mailbox: string; policy: string | null; requestId: string | null }> {
  let name: string | null = null;
  if (policy !== null) {
    const found = await deps.exchange.get(policy);
    if (!found) throw new PolicyNotInExchangeError(policy);
    name = found.name;
  }
  let receipt: CallReceipt;
  const record = (outcome: string, details: Record<string, unknown>) =>
    deps.audit.append({ tenantId: deps.tenantId, at: iso(deps), actor: caller.id, action: 'policy.assign', target: `mailbox:${mailbox}`, outcome, details: { policy: name, ...details } });
  try {
    receipt = await deps.exchange.assign(mailbox, name);
  } catch (e) {
    await record(e instanceof ExchangeOutcomeUnknownError ? 'outcomeUnknown' : 'failed', { error: e instanceof Error ? e.message : String(e) });
    if (e instanceof ExchangeRefusedError && e.exchangeCode === 'ExoNotFound') throw new MailboxNotFoundError(mailbox);
    throw e;
  }
  await record('done', { requestId: receipt.requestId });
  return { mailbox, policy: name, requestId: receipt.requestId };
}
