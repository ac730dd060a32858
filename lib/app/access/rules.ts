/**
 * Creating, changing and removing the device access rules the connector manages.
 * Set-ActiveSyncDeviceAccessRule changes only the access level; a new query string or
 * characteristic is a new rule (Exchange names it `<QueryString> (<Characteristic>)`),
 * so the connector creates the new one first and removes the old one after: devices are
 * never without the rule in between. When that removal fails, the desired record keeps
 * the old identity as pending removal; the same PUT again, or the reconcile, removes it,
 * and Exchange ends with exactly one rule. Each change is stored before its call and
 * audited with Exchange's request id.
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../errors';
import { ruleIdentity, sameIdentity, type AccessLevel, type AccessRuleDef, type RuleCharacteristic } from '../../domain/access-precedence';
import { attempt, audit, guarded, nowIso, requestIdOf, type Outcome } from './calls';
import { etagMatches, ruleEtag } from './drift';
import { assess, requireConfirmation, rulesOfExchange, type Proposal } from './preview';
import { ExchangeOutcomeUnknownError, ExchangeRefusedError, PreconditionFailedError, RuleExistsError, RuleRemovalPendingError, type AccessDeps, type ExchangeRule, type Requester, type RuleDesired, type Versioned } from './ports';
import { exchangeRuleOf, managedView, type RuleView } from './rules-view';

export interface RuleInput {
  characteristic: RuleCharacteristic;
  queryString: string;
  accessLevel: AccessLevel;
  confirmImpact?: number;
}

export const newRuleId = () => `ar-${randomBytes(6).toString('hex')}`;
const defOf = (r: { characteristic: string; queryString: string; accessLevel: AccessLevel }): AccessRuleDef => ({ identity: ruleIdentity(r.queryString, r.characteristic), characteristic: r.characteristic, queryString: r.queryString, accessLevel: r.accessLevel });
const snapshot = (r: RuleDesired) => ({ identity: r.identity, characteristic: r.characteristic, queryString: r.queryString, accessLevel: r.accessLevel });

async function guardImpact(deps: AccessDeps, rules: readonly ExchangeRule[], proposal: Proposal, confirmImpact: number | undefined): Promise<void> {
  const org = await deps.exchange.organization();
  const s = await assess(deps, { defaultAccessLevel: org.managed.defaultAccessLevel, rules: rulesOfExchange(rules) }, proposal);
  requireConfirmation(deps, s, confirmImpact);
}

async function managedRule(deps: AccessDeps, id: string): Promise<Versioned<RuleDesired>> {
  const rec = await deps.store.rule(deps.tenantId, id);
  if (!rec) throw new NotFoundError(`The connector manages no access rule ${id}`, { ruleId: id });
  return rec;
}

const failure = (o: Exclude<Outcome, { outcome: 'done' }>) => o.error;

export async function createRule(deps: AccessDeps, caller: Requester, input: RuleInput): Promise<RuleView> {
  const [rules, records] = await Promise.all([deps.exchange.rules(), deps.store.rules(deps.tenantId)]);
  const def = defOf(input);
  const claimedBy = records.find((x) => [x.value.identity, ...x.value.pendingRemoval].some((i) => sameIdentity(i, def.identity)));
  if (exchangeRuleOf(rules, def.identity) || claimedBy) throw new RuleExistsError(exchangeRuleOf(rules, def.identity)?.identity ?? def.identity, claimedBy?.value.id ?? null);
  await guardImpact(deps, rules, { addRules: [def] }, input.confirmImpact);

  const at = nowIso(deps);
  const record: RuleDesired = { tenantId: deps.tenantId, id: newRuleId(), characteristic: input.characteristic, queryString: input.queryString, accessLevel: input.accessLevel, identity: def.identity, present: true, pendingRemoval: [], drift: [], createdBy: caller.id, createdAt: at, updatedBy: caller.id, updatedAt: at, outcomeUnknownAt: null };
  let saved = await deps.store.saveRule(record, null);
  const r = await attempt(deps, 'New-ActiveSyncDeviceAccessRule', () => deps.exchange.newRule(input));
  await audit(deps, caller.id, 'access.rule.create', record.id, r.outcome, { ruleId: record.id, before: null, after: snapshot(record), requestId: requestIdOf(r), detail: r.outcome === 'done' ? null : r.error.message });
  if (r.outcome === 'refused') {
    await deps.store.deleteRule(deps.tenantId, record.id, saved.version);
    throw failure(r);
  }
  if (r.outcome === 'outcomeUnknown') {
    await deps.store.saveRule({ ...record, outcomeUnknownAt: at }, saved.version).catch(() => undefined);
    throw failure(r);
  }
  if (r.receipt.rule && r.receipt.rule.identity !== record.identity) saved = await deps.store.saveRule({ ...record, identity: r.receipt.rule.identity }, saved.version);
  return managedView(saved, await deps.exchange.rules());
}

type Left = { identity: string; error: ExchangeRefusedError | ExchangeOutcomeUnknownError };

/** Removes each identity Exchange still holds; what it refused, or did not answer, stays. */
async function removeAll(deps: AccessDeps, actor: string, rec: RuleDesired, identities: readonly string[], rules: readonly ExchangeRule[]): Promise<Left[]> {
  const left: Left[] = [];
  for (const identity of identities) {
    if (!exchangeRuleOf(rules, identity)) continue;
    const r = await attempt(deps, 'Remove-ActiveSyncDeviceAccessRule', () => deps.exchange.removeRule(identity));
    await audit(deps, actor, 'access.rule.remove', rec.id, r.outcome, { ruleId: rec.id, identity, before: { identity }, after: null, requestId: requestIdOf(r), detail: r.outcome === 'done' ? null : r.error.message });
    // Already gone (removed by hand meanwhile) is the end wanted.
    if (r.outcome === 'done' || (r.outcome === 'refused' && r.error.exchangeCode === 'ExoNotFound')) continue;
    left.push({ identity, error: r.error });
  }
  return left;
}

/** The answer when removals stay pending: Exchange's refusal named, or the unknown outcome. */
function pendingError(id: string, inPlace: string | null, left: readonly Left[]): Error {
  const refused = left.find((l): l is Left & { error: ExchangeRefusedError } => l.error instanceof ExchangeRefusedError);
  if (!refused) return left[0].error;
  return new RuleRemovalPendingError({ ruleId: id, identity: inPlace, pendingRemoval: left.map((l) => l.identity), cmdlet: 'Remove-ActiveSyncDeviceAccessRule', exchangeCode: refused.error.exchangeCode, requestId: refused.error.requestId, reason: refused.error.message });
}

export async function updateRule(deps: AccessDeps, caller: Requester, id: string, input: RuleInput, ifMatch: string | undefined): Promise<RuleView> {
  const rec = await managedRule(deps, id);
  if (!rec.value.present) throw new NotFoundError(`Access rule ${id} is being removed`, { ruleId: id });
  const rules = await deps.exchange.rules();
  if (ifMatch && !etagMatches(ifMatch, ruleEtag(rec.version, exchangeRuleOf(rules, rec.value.identity)))) throw new PreconditionFailedError(`Access rule ${id}`);
  const old = rec.value;
  const def = defOf(input);
  // Identities are directory names: a change of case alone is the same rule (and Exchange matches without case anyway).
  const requery = !sameIdentity(def.identity, old.identity);
  if (requery && exchangeRuleOf(rules, def.identity) && !old.pendingRemoval.some((p) => sameIdentity(p, def.identity))) throw new RuleExistsError(exchangeRuleOf(rules, def.identity)!.identity, null);
  await guardImpact(deps, rules, { removeRules: [old.identity, ...old.pendingRemoval], addRules: [def] }, input.confirmImpact);

  const at = nowIso(deps);
  const next: RuleDesired = requery
    ? { ...old, characteristic: input.characteristic, queryString: input.queryString, accessLevel: input.accessLevel, identity: def.identity, pendingRemoval: [...old.pendingRemoval, old.identity].filter((p) => !sameIdentity(p, def.identity)), updatedBy: caller.id, updatedAt: at, outcomeUnknownAt: null }
    : { ...old, accessLevel: input.accessLevel, updatedBy: caller.id, updatedAt: at, outcomeUnknownAt: null };
  let saved = await guarded(`Access rule ${id}`, () => deps.store.saveRule(next, rec.version));
  const found = exchangeRuleOf(rules, next.identity);
  let r: Outcome | null = null;
  if (!found) {
    r = await attempt(deps, 'New-ActiveSyncDeviceAccessRule', () => deps.exchange.newRule(next));
  } else if (found.accessLevel !== next.accessLevel) {
    r = await attempt(deps, 'Set-ActiveSyncDeviceAccessRule', () => deps.exchange.setRuleLevel(found.identity, next.accessLevel));
  }
  if (r) {
    await audit(deps, caller.id, 'access.rule.update', id, r.outcome, { ruleId: id, before: snapshot(old), after: snapshot(next), requestId: requestIdOf(r), detail: r.outcome === 'done' ? null : r.error.message });
    if (r.outcome === 'refused') {
      await deps.store.saveRule({ ...old }, saved.version).catch((e) => deps.log.warn(`The refused change of access rule ${id} could not be taken back out of the desired state`, { error: String(e) }));
      throw failure(r);
    }
    if (r.outcome === 'outcomeUnknown') {
      await deps.store.saveRule({ ...next, outcomeUnknownAt: at }, saved.version).catch(() => undefined);
      throw failure(r);
    }
  } else {
    await audit(deps, caller.id, 'access.rule.update', id, 'noExchangeChange', { ruleId: id, before: snapshot(old), after: snapshot(next), requestId: null });
  }

  // Only now, with the new rule in place, the ones it replaces go.
  const left = await removeAll(deps, caller.id, next, next.pendingRemoval, rules);
  saved = await deps.store.saveRule({ ...next, pendingRemoval: left.map((l) => l.identity) }, saved.version);
  if (left.length) throw pendingError(id, next.identity, left);
  return managedView(saved, await deps.exchange.rules());
}

export async function removeRule(deps: AccessDeps, caller: Requester, id: string, ifMatch: string | undefined, confirmImpact: number | undefined): Promise<{ id: string; removed: string[] }> {
  const rec = await managedRule(deps, id);
  const rules = await deps.exchange.rules();
  if (ifMatch && !etagMatches(ifMatch, ruleEtag(rec.version, exchangeRuleOf(rules, rec.value.identity)))) throw new PreconditionFailedError(`Access rule ${id}`);
  const identities = [rec.value.identity, ...rec.value.pendingRemoval];
  // Without the rule its devices fall to other rules or the default, which may block or quarantine them.
  await guardImpact(deps, rules, { removeRules: identities }, confirmImpact);
  const saved = await guarded(`Access rule ${id}`, () => deps.store.saveRule({ ...rec.value, present: false, updatedBy: caller.id, updatedAt: nowIso(deps) }, rec.version));
  const left = await removeAll(deps, caller.id, rec.value, identities, rules);
  const main = left.find((l) => sameIdentity(l.identity, rec.value.identity));
  const others = left.filter((l) => l !== main).map((l) => l.identity);
  if (main && main.error instanceof ExchangeRefusedError) {
    // Exchange kept the rule: so does the desired state (the replaced ones it kept stay pending).
    await deps.store.saveRule({ ...rec.value, pendingRemoval: others }, saved.version);
    throw main.error;
  }
  if (left.length) {
    // Still wanted gone: the reconcile finishes it (a removal of unknown outcome included, once it reads the truth).
    await deps.store.saveRule({ ...saved.value, pendingRemoval: others, outcomeUnknownAt: main ? nowIso(deps) : null }, saved.version);
    throw pendingError(id, null, left);
  }
  await deps.store.deleteRule(deps.tenantId, id, saved.version);
  return { id, removed: identities.filter((i) => exchangeRuleOf(rules, i)) };
}
