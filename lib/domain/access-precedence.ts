/**
 * Which access a device gets from device access rules and the organization's default
 * level, and which devices a proposed change would move. Pure: the devices, the rules
 * and the default are arguments.
 *
 * Precedence, highest first (shared/reference/device-actions.md, "Allow and block one
 * device"): ActiveSync disabled for the user > device not compliant with its mailbox
 * policy > personal block > personal allow > device access rule > organization default.
 * The inventory tells what decided each device (DeviceAccessStateReason); a device held
 * by anything above the rules keeps its state whatever the rules or the default become.
 *
 * Several matching rules: the reference does not say, and no public document does
 * (Microsoft's help pages only say rules apply to devices without a personal exemption).
 * Exchange's own code does: Command.DetermineDeviceAccessState evaluates a UserAgent
 * rule, then DeviceOS, then DeviceModel, then DeviceType, and the first match wins;
 * OrganizationSettingsData.EvaluateDevice compares the query string exactly, ignoring
 * case (StringComparison.OrdinalIgnoreCase), and XMSWLHeader rules are never evaluated
 * (Exchange 2013/2016 AirSync sources, build 15.00.1497, public copy at
 * github.com/evilashz/exchange-server-27065). This module takes that order; the
 * emulator (dev/exo-emulator/store/device-rules.ts) takes the same one.
 */

export type AccessLevel = 'Allow' | 'Block' | 'Quarantine';
export type AccessState = 'Allowed' | 'Blocked' | 'Quarantined';
export type RuleCharacteristic = 'DeviceType' | 'DeviceModel' | 'DeviceOS' | 'UserAgent';

export const ACCESS_LEVELS: readonly AccessLevel[] = ['Allow', 'Block', 'Quarantine'];
export const RULE_CHARACTERISTICS: readonly RuleCharacteristic[] = ['DeviceType', 'DeviceModel', 'DeviceOS', 'UserAgent'];

/** Exchange's evaluation order of rule characteristics (see above). */
export const RULE_ORDER: readonly RuleCharacteristic[] = ['UserAgent', 'DeviceOS', 'DeviceModel', 'DeviceType'];

export const STATE_OF: Record<AccessLevel, AccessState> = { Allow: 'Allowed', Block: 'Blocked', Quarantine: 'Quarantined' };

export interface AccessRuleDef {
  /** Exchange's Identity, `<QueryString> (<Characteristic>)`. */
  identity: string;
  characteristic: string;
  queryString: string;
  accessLevel: AccessLevel;
}

/** The rules and the default a device is judged by. */
export interface AccessConfig {
  defaultAccessLevel: AccessLevel;
  rules: readonly AccessRuleDef[];
}

/** What the inventory knows of a device, as the preview needs it. */
export interface AccessDevice {
  deviceGuid: string;
  mailbox: string;
  clientType: string | null;
  deviceType: string | null;
  deviceModel: string | null;
  deviceOs: string | null;
  deviceUserAgent: string | null;
  accessState: string | null;
  accessStateReason: string | null;
  /** The device acknowledged a wipe: it no longer syncs, so nothing re-evaluates it. */
  wiped: boolean;
}

/** What holds a device's state above the rules and the default. */
export type HeldBy = 'activeSyncDisabled' | 'policy' | 'personalBlock' | 'personalAllow' | 'deviceBehaviour' | 'wiped';

/**
 * Reasons the device's own behaviour set (Exchange's DeviceAccessStateReason enum:
 * the upgrade grace, the auto-block thresholds, the Intune-driven External* ones,
 * Unknown). No rule or default change overrides them until the device connects again:
 * a choice where no source says, the same one the emulator makes.
 */
const DEVICE_OWN_REASONS = new Set(['upgrade', 'useragentschanges', 'recentcommands', 'watsons', 'outofbudgets', 'synccommands', 'enablenotificationemail', 'commandfrequency', 'externallymanaged', 'externalcompliance', 'externalenrollment', 'unknown']);

const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();

/**
 * Why a device keeps its state whatever the rules and the default say, or null when they
 * decide it. `activeSyncDisabled` holds the mailboxes (lower-cased Names) whose
 * ActiveSync is off: it stops ActiveSync clients only, since Outlook for iOS and Android
 * reaches Exchange Online through REST (and has its own OutlookMobileEnabled).
 */
export function heldBy(d: AccessDevice, activeSyncDisabled: ReadonlySet<string>): HeldBy | null {
  if (lower(d.clientType) === 'eas' && activeSyncDisabled.has(lower(d.mailbox))) return 'activeSyncDisabled';
  const reason = lower(d.accessStateReason);
  if (reason === 'policy') return 'policy';
  if (reason === 'individual') return lower(d.accessState) === 'allowed' ? 'personalAllow' : 'personalBlock';
  if (d.wiped) return 'wiped';
  // DeviceDiscovery: the grace of a new partnership while Exchange learns what it is.
  if (lower(d.accessState) === 'devicediscovery' || DEVICE_OWN_REASONS.has(reason)) return 'deviceBehaviour';
  return null;
}

function valueOf(d: AccessDevice, c: RuleCharacteristic): string | null {
  switch (c) {
    case 'UserAgent':
      return d.deviceUserAgent;
    case 'DeviceOS':
      return d.deviceOs;
    case 'DeviceModel':
      return d.deviceModel;
    case 'DeviceType':
      return d.deviceType;
  }
}

/** The rule that decides the device, by Exchange's order; null when none matches. */
export function matchingRule(rules: readonly AccessRuleDef[], d: AccessDevice): AccessRuleDef | null {
  for (const c of RULE_ORDER) {
    const value = valueOf(d, c);
    if (!value) continue;
    const key = value.toLowerCase();
    const hit = rules.find((r) => r.characteristic === c && r.queryString.toLowerCase() === key);
    if (hit) return hit;
  }
  return null;
}

export interface AccessDecision {
  state: AccessState;
  reason: 'DeviceRule' | 'Global';
  rule: string | null;
}

/** What the rules and the default give a device nothing above them holds. */
export function decideAccess(config: AccessConfig, d: AccessDevice): AccessDecision {
  const rule = matchingRule(config.rules, d);
  if (rule) return { state: STATE_OF[rule.accessLevel], reason: 'DeviceRule', rule: rule.identity };
  return { state: STATE_OF[config.defaultAccessLevel], reason: 'Global', rule: null };
}

export interface AccessChange<D extends AccessDevice = AccessDevice> {
  device: D;
  stateNow: string | null;
  stateAfter: AccessState;
  reasonAfter: AccessDecision['reason'];
  ruleAfter: string | null;
}

export interface ChangeSummary<D extends AccessDevice = AccessDevice> {
  /** Devices whose state would change, by their state after. */
  counts: Record<AccessState, number>;
  /** Devices that would newly be blocked or quarantined: what a confirmation is asked for. */
  impact: number;
  /** Devices kept by something above the rules, by what. */
  held: Partial<Record<HeldBy, number>>;
  changes: AccessChange<D>[];
  examined: number;
}

/**
 * Every device whose state the change from `before` to `after` (the rules and default
 * as Exchange holds them, and as they would be) moves. A device counts when the two
 * decisions differ, not when the decision differs from the inventory's state: the
 * inventory may still show the state before an earlier change, whose effect is not this
 * change's (Exchange applies a change when the device next connects; the sync sees it
 * later still).
 */
export function changesUnder<D extends AccessDevice>(devices: Iterable<D>, before: AccessConfig, after: AccessConfig, activeSyncDisabled: ReadonlySet<string>): ChangeSummary<D> {
  const counts: Record<AccessState, number> = { Allowed: 0, Blocked: 0, Quarantined: 0 };
  const held: Partial<Record<HeldBy, number>> = {};
  const changes: AccessChange<D>[] = [];
  let examined = 0;
  let impact = 0;
  for (const d of devices) {
    examined++;
    const h = heldBy(d, activeSyncDisabled);
    if (h) {
      held[h] = (held[h] ?? 0) + 1;
      continue;
    }
    const then = decideAccess(after, d);
    if (decideAccess(before, d).state === then.state) continue;
    counts[then.state]++;
    if (then.state !== 'Allowed') impact++;
    changes.push({ device: d, stateNow: d.accessState, stateAfter: then.state, reasonAfter: then.reason, ruleAfter: then.rule });
  }
  return { counts, impact, held, changes, examined };
}

/** Exchange's name for a rule: `<QueryString> (<Characteristic>)` (reference, "Device access rules"). */
export function ruleIdentity(queryString: string, characteristic: string): string {
  return `${queryString} (${characteristic})`;
}

/** Identities are directory names, compared without case. */
export const sameIdentity = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** An access level as Exchange may spell it, in the connector's form; null when it is none. */
export function accessLevelOf(v: unknown): AccessLevel | null {
  const s = lower(typeof v === 'string' ? v : null);
  return ACCESS_LEVELS.find((l) => l.toLowerCase() === s) ?? null;
}
