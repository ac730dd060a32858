/**
 * Desired policy settings as an API caller sends them (JSON), checked against Exchange's
 * own ranges before anything reaches Exchange, and turned into the canonical values of
 * values.ts. Every problem is collected and thrown as one ValidationError naming each
 * field as a path (`groups.password.minPasswordLength`) with the allowed values.
 *
 * JSON types are strict: a number sent as a string is refused, because Exchange refused
 * MinPasswordComplexCharacters and PasswordHistory given as strings in the field. Words
 * are not: `unlimited` and enum names are matched case-insensitively (so are Exchange's
 * Unlimited<T> and enum binders) and answered in Exchange's spelling.
 */
import { type FieldIssue, ValidationError } from '../../errors';
import {
  ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF,
  isPolicyGroup,
  POLICY_GROUPS,
  POLICY_SETTINGS,
  type PolicyGroup,
  type PolicyParameterDef,
  settingByKey,
  settingsOfGroup,
} from './catalogue';
import { formatTimeSpan, isUnlimitedText, parseQuantifiedSize, parseTimeSpan, type PolicyValue, showValue, UNLIMITED } from './values';

export type GroupSettings = Partial<Record<string, PolicyValue>>;
export type DesiredGroups = Partial<Record<PolicyGroup, GroupSettings>>;

type Checked = { value: PolicyValue } | { reason: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** `field.key`, or `field["odd key"]` when the key is not a plain name. */
export const fieldPath = (field: string, key: string | number): string =>
  typeof key === 'number' ? `${field}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${field}.${key}` : `${field}[${JSON.stringify(key)}]`;

/** One value of one parameter in its canonical form, or why not. */
export function checkPolicyValue(def: PolicyParameterDef, raw: unknown): Checked {
  const refuse = (hint?: string): Checked => ({ reason: `must be ${def.allowed}, got ${showValue(raw)}${hint ? ` (${hint})` : ''}` });
  const kind = def.kind;
  const numberAsText = typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw);
  const numberHint = numberAsText ? 'a string: send numbers as JSON numbers, as Exchange refuses numbers given as strings' : undefined;
  switch (kind.type) {
    case 'bool':
      return typeof raw === 'boolean' ? { value: raw } : refuse(typeof raw === 'string' ? 'a string: send a JSON boolean' : undefined);
    case 'int':
    case 'intOrUnlimited': {
      if (raw === null && kind.type === 'int' && kind.nullable) return { value: null };
      if (kind.type === 'intOrUnlimited' && isUnlimitedText(raw)) return { value: UNLIMITED };
      if (typeof raw !== 'number') return refuse(numberHint ?? (raw === null ? undefined : jsonType(raw)));
      if (!Number.isInteger(raw)) return refuse('not a whole number');
      return raw >= kind.min && raw <= kind.max ? { value: raw } : refuse();
    }
    case 'timeSpanOrUnlimited': {
      if (isUnlimitedText(raw)) return { value: UNLIMITED };
      if (typeof raw !== 'string') return refuse(typeof raw === 'number' ? 'a number: send a time span string' : undefined);
      const seconds = parseTimeSpan(raw.trim());
      if (seconds === null) return refuse('not a time span hh:mm:ss or d.hh:mm:ss');
      return seconds >= kind.minSeconds && seconds <= kind.maxSeconds ? { value: formatTimeSpan(seconds) } : refuse();
    }
    case 'bytesOrUnlimited': {
      if (isUnlimitedText(raw)) return { value: UNLIMITED };
      let bytes: number | null;
      if (typeof raw === 'number') {
        if (!Number.isInteger(raw)) return refuse('not a whole number of bytes');
        bytes = raw;
      } else if (typeof raw === 'string') {
        if (numberAsText) return refuse('a string without a unit: send bytes as a JSON number, or add B, KB, MB or GB');
        bytes = parseQuantifiedSize(raw, ['B', 'KB', 'MB', 'GB']);
        if (bytes === null) return refuse('not a size');
      } else return refuse();
      return bytes >= kind.min && bytes <= kind.max ? { value: bytes } : refuse();
    }
    case 'enum': {
      const name = typeof raw === 'string' ? Object.keys(kind.values).find((n) => n.toLowerCase() === raw.trim().toLowerCase()) : undefined;
      return name !== undefined ? { value: name } : refuse();
    }
    case 'stringList':
      return checkStringList(raw, refuse);
  }
}

function checkStringList(raw: unknown, refuse: (hint?: string) => Checked): Checked {
  if (!Array.isArray(raw)) return refuse();
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    if (typeof item !== 'string') problems.push(`item ${i} is ${jsonType(item)}`);
    else if (item.trim() === '') problems.push(`item ${i} is empty`);
    // Exchange's NoLeadingOrTrailingWhitespaceConstraint on UnapprovedInROMApplicationList.
    else if (item.trim() !== item) problems.push(`item ${i} has leading or trailing spaces`);
    else if (seen.has(item.toLowerCase())) problems.push(`item ${i} repeats ${JSON.stringify(item)}`);
    else seen.add(item.toLowerCase());
  });
  return problems.length === 0 ? { value: [...(raw as string[])] } : refuse(problems.slice(0, 5).join('; '));
}

function unknownKeyReason(group: PolicyGroup, key: string): string {
  const elsewhere = settingByKey(key)?.group;
  if (elsewhere) return `belongs to group ${elsewhere}, not ${group}`;
  const near = POLICY_SETTINGS.find((s) => s.key.toLowerCase() === key.toLowerCase());
  if (near) return `unknown setting; keys are case-sensitive, did you mean ${near.key}${near.group === group ? '' : ` (group ${near.group})`}?`;
  return `unknown setting of group ${group}; its settings are ${settingsOfGroup(group)
    .map((s) => s.key)
    .join(', ')}`;
}

/** One group's settings; problems are added to `issues`. */
export function collectGroup(group: PolicyGroup, body: unknown, field: string, issues: FieldIssue[]): GroupSettings {
  if (!isPlainObject(body)) {
    issues.push({ field, reason: `must be an object of settings of group ${group}, got ${showValue(body)}` });
    return {};
  }
  const settings: GroupSettings = {};
  for (const [key, raw] of Object.entries(body)) {
    const path = fieldPath(field, key);
    const def = settingByKey(key);
    if (!def || def.group !== group) {
      issues.push({ field: path, reason: unknownKeyReason(group, key) });
      continue;
    }
    const checked = checkPolicyValue(def, raw);
    if ('reason' in checked) issues.push({ field: path, reason: checked.reason });
    else settings[key] = checked.value;
  }
  return settings;
}

/** Desired groups without throwing, for a caller that adds its own issues to one answer. */
export function collectDesiredGroups(body: unknown, field: string, issues: FieldIssue[]): DesiredGroups {
  if (!isPlainObject(body)) {
    issues.push({ field, reason: `must be an object whose keys are groups (${POLICY_GROUPS.join(', ')}), got ${showValue(body)}` });
    return {};
  }
  const groups: DesiredGroups = {};
  for (const [name, settings] of Object.entries(body)) {
    const path = fieldPath(field, name);
    if (!isPolicyGroup(name)) {
      const near = POLICY_GROUPS.find((g) => g.toLowerCase() === name.toLowerCase());
      issues.push({ field: path, reason: near ? `unknown group; group names are case-sensitive, did you mean ${near}?` : `unknown group; groups are ${POLICY_GROUPS.join(', ')}` });
      continue;
    }
    groups[name] = collectGroup(name, settings, path, issues);
  }
  return groups;
}

function orThrow<T>(value: T, issues: FieldIssue[]): T {
  if (issues.length > 0) throw new ValidationError(issues);
  return value;
}

/**
 * `{ password: { minPasswordLength: 6 }, security: { allowBluetooth: 'Disable' } }` ->
 * canonical desired groups. An empty group (`{ general: {} }`) is valid: it puts the
 * group under management with every member at its default.
 */
export function parseDesiredGroups(body: unknown, field = 'groups'): DesiredGroups {
  const issues: FieldIssue[] = [];
  return orThrow(collectDesiredGroups(body, field, issues), issues);
}

/** One group's settings (a PUT of one group). */
export function parseGroup(group: string, body: unknown, field = fieldPath('groups', group)): GroupSettings {
  if (!isPolicyGroup(group)) throw ValidationError.of(field, `unknown group; groups are ${POLICY_GROUPS.join(', ')}`);
  const issues: FieldIssue[] = [];
  return orThrow(collectGroup(group, body, field, issues), issues);
}

/** One setting (a PATCH of one value). */
export function parsePolicySetting(group: string, key: string, value: unknown, field = fieldPath(fieldPath('groups', group), key)): PolicyValue {
  if (!isPolicyGroup(group)) throw ValidationError.of(field, `unknown group; groups are ${POLICY_GROUPS.join(', ')}`);
  const def = settingByKey(key);
  if (!def || def.group !== group) throw ValidationError.of(field, unknownKeyReason(group, key));
  const checked = checkPolicyValue(def, value);
  if ('reason' in checked) throw ValidationError.of(field, checked.reason);
  return checked.value;
}

/** The policy-level AllowExternalDeviceManagement flag. */
export function parseAllowExternalDeviceManagement(value: unknown, field = ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF.key): boolean {
  const checked = checkPolicyValue(ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF, value);
  if ('reason' in checked) throw ValidationError.of(field, checked.reason);
  return checked.value as boolean;
}
