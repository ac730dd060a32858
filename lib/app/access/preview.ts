/**
 * What a change of the default access level or of a rule would do to the inventory's
 * devices, before it is made: the devices whose state would move, by their new state.
 * The same reckoning guards the changes themselves: one that would block or quarantine
 * more than ACCESS_CONFIRM_ABOVE devices needs the caller to confirm that number.
 * The rules and the default come from Exchange (what it holds now), the devices from the
 * inventory (what the last sync saw), the users with ActiveSync disabled from Exchange.
 */
import { NotFoundError, ValidationError } from '../../errors';
import { changesUnder, ruleIdentity, sameIdentity, type AccessConfig, type AccessLevel, type AccessRuleDef, type ChangeSummary, type RuleCharacteristic } from '../../domain/access-precedence';
import { ImpactConfirmationRequiredError, type AccessDeps, type ExchangeRule, type PreviewDevice } from './ports';

/** A change as the precedence sees it: a new default, rules taken away, rules added. */
export interface Proposal {
  defaultAccessLevel?: AccessLevel;
  removeRules?: readonly string[];
  addRules?: readonly AccessRuleDef[];
}

export interface PreviewRequest {
  defaultAccessLevel?: AccessLevel;
  rule?: { id?: string; identity?: string; characteristic?: RuleCharacteristic; queryString?: string; accessLevel?: AccessLevel; remove?: boolean };
}

/** How many changed devices an answer lists (the counts are always complete). */
export const PREVIEW_DEVICES_LISTED = 1000;

export interface PreviewAnswer {
  proposal: { defaultAccessLevel: AccessLevel | null; removeRules: string[]; addRules: AccessRuleDef[] };
  counts: ChangeSummary['counts'];
  /** Devices that would newly be blocked or quarantined: the confirmImpact a change needs above the threshold. */
  impact: number;
  threshold: number;
  confirmRequired: boolean;
  /** Devices kept as they are by something above the rules (a personal list, the policy, ActiveSync disabled...). */
  held: ChangeSummary['held'];
  examined: number;
  devices: { deviceGuid: string; name: string; user: string | null; deviceType: string | null; deviceModel: string | null; deviceOs: string | null; stateNow: string | null; stateAfter: string; decidedBy: string }[];
  truncated: boolean;
}

export const rulesOfExchange = (rules: readonly ExchangeRule[]): AccessRuleDef[] =>
  rules.filter((r): r is ExchangeRule & { accessLevel: AccessLevel } => r.accessLevel !== null).map((r) => ({ identity: r.identity, characteristic: r.characteristic, queryString: r.queryString, accessLevel: r.accessLevel }));

export function applyProposal(current: AccessConfig, p: Proposal): AccessConfig {
  const gone = [...(p.removeRules ?? []), ...(p.addRules ?? []).map((r) => r.identity)];
  return {
    defaultAccessLevel: p.defaultAccessLevel ?? current.defaultAccessLevel,
    rules: [...current.rules.filter((r) => !gone.some((g) => sameIdentity(g, r.identity))), ...(p.addRules ?? [])],
  };
}

/** The devices `proposal` would move, judged against what Exchange holds now. */
export async function assess(deps: AccessDeps, current: AccessConfig, proposal: Proposal): Promise<ChangeSummary<PreviewDevice>> {
  const disabled = await deps.exchange.activeSyncDisabledMailboxes();
  const devices: PreviewDevice[] = [];
  for await (const d of deps.inventory.devices(deps.tenantId)) devices.push(d);
  return changesUnder(devices, current, applyProposal(current, proposal), disabled);
}

/** Refuses a change above the threshold unless confirmImpact names its impact exactly. */
export function requireConfirmation(deps: Pick<AccessDeps, 'settings'>, s: ChangeSummary, confirmImpact: number | null | undefined): void {
  const threshold = deps.settings.confirmAbove;
  if (s.impact <= threshold || confirmImpact === s.impact) return;
  throw new ImpactConfirmationRequiredError({ impact: s.impact, wouldBlock: s.counts.Blocked, wouldQuarantine: s.counts.Quarantined, threshold, confirmImpact: confirmImpact ?? null });
}

/** The precedence's view of a request naming a rule by connector id or Exchange identity. */
async function proposalOf(deps: AccessDeps, r: PreviewRequest, rules: readonly ExchangeRule[]): Promise<Proposal> {
  const p: { defaultAccessLevel?: AccessLevel; removeRules: string[]; addRules: AccessRuleDef[] } = { defaultAccessLevel: r.defaultAccessLevel, removeRules: [], addRules: [] };
  const x = r.rule;
  if (!x) return p;
  let existing: { identity: string; characteristic: string; queryString: string; accessLevel: AccessLevel | null } | null = null;
  if (x.id) {
    const rec = await deps.store.rule(deps.tenantId, x.id);
    if (!rec || !rec.value.present) throw new NotFoundError(`The connector manages no access rule ${x.id}`, { ruleId: x.id });
    existing = rec.value;
  } else if (x.identity) {
    existing = rules.find((e) => sameIdentity(e.identity, x.identity!)) ?? null;
    if (!existing) throw new NotFoundError(`Exchange holds no access rule ${x.identity}`, { identity: x.identity });
  }
  if (existing) p.removeRules.push(existing.identity);
  if (x.remove) return p;
  const characteristic = x.characteristic ?? existing?.characteristic;
  const queryString = x.queryString ?? existing?.queryString;
  const accessLevel = x.accessLevel ?? existing?.accessLevel;
  if (!characteristic || !queryString || !accessLevel) throw ValidationError.of('body.rule', 'a new rule needs characteristic, queryString and accessLevel');
  p.addRules.push({ identity: ruleIdentity(queryString, characteristic), characteristic, queryString, accessLevel });
  return p;
}

export async function preview(deps: AccessDeps, r: PreviewRequest): Promise<PreviewAnswer> {
  const [org, rules] = await Promise.all([deps.exchange.organization(), deps.exchange.rules()]);
  const proposal = await proposalOf(deps, r, rules);
  const s = await assess(deps, { defaultAccessLevel: org.managed.defaultAccessLevel, rules: rulesOfExchange(rules) }, proposal);
  return {
    proposal: { defaultAccessLevel: proposal.defaultAccessLevel ?? null, removeRules: [...(proposal.removeRules ?? [])], addRules: [...(proposal.addRules ?? [])] },
    counts: s.counts,
    impact: s.impact,
    threshold: deps.settings.confirmAbove,
    confirmRequired: s.impact > deps.settings.confirmAbove,
    held: s.held,
    examined: s.examined,
    devices: s.changes.slice(0, PREVIEW_DEVICES_LISTED).map((c) => ({
      deviceGuid: c.device.deviceGuid,
      name: c.device.name,
      user: c.device.userUpn ?? c.device.mailbox,
      deviceType: c.device.deviceType,
      deviceModel: c.device.deviceModel,
      deviceOs: c.device.deviceOs,
      stateNow: c.stateNow,
      stateAfter: c.stateAfter,
      decidedBy: c.ruleAfter ? `rule ${c.ruleAfter}` : 'organization default',
    })),
    truncated: s.changes.length > PREVIEW_DEVICES_LISTED,
  };
}
