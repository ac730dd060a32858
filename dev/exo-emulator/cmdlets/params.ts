/**
 * Parameter binding the way Exchange does it over REST: names are matched
 * case-insensitively, an unknown name is refused (AmbiguousParameterSetException naming
 * it), values are converted to the parameter's type and checked against its range, each
 * failure with Exchange's exception type and wording (a bad enum value is a
 * ParameterTransformationException with no `details`).
 */
import { cmdletErrors } from '../exchange-errors';
import type { SettingKind } from '../store/policy-settings';
import { formatByteSize, formatTimeSpan, parseByteSize, parseTimeSpan, UNLIMITED } from '../values';

export type ParamKind =
  | SettingKind
  | { kind: 'string'; maxLength?: number; nullable?: boolean }
  | { kind: 'switch' }
  | { kind: 'resultSize' }
  /** MultiValuedProperty: a list, one value, or {"@odata.type":"#Exchange.GenericHashTable","add":[..],"remove":[..]} */
  | { kind: 'multiValue'; item?: (value: string, param: string) => void }
  | { kind: 'enumList'; values: readonly string[]; typeName: string }
  /** Accepted and ignored (PowerShell common parameters, -DomainController...). */
  | { kind: 'ignored' };

export interface MultiValue {
  replace?: string[];
  add: string[];
  remove: string[];
}

const GENERIC_HASH_TABLE = '#Exchange.GenericHashTable';
const MULTI_VALUED_STRINGS = 'Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]';

/** Parameters every cmdlet accepts through PowerShell's common-parameter mechanism. */
const COMMON_PARAMETERS = ['ErrorAction', 'WarningAction', 'InformationAction', 'Verbose', 'Debug', 'ErrorVariable', 'WarningVariable', 'OutVariable', 'OutBuffer'];

export class Args {
  constructor(private readonly values: Map<string, unknown>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Canonical names of the parameters given. */
  names(): string[] {
    return [...this.values.keys()];
  }

  get(name: string): unknown {
    return this.values.get(name);
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    return typeof v === 'boolean' ? v : undefined;
  }

  multi(name: string): MultiValue | undefined {
    return this.values.get(name) as MultiValue | undefined;
  }

  /** ResultSize as a number (Infinity for Unlimited). */
  resultSize(dflt: number): number {
    const v = this.values.get('ResultSize');
    return typeof v === 'number' ? v : dflt;
  }
}

export function bindParameters(specs: Record<string, ParamKind>, mandatory: readonly string[], raw: unknown): Args {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw cmdletErrors.parameterSet();
  }
  const byLower = new Map(Object.keys(specs).map((k) => [k.toLowerCase(), k]));
  const common = new Set(COMMON_PARAMETERS.map((c) => c.toLowerCase()));
  const values = new Map<string, unknown>();
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    // Clients may send OData annotations next to values ("X@odata.type"); they are not parameters.
    if (key.includes('@')) continue;
    const canonical = byLower.get(key.toLowerCase());
    if (!canonical) {
      if (common.has(key.toLowerCase())) continue;
      throw cmdletErrors.unknownParameter(key);
    }
    values.set(canonical, convert(canonical, specs[canonical], value));
  }
  const missing = mandatory.filter((m) => !values.has(m));
  if (missing.length > 0) throw cmdletErrors.missingParameters(missing);
  return new Args(values);
}

function toBool(param: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '$true' || s === '1') return true;
    if (s === 'false' || s === '$false' || s === '0') return false;
  }
  throw cmdletErrors.notBoolean(param, v);
}

function toInt(param: string, v: unknown, typeName: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw cmdletErrors.conversion(param, v, typeName, 'Input string was not in a correct format.');
  return n;
}

/**
 * Exchange's range constraints (RangedValueConstraint, RangedUnlimitedConstraint) fail
 * when the task sets the property, so PowerShell reports a setter failure: "Cannot bind
 * parameter 'X' to the target. Exception setting "X": "<Exchange's text>"", the text being
 * DataStrings.ConstraintViolationValueOutOfRange ("The property, ({2}), is out of range.
 * The valid range is from {0} to {1}.", Exchange 2016's Microsoft.Exchange.Data
 * DataStrings.resources). The exception type over REST is the emulator's choice.
 */
function checkRange(param: string, n: number, min: number, max: number, show: (n: number) => string = String): void {
  if (n < min || n > max) throw cmdletErrors.outOfRange(param, show(n), show(min), show(max));
}

const isUnlimited = (v: unknown) => typeof v === 'string' && v.trim().toLowerCase() === 'unlimited';

function toEnum(param: string, v: unknown, values: readonly string[], typeName: string): string {
  const found = typeof v === 'string' ? values.find((x) => x.toLowerCase() === v.trim().toLowerCase()) : undefined;
  if (found) return found;
  throw cmdletErrors.badEnum(param, v, typeName, values);
}

function toStringList(param: string, v: unknown, item?: (value: string, param: string) => void): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x !== 'string' && typeof x !== 'number') throw cmdletErrors.conversion(param, x, 'System.String', 'Only strings are accepted.');
    const s = String(x);
    item?.(s, param);
    return s;
  });
}

function convert(param: string, spec: ParamKind, v: unknown): unknown {
  switch (spec.kind) {
    case 'ignored':
      return v;
    case 'bool':
    case 'switch':
      return toBool(param, v);
    case 'string': {
      if (v === null) {
        if (spec.nullable) return null;
        throw cmdletErrors.nullArgument(param);
      }
      if (typeof v !== 'string' && typeof v !== 'number') throw cmdletErrors.conversion(param, v, 'System.String', 'Only strings are accepted.');
      const s = String(v);
      if (spec.maxLength !== undefined && s.length > spec.maxLength) {
        throw cmdletErrors.validation(
          param,
          `The character length of the ${s.length} argument is too long. Shorten the character length of the argument so it is fewer than or equal to "${spec.maxLength}" characters, and then try the command again.`,
        );
      }
      return s;
    }
    case 'int': {
      if (v === null) {
        if (spec.nullable) return null;
        throw cmdletErrors.nullArgument(param);
      }
      // Reference: MinPasswordComplexCharacters and PasswordHistory sent as JSON strings were
      // refused in the field (also github.com/Microsoft365DSC/Microsoft365DSC/issues/6022: "expected
      // to be an integer"); an empty MinPasswordLength failed New-MobileDeviceMailboxPolicy
      // (Microsoft365DSC issue #723). So a plain Int32 takes JSON numbers only; the wording is a choice.
      if (typeof v === 'string') throw cmdletErrors.conversion(param, v, spec.nullable ? 'System.Nullable`1[System.Int32]' : 'System.Int32', 'A JSON string was given where a JSON number is required.');
      const n = toInt(param, v, 'System.Int32');
      checkRange(param, n, spec.min, spec.max);
      return n;
    }
    case 'unlimitedInt': {
      if (v === null) throw cmdletErrors.nullArgument(param);
      if (isUnlimited(v)) return UNLIMITED;
      const sized = spec.sizes && typeof v === 'string' && /[kmg]b\s*$/i.test(v) ? parseByteSize(v) : null;
      const n = sized ?? toInt(param, v, 'Microsoft.Exchange.Data.Unlimited`1[System.Int32]');
      checkRange(param, n, spec.min, spec.max);
      return n;
    }
    case 'resultSize': {
      if (v === null) throw cmdletErrors.nullArgument(param);
      if (isUnlimited(v)) return Infinity;
      const n = toInt(param, v, 'Microsoft.Exchange.Data.Unlimited`1[System.UInt32]');
      checkRange(param, n, 1, 2147483647);
      return n;
    }
    case 'enum':
      return toEnum(param, v, spec.values, spec.typeName);
    case 'enumList':
      return toStringList(param, v).map((x) => toEnum(param, x, spec.values, spec.typeName));
    case 'timespan': {
      if (v === null) throw cmdletErrors.nullArgument(param);
      if (isUnlimited(v)) return UNLIMITED;
      const ms = typeof v === 'string' ? parseTimeSpan(v) : null;
      if (ms === null) {
        throw cmdletErrors.conversion(param, v, 'Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.EnhancedTimeSpan]', 'String was not recognized as a valid TimeSpan.');
      }
      checkRange(param, ms, spec.min, spec.max, formatTimeSpan);
      return ms;
    }
    case 'byteSize': {
      if (v === null) throw cmdletErrors.nullArgument(param);
      if (isUnlimited(v)) return UNLIMITED;
      const bytes = parseByteSize(v);
      if (bytes === null) {
        throw cmdletErrors.conversion(param, v, 'Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]', 'The value is not a valid size.');
      }
      checkRange(param, bytes, spec.min, spec.max, formatByteSize);
      return bytes;
    }
    case 'stringList':
    case 'multiValue': {
      const item = spec.kind === 'multiValue' ? spec.item : undefined;
      if (v === null) return { replace: [], add: [], remove: [] } satisfies MultiValue;
      if (typeof v === 'object' && !Array.isArray(v)) {
        const table = v as Record<string, unknown>;
        // Reference: without "@odata.type":"#Exchange.GenericHashTable" the server cannot bind the
        // hash table. Earlier emulator versions accepted a bare {add, remove}; that was wrong.
        if (table['@odata.type'] !== GENERIC_HASH_TABLE) throw cmdletErrors.hashTableNotBound(param, MULTI_VALUED_STRINGS);
        const part = (name: string) => {
          const key = Object.keys(table).find((k) => k.toLowerCase() === name);
          return key === undefined || table[key] === null ? [] : toStringList(param, table[key], item);
        };
        const unknown = Object.keys(table).filter((k) => !k.includes('@') && !['add', 'remove'].includes(k.toLowerCase()));
        if (unknown.length > 0) {
          throw cmdletErrors.conversion(param, v, MULTI_VALUED_STRINGS, `Unsupported hash table key '${unknown[0]}'; use Add or Remove.`);
        }
        return { add: part('add'), remove: part('remove') } satisfies MultiValue;
      }
      return { replace: toStringList(param, v, item), add: [], remove: [] } satisfies MultiValue;
    }
  }
}

/** A MultiValue applied to the current list: replace, then remove, then add (no duplicates, case-insensitive); linear in the list sizes. */
export function applyMultiValue(current: readonly string[], mv: MultiValue): string[] {
  const removing = new Set(mv.remove.map((x) => x.toLowerCase()));
  const seen = new Set<string>();
  const out: string[] = [];
  const keep = (x: string) => {
    const key = x.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(x);
  };
  for (const x of mv.replace ?? current) if (!removing.has(x.toLowerCase())) keep(x);
  for (const x of mv.add) keep(x);
  return out;
}

/** Policy values on the wire: TimeSpans and sizes formatted, Unlimited<T> as strings. */
export function settingToWire(spec: SettingKind, value: unknown): unknown {
  if (value === UNLIMITED) return UNLIMITED;
  switch (spec.kind) {
    case 'timespan':
      return formatTimeSpan(value as number);
    case 'byteSize':
      return formatByteSize(value as number);
    case 'unlimitedInt':
      return String(value);
    default:
      return value;
  }
}

