/**
 * The access Exchange gives a partnership, highest first (shared/reference/device-actions.md,
 * "Precedence"): ActiveSync disabled for the user > device not compliant with its mailbox
 * policy > personal block > personal allow > device access rule > the organisation's
 * DefaultAccessLevel; and what Set-CASMailbox's device lists and every rule, policy or
 * organisation change do at once. Functions over the Org, so org.ts stays about storage
 * and lookups (the wipe is in wipe.ts, a device's connection in connection.ts).
 */
import { cmdletErrors } from '../exchange-errors';
import type { AccessLevel, AccessRule, AccessState, Device, Mailbox, MailboxPolicy, RuleCharacteristic } from './model';
import type { Org } from './org';

/** What decided a partnership's access (control: accessStates). */
export type AccessDecidedBy = 'policy' | 'blockedList' | 'allowedList' | 'rule' | 'default';

export interface AccessDecision {
  state: AccessState;
  reason: string;
  rule: string | null;
  decidedBy?: AccessDecidedBy;
}

const levelToState: Record<AccessLevel, AccessState> = { Allow: 'Allowed', Block: 'Blocked', Quarantine: 'Quarantined' };

/**
 * Exchange's order when several rules match one device: UserAgent, then DeviceOS, then
 * DeviceModel, then DeviceType, each an exact, case-insensitive match (Exchange 2016's
 * Command.DetermineDeviceAccessState and OrganizationSettingsData.EvaluateDevice,
 * StringComparison.OrdinalIgnoreCase; github.com/evilashz/exchange-server-27065,
 * Microsoft.Exchange.AirSync/Command.cs). That code never evaluates XMSWLHeader rules, so
 * the emulator keeps them but they match nothing. Earlier emulator versions put the
 * model first; that was wrong.
 */
const RULE_ORDER: readonly RuleCharacteristic[] = ['UserAgent', 'DeviceOS', 'DeviceModel', 'DeviceType'];

const lower = (s: string) => s.toLowerCase();
const sameCi = (a: string, b: string) => a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
const includesCi = (list: readonly string[], value: string) => list.some((x) => sameCi(x, value));
const ruleKey = (characteristic: RuleCharacteristic, query: string) => `${characteristic}\u0000${lower(query)}`;

/** Rules by characteristic and lower-cased query, rebuilt when the rules change (a tenant may hold hundreds). */
const ruleIndexes = new WeakMap<Org, { version: number; map: Map<string, AccessRule> }>();

function ruleIndex(org: Org): Map<string, AccessRule> {
  const cached = ruleIndexes.get(org);
  if (cached && cached.version === org.rulesVersion) return cached.map;
  const map = new Map<string, AccessRule>();
  for (const r of org.accessRules) if (!map.has(ruleKey(r.characteristic, r.queryString))) map.set(ruleKey(r.characteristic, r.queryString), r);
  ruleIndexes.set(org, { version: org.rulesVersion, map });
  return map;
}

export function matchingRule(org: Org, d: Device): AccessRule | undefined {
  if (org.accessRules.size === 0) return undefined;
  const index = ruleIndex(org);
  const valueOf: Record<string, string | null> = { UserAgent: d.deviceUserAgent, DeviceOS: d.deviceOs, DeviceModel: d.deviceModel, DeviceType: d.deviceType };
  for (const characteristic of RULE_ORDER) {
    const value = valueOf[characteristic];
    if (!value) continue;
    const rule = index.get(ruleKey(characteristic, value));
    if (rule) return rule;
  }
  return undefined;
}

/**
 * A device the mailbox policy shuts out: the policy does not allow non-provisionable
 * devices (AllowNonProvisionableDevices false) and the device could not apply it in full.
 * Exchange then blocks it with reason Policy (Exchange 2016's Command.cs: "is blocked by
 * policy", DeviceAccessState.Blocked, DeviceAccessStateReason.Policy). Choice (no public
 * source says how Exchange Online tells): a device "could not apply it in full" when its
 * DevicePolicyApplicationStatus is NotApplied, PartiallyApplied or ExternallyManaged, and
 * an ExternallyManaged one is let through when the policy allows external device
 * management (reference: AllowExternalDeviceManagement lets a device managed by another
 * MDM keep syncing).
 */
export function notCompliantWithPolicy(policy: MailboxPolicy, d: Device): boolean {
  if (policy.settings.get('AllowNonProvisionableDevices') !== false) return false;
  const status = d.policyApplicationStatus;
  if (status === 'ExternallyManaged') return policy.settings.get('AllowExternalDeviceManagement') !== true;
  return status === 'NotApplied' || status === 'PartiallyApplied';
}

/**
 * Below "ActiveSync disabled" (the callers' business: such a device is refused before
 * anything is evaluated), the reference's order. Exchange 2016's own code checks the
 * personal lists and rules first and the policy only for a device they allow, so there a
 * personally blocked or quarantined device that is also non-compliant shows its list or
 * rule state; the emulator follows the reference and shows Blocked (Policy).
 */
export function evaluateAccess(org: Org, d: Device, policy: MailboxPolicy = org.effectivePolicy(d.mailbox)): AccessDecision {
  const mb = d.mailbox;
  if (notCompliantWithPolicy(policy, d)) return { state: 'Blocked', reason: 'Policy', rule: null, decidedBy: 'policy' };
  if (includesCi(mb.blockedDeviceIds, d.deviceId)) return { state: 'Blocked', reason: 'Individual', rule: null, decidedBy: 'blockedList' };
  if (includesCi(mb.allowedDeviceIds, d.deviceId)) return { state: 'Allowed', reason: 'Individual', rule: null, decidedBy: 'allowedList' };
  const rule = matchingRule(org, d);
  if (rule) return { state: levelToState[rule.accessLevel], reason: 'DeviceRule', rule: rule.name, decidedBy: 'rule' };
  return { state: levelToState[org.orgSettings.defaultAccessLevel], reason: 'Global', rule: null, decidedBy: 'default' };
}

export function applyAccess(d: Device, decision: AccessDecision, now: number): boolean {
  if (d.accessState === decision.state && d.accessStateReason === decision.reason && d.accessControlRule === decision.rule) return false;
  d.accessState = decision.state;
  d.accessStateReason = decision.reason;
  d.accessControlRule = decision.rule;
  d.whenChanged = now;
  return true;
}

/** What happens to a device that leaves both lists (control: setVariants releasedFromLists). */
export type ReleasedFromLists = 'reevaluate' | 'unknown';

/**
 * Set-CASMailbox -ActiveSyncAllowedDeviceIDs / -ActiveSyncBlockedDeviceIDs, as Exchange
 * 2013's SetCASMailbox (build 15.00.1497, InternalValidate and UpdateActiveSyncDevices):
 * - a DeviceId can never be in both lists: when both lists change in one call and one id
 *   ends in both, the call fails (ErrorDeviceIdInBothLists); when only one list changes,
 *   an id it now holds leaves the other list (so "allow" releases a block, and the other
 *   way round). The reference inferred "in both lists = blocked"; the code says otherwise.
 * - the mailbox's partnerships follow at once: a DeviceId on the blocked list is Blocked
 *   (Individual), on the allowed list Allowed (Individual). A partnership that was
 *   Allowed or Blocked as Individual and is on neither list any more is re-evaluated at
 *   once by rules and the default level ('reevaluate', the emulator's default, kept from
 *   earlier versions), or, as Exchange 2013 did, set to Unknown (reason Unknown) until the
 *   device next connects ('unknown').
 */
export function setDeviceLists(
  org: Org,
  mb: Mailbox,
  lists: { allowed?: string[]; blocked?: string[] },
  o: { now: number; released: ReleasedFromLists },
): void {
  let allowed = lists.allowed ?? mb.allowedDeviceIds;
  let blocked = lists.blocked ?? mb.blockedDeviceIds;
  if (lists.allowed === undefined && lists.blocked === undefined) return;
  const blockedKeys = new Set(blocked.map(lower));
  const both = allowed.filter((x) => blockedKeys.has(lower(x)));
  if (both.length > 0) {
    if (lists.allowed !== undefined && lists.blocked !== undefined) throw cmdletErrors.deviceIdInBothLists(both[0]);
    const bothKeys = new Set(both.map(lower));
    if (lists.allowed !== undefined) blocked = blocked.filter((x) => !bothKeys.has(lower(x)));
    else allowed = allowed.filter((x) => !bothKeys.has(lower(x)));
  }
  mb.allowedDeviceIds = allowed;
  mb.blockedDeviceIds = blocked;
  mb.whenChanged = o.now;
  const listed = new Set([...allowed, ...blocked].map(lower));
  for (const d of mb.devices) {
    if (listed.has(lower(d.deviceId))) applyAccess(d, evaluateAccess(org, d), o.now);
    else if (d.accessStateReason === 'Individual' && (d.accessState === 'Allowed' || d.accessState === 'Blocked')) {
      applyAccess(d, o.released === 'unknown' ? { state: 'Unknown', reason: 'Unknown', rule: null } : evaluateAccess(org, d), o.now);
    }
  }
}

/**
 * States the device's own behaviour set, which no rule, list or organisation change
 * overrides until it connects again: device discovery (the grace period of a new
 * partnership), Exchange's auto-block thresholds (UserAgentsChanges, RecentCommands,
 * Watsons, OutOfBudgets, SyncCommands, CommandFrequency), the sync-state upgrade grace
 * (Upgrade), the Intune-driven External* reasons, and Unknown (variant releasedFromLists
 * 'unknown': "until it connects"). Names from Exchange's DeviceAccessStateReason enum;
 * that these are kept is a choice.
 */
const DEVICE_OWN_REASONS = new Set(['Upgrade', 'UserAgentsChanges', 'RecentCommands', 'Watsons', 'OutOfBudgets', 'SyncCommands', 'CommandFrequency', 'EnableNotificationEmail', 'ExternallyManaged', 'ExternalCompliance', 'ExternalEnrollment', 'Unknown']);

/** Why a partnership's stored state is left alone by reevaluateAccess, or null when it is re-evaluated. */
export function keptBecause(d: Device): 'activeSyncDisabled' | 'wiped' | 'deviceBehaviour' | null {
  // Exchange refuses an ActiveSync client of a user with ActiveSync disabled before it evaluates anything (connection.ts).
  if (d.clientType === 'EAS' && !d.mailbox.activeSyncEnabled) return 'activeSyncDisabled';
  const wipe = d.wipeKind === 'full' ? d.fullWipe : d.wipeKind === 'accountOnly' ? d.accountOnlyWipe : null;
  if (wipe && wipe.ackTime !== null) return 'wiped';
  if (d.accessState === 'DeviceDiscovery' || DEVICE_OWN_REASONS.has(d.accessStateReason)) return 'deviceBehaviour';
  return null;
}

/**
 * After a device access rule is created, changed or removed, the DefaultAccessLevel
 * changes, or a mailbox policy or its assignment changes, every partnership concerned
 * shows the new outcome at once in Get-MobileDevice. This follows the reference ("changing
 * it affects every connected device not covered by a rule or a personal exemption, at
 * once"; the cmdlet reference: "all existing connected devices are immediately affected").
 * Real Exchange stores the state on the partnership when the device connects, so it may
 * show the old state until the device's next connection. Returns how many changed.
 */
export function reevaluateAccess(org: Org, now: number, only?: Iterable<Device>): number {
  let changed = 0;
  const policyOf = new Map<Mailbox, MailboxPolicy>();
  for (const d of only ?? org.devices) {
    if (keptBecause(d)) continue;
    let policy = policyOf.get(d.mailbox);
    if (!policy) policyOf.set(d.mailbox, (policy = org.effectivePolicy(d.mailbox)));
    if (applyAccess(d, evaluateAccess(org, d, policy), now)) changed++;
  }
  return changed;
}
