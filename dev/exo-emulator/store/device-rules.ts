/**
 * The access rules Exchange applies to a partnership: the user's own device lists, then
 * device access rules, then the organisation's default level; and what Set-CASMailbox's
 * device lists do at once. Functions over the Org, so org.ts stays about storage and
 * lookups (the wipe is in wipe.ts, a device's connection in connection.ts).
 */
import { cmdletErrors } from '../exchange-errors';
import type { AccessLevel, AccessRule, AccessState, Device, Mailbox, RuleCharacteristic } from './model';
import type { Org } from './org';

export interface AccessDecision {
  state: AccessState;
  reason: string;
  rule: string | null;
}

const levelToState: Record<AccessLevel, AccessState> = { Allow: 'Allowed', Block: 'Blocked', Quarantine: 'Quarantined' };

/** Exchange prefers the most specific rule: a model rule beats a device family (type) rule. */
const RULE_PRECEDENCE: readonly RuleCharacteristic[] = ['DeviceModel', 'DeviceType', 'DeviceOS', 'UserAgent', 'XMSWLHeader'];

const lower = (s: string) => s.toLowerCase();
const sameCi = (a: string, b: string) => a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
const includesCi = (list: readonly string[], value: string) => list.some((x) => sameCi(x, value));

// ---- access -------------------------------------------------------------------

export function evaluateAccess(org: Org, d: Device): AccessDecision {
  const mb = d.mailbox;
  if (includesCi(mb.blockedDeviceIds, d.deviceId)) return { state: 'Blocked', reason: 'Individual', rule: null };
  if (includesCi(mb.allowedDeviceIds, d.deviceId)) return { state: 'Allowed', reason: 'Individual', rule: null };
  const rule = matchingRule(org, d);
  if (rule) return { state: levelToState[rule.accessLevel], reason: 'DeviceRule', rule: rule.name };
  return { state: levelToState[org.orgSettings.defaultAccessLevel], reason: 'Global', rule: null };
}

function matchingRule(org: Org, d: Device): AccessRule | undefined {
  if (org.accessRules.size === 0) return undefined;
  const valueOf: Record<RuleCharacteristic, string | null> = {
    DeviceModel: d.deviceModel,
    DeviceType: d.deviceType,
    DeviceOS: d.deviceOs,
    UserAgent: d.deviceUserAgent,
    XMSWLHeader: null,
  };
  for (const characteristic of RULE_PRECEDENCE) {
    const value = valueOf[characteristic];
    if (value === null) continue;
    for (const r of org.accessRules) {
      if (r.characteristic === characteristic && lower(r.queryString) === lower(value)) return r;
    }
  }
  return undefined;
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
