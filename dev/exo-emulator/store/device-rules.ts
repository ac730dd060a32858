/**
 * The rules Exchange applies to a partnership: access evaluation (the user's own device
 * lists, then device access rules, then the organisation's default level) and the wipe
 * state machine (requested -> sent at the next connection -> acknowledged at the one
 * after). Functions over the Org, so org.ts stays about storage and lookups.
 */
import { cmdletErrors } from '../exchange-errors';
import type { AccessLevel, AccessRule, AccessState, Device, Mailbox, RuleCharacteristic, WipeTimes } from './model';
import type { Org } from './org';

export interface AccessDecision {
  state: AccessState;
  reason: string;
  rule: string | null;
}

const levelToState: Record<AccessLevel, AccessState> = { Allow: 'Allowed', Block: 'Blocked', Quarantine: 'Quarantined' };

/** Exchange prefers the most specific rule: a model rule beats a device family (type) rule. */
const RULE_PRECEDENCE: readonly RuleCharacteristic[] = ['DeviceModel', 'DeviceType', 'DeviceOS', 'UserAgent', 'XMSWLHeader'];

export const noWipe = (): WipeTimes => ({ requestTime: null, sentTime: null, ackTime: null });
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

function applyAccess(d: Device, decision: AccessDecision, now: number): boolean {
  if (d.accessState === decision.state && d.accessStateReason === decision.reason && d.accessControlRule === decision.rule) return false;
  d.accessState = decision.state;
  d.accessStateReason = decision.reason;
  d.accessControlRule = decision.rule;
  d.whenChanged = now;
  return true;
}

/**
 * Set-CASMailbox's device lists act at once on the mailbox's partnerships they name
 * (and on those they stop naming); rules and the default level wait for the next sync.
 */
export function setDeviceLists(org: Org, mb: Mailbox, lists: { allowed?: string[]; blocked?: string[] }, now: number): void {
  const before = { allowed: mb.allowedDeviceIds, blocked: mb.blockedDeviceIds };
  if (lists.allowed) mb.allowedDeviceIds = lists.allowed;
  if (lists.blocked) mb.blockedDeviceIds = lists.blocked;
  mb.whenChanged = now;
  for (const d of mb.devices) {
    const named =
      includesCi(before.allowed, d.deviceId) ||
      includesCi(before.blocked, d.deviceId) ||
      includesCi(mb.allowedDeviceIds, d.deviceId) ||
      includesCi(mb.blockedDeviceIds, d.deviceId);
    if (named) applyAccess(d, evaluateAccess(org, d), now);
  }
}

// ---- wipe ---------------------------------------------------------------------

export function currentWipe(d: Device): WipeTimes | null {
  if (d.wipeKind === 'full') return d.fullWipe;
  if (d.wipeKind === 'accountOnly') return d.accountOnlyWipe;
  return null;
}

/**
 * Get-MobileDeviceStatistics' Status: a wipe status only (reference, "Filters,
 * recipients and identities"): DeviceOk, DeviceWipePending, DeviceWipeSucceeded,
 * AccountOnlyDeviceWipeSucceeded, and DeviceBlocked = a wipe was requested but the device
 * does not support remote wipe. Access blocks and quarantines show in DeviceAccessState,
 * never here. The pending status of an account-only wipe is not confirmed; the emulator
 * says DeviceWipePending for both kinds (choice).
 */
export function wipeStatus(d: Device): string {
  const wipe = currentWipe(d);
  if (!wipe || wipe.requestTime === null) return 'DeviceOk';
  if (!d.isRemoteWipeSupported) return 'DeviceBlocked';
  if (wipe.ackTime === null) return 'DeviceWipePending';
  return d.wipeKind === 'full' ? 'DeviceWipeSucceeded' : 'AccountOnlyDeviceWipeSucceeded';
}

/** StatusNote: "" for DeviceOk (reference); the other texts are the emulator's choice. */
export function wipeStatusNote(d: Device): string {
  switch (wipeStatus(d)) {
    case 'DeviceBlocked':
      return 'The device does not support remote wipe.';
    case 'DeviceWipePending':
      return currentWipe(d)?.sentTime === null ? 'The wipe request is waiting for the device to connect.' : 'The wipe was sent to the device.';
    case 'DeviceWipeSucceeded':
    case 'AccountOnlyDeviceWipeSucceeded':
      return 'The device acknowledged the wipe.';
    default:
      return '';
  }
}

export function requestWipe(d: Device, o: { accountOnly: boolean; requestor: string; notify: string[]; now: number }): void {
  const other = o.accountOnly ? d.fullWipe : d.accountOnlyWipe;
  // A newer request of the other kind replaces one the device has not picked up yet.
  if (other.requestTime !== null && other.sentTime === null) Object.assign(other, noWipe());
  const wipe = o.accountOnly ? d.accountOnlyWipe : d.fullWipe;
  Object.assign(wipe, { requestTime: o.now, sentTime: null, ackTime: null });
  d.wipeKind = o.accountOnly ? 'accountOnly' : 'full';
  if (o.accountOnly) d.lastAccountOnlyDeviceWipeRequestor = o.requestor;
  else d.lastDeviceWipeRequestor = o.requestor;
  d.wipeNotificationAddresses = o.notify;
  d.whenChanged = o.now;
}

/** -Cancel works only until the device has picked the wipe up; cancelling nothing is a no-op. */
export function cancelWipe(d: Device, now: number, identity: string): void {
  const wipe = currentWipe(d);
  if (!wipe || wipe.requestTime === null) return;
  if (wipe.sentTime !== null) {
    throw cmdletErrors.invalidOperation(`The wipe request for device '${identity}' has already been sent to the device and can't be canceled.`);
  }
  Object.assign(wipe, noWipe());
  d.wipeKind = null;
  d.whenChanged = now;
}

/**
 * The device connects. A pending wipe is sent on this connection and acknowledged on
 * the next (a device that cannot be wiped never takes it: choice); a device that
 * acknowledged a wipe no longer syncs. Otherwise its access is re-evaluated and, for
 * ActiveSync clients, the sync times move (only LastSyncAttemptTime when it is not
 * allowed to sync, or ActiveSync is disabled for the mailbox). Exchange keeps sync times
 * in the mailbox, not in the directory object, so a plain sync does not change WhenChanged.
 */
export function checkIn(org: Org, d: Device, now: number): void {
  const wipe = currentWipe(d);
  if (wipe && wipe.requestTime !== null && d.isRemoteWipeSupported) {
    if (wipe.ackTime !== null) return;
    if (wipe.sentTime === null) wipe.sentTime = now;
    else wipe.ackTime = now;
    d.whenChanged = now;
    if (d.clientType === 'EAS') d.lastSyncAttemptTime = now;
    return;
  }
  applyAccess(d, evaluateAccess(org, d), now);
  if (d.clientType !== 'EAS') return;
  d.lastSyncAttemptTime = now;
  if (d.accessState === 'Allowed' && d.mailbox.activeSyncEnabled) d.lastSuccessSync = now;
}
