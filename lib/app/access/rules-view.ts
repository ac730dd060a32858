/**
 * The device access rules as a caller sees them: every rule Exchange holds, each managed
 * one beside its desired state, drift and ETag; the unmanaged ones marked so (reported,
 * never changed); and managed rules Exchange no longer holds.
 */
import { sameIdentity, type AccessLevel } from '../../domain/access-precedence';
import { ruleDifferences, ruleEtag, type SettingDifference } from './drift';
import type { AccessDeps, DriftEntry, ExchangeRule, RuleDesired, Versioned } from './ports';

export interface RuleView {
  /** The connector's id (URL-safe, stable across a recreate); null for a rule the connector does not manage. */
  id: string | null;
  managed: boolean;
  /** Exchange's identity, `<QueryString> (<Characteristic>)`. */
  identity: string;
  inExchange: boolean;
  /** As Exchange holds it (the desired values while it holds none). */
  characteristic: string;
  queryString: string;
  accessLevel: AccessLevel | null;
  desired: { characteristic: string; queryString: string; accessLevel: AccessLevel } | null;
  drift: SettingDifference[];
  driftHistory: DriftEntry[];
  /** Identities of rules this one replaced that Exchange still holds (the reconcile removes them). */
  pendingRemoval: string[];
  /** The connector is removing it. */
  removing: boolean;
  outcomeUnknownAt: string | null;
  etag: string | null;
}

export interface RulesView {
  rules: RuleView[];
  managed: number;
  unmanaged: number;
  inSync: boolean;
}

export const exchangeRuleOf = (rules: readonly ExchangeRule[], identity: string) => rules.find((r) => sameIdentity(r.identity, identity));

export function managedView(rec: Versioned<RuleDesired>, rules: readonly ExchangeRule[]): RuleView {
  const r = rec.value;
  const found = exchangeRuleOf(rules, r.identity);
  return {
    id: r.id,
    managed: true,
    identity: found?.identity ?? r.identity,
    inExchange: Boolean(found),
    characteristic: found?.characteristic ?? r.characteristic,
    queryString: found?.queryString ?? r.queryString,
    accessLevel: found ? found.accessLevel : null,
    desired: r.present ? { characteristic: r.characteristic, queryString: r.queryString, accessLevel: r.accessLevel } : null,
    drift: r.present ? ruleDifferences(r, found) : [],
    driftHistory: r.drift,
    pendingRemoval: r.pendingRemoval.filter((p) => exchangeRuleOf(rules, p)),
    removing: !r.present,
    outcomeUnknownAt: r.outcomeUnknownAt,
    etag: ruleEtag(rec.version, found),
  };
}

/** Exchange rules no record claims, neither as its rule nor as one it replaced. */
export function unmanagedRules(records: readonly Versioned<RuleDesired>[], rules: readonly ExchangeRule[]): ExchangeRule[] {
  const claimed = records.flatMap((x) => [x.value.identity, ...x.value.pendingRemoval]);
  return rules.filter((r) => !claimed.some((c) => sameIdentity(c, r.identity)));
}

export function rulesViewOf(records: readonly Versioned<RuleDesired>[], rules: readonly ExchangeRule[]): RulesView {
  const managed = records.map((x) => managedView(x, rules));
  const unmanaged: RuleView[] = unmanagedRules(records, rules).map((r) => ({
    id: null,
    managed: false,
    identity: r.identity,
    inExchange: true,
    characteristic: r.characteristic,
    queryString: r.queryString,
    accessLevel: r.accessLevel,
    desired: null,
    drift: [],
    driftHistory: [],
    pendingRemoval: [],
    removing: false,
    outcomeUnknownAt: null,
    etag: null,
  }));
  const all = [...managed, ...unmanaged].sort((a, b) => a.identity.localeCompare(b.identity));
  return { rules: all, managed: managed.length, unmanaged: unmanaged.length, inSync: managed.every((m) => m.drift.length === 0 && m.pendingRemoval.length === 0 && !m.removing) };
}

export async function rulesView(deps: AccessDeps): Promise<RulesView> {
  const [records, rules] = await Promise.all([deps.store.rules(deps.tenantId), deps.exchange.rules()]);
  return rulesViewOf(records, rules);
}
