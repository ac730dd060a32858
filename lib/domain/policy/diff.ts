/**
 * Drift: managed settings whose value in Exchange differs from the desired one, after both
 * are normalised; and the parameters of the one Set-/New-MobileDeviceMailboxPolicy call
 * that writes them. Groups the connector does not manage never appear: they are reported
 * elsewhere, never changed.
 */
import { ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF, type PolicyGroup, type PolicyParameterDef, settingsOfGroup } from './catalogue';
import { completeGroups } from './complete';
import { type FoundValue, isUnreadable, normaliseFoundValue } from './normalise';
import type { DesiredGroups } from './validate';
import { copyValue, type PolicyValue, samePolicyValue } from './values';

export interface DesiredPolicy {
  groups: DesiredGroups;
  /** Managed only when given. */
  allowExternalDeviceManagement?: boolean;
}

export interface PolicyDrift {
  /** null for the policy-level AllowExternalDeviceManagement. */
  group: PolicyGroup | null;
  key: string;
  parameter: string;
  desired: PolicyValue;
  /** Normalised; `{ unreadable }` when Exchange's value could not be read (it is then rewritten). */
  found: FoundValue;
}

/** Names older Exchange versions return instead (device-policy-settings.md). */
const ALIASES: Readonly<Record<string, string>> = { MaxPasswordFailedAttempts: 'MaxDevicePasswordFailedAttempts' };

/** A property of the policy as read: exact name first, then any casing, then an older alias. */
function readProperty(found: Record<string, unknown>, parameter: string): unknown {
  if (parameter in found) return found[parameter];
  const lower = parameter.toLowerCase();
  const key = Object.keys(found).find((k) => k.toLowerCase() === lower);
  if (key !== undefined) return found[key];
  const alias = ALIASES[parameter];
  return alias !== undefined ? readProperty(found, alias) : undefined;
}

/** What the desired policy manages, each with its completed desired value, in catalogue order. */
function managedValues(desired: DesiredPolicy): { group: PolicyGroup | null; def: PolicyParameterDef; value: PolicyValue }[] {
  const out: { group: PolicyGroup | null; def: PolicyParameterDef; value: PolicyValue }[] = [];
  // Completing is idempotent, so a caller that passes partial groups still gets the group rule.
  for (const [group, settings] of Object.entries(completeGroups(desired.groups)) as [PolicyGroup, Record<string, PolicyValue>][]) {
    for (const def of settingsOfGroup(group)) out.push({ group, def, value: settings[def.key] });
  }
  if (desired.allowExternalDeviceManagement !== undefined) {
    out.push({ group: null, def: ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF, value: desired.allowExternalDeviceManagement });
  }
  return out;
}

/** Each managed setting whose normalised value in Exchange differs from the desired one. */
export function diffPolicy(desired: DesiredPolicy, found: Record<string, unknown>): PolicyDrift[] {
  const drift: PolicyDrift[] = [];
  for (const { group, def, value } of managedValues(desired)) {
    const seen = normaliseFoundValue(def, readProperty(found, def.parameter));
    if (isUnreadable(seen) || !samePolicyValue(value, seen)) {
      drift.push({ group, key: def.key, parameter: def.parameter, desired: copyValue(value), found: seen });
    }
  }
  return drift;
}

/**
 * A desired value as Set-/New-MobileDeviceMailboxPolicy takes it over JSON: numbers as
 * numbers (MinPasswordComplexCharacters and PasswordHistory as strings were refused in the
 * field), booleans as booleans, time spans as their strings, `Unlimited` as the string,
 * MaxAttachmentSize as a number of bytes, lists as arrays. The canonical form is already
 * that, so this only copies.
 */
export const toWireValue = (value: PolicyValue): unknown => copyValue(value);

/**
 * The parameters of one Set-MobileDeviceMailboxPolicy call repairing the drift (Identity
 * is the caller's). A desired null MinPasswordLength is sent as null: it is the only way to
 * clear a length Exchange holds (the cmdlet reference: "1 through 16 or the value $null"),
 * and drift only lists it when Exchange holds another value. An empty list is sent as []
 * for the same reason.
 */
export function toSetParameters(drift: readonly PolicyDrift[]): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const d of drift) parameters[d.parameter] = toWireValue(d.desired);
  return parameters;
}

/**
 * The settings parameters of New-MobileDeviceMailboxPolicy for the desired policy (Name
 * and IsDefault are the caller's): every managed setting, except null and empty lists.
 * Those are a new policy's own defaults, and creating a policy with an empty
 * MinPasswordLength failed in the field, so unset values are left out, never sent empty.
 */
export function toNewParameters(desired: DesiredPolicy): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const { def, value } of managedValues(desired)) {
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    parameters[def.parameter] = toWireValue(value);
  }
  return parameters;
}
