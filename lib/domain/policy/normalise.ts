/**
 * What Get-MobileDeviceMailboxPolicy returns, in the canonical form of desired values, so
 * equal settings compare equal and drift is not reported on every run.
 *
 * Display forms accepted, and why:
 * - Unlimited<T>.ToString() is `Unlimited`, else the inner value's ToString(): so
 *   Unlimited<int> counts come as strings (`"8"`), as the emulator also sends them
 *   (dev/exo-emulator/cmdlets/params.ts settingToWire), and plain Int32 counts as numbers.
 * - ByteQuantifiedSize.ToString() is `{G4} {unit} ({N0} bytes)`, invariant culture:
 *   `10 MB (10,485,760 bytes)`, `2 GB (2,147,482,624 bytes)`, `0 B (0 bytes)` (decompiled
 *   Microsoft.Exchange.Data.ByteQuantifiedSize, public); the bracketed bytes are exact.
 * - EnhancedTimeSpan.ToString() is TimeSpan.ToString(): `00:15:00`, `1.00:00:00`,
 *   `90.00:00:00`, maybe with `.fffffff` (decompiled Microsoft.Exchange.Data.EnhancedTimeSpan).
 * - Booleans as JSON booleans, or `True`/`False` where a PowerShell object was turned into text.
 * - Enums by name, or by their .NET number when a serialiser sends enums as numbers
 *   (BluetoothType Disable=0, HandsfreeOnly=1, Allow=2; CalendarAgeFilterType starts
 *   TwoWeeks at 4, as in the decompiled enums).
 * - MinPasswordLength (int?) null when unset, or blank (`""`) as a formatted view shows it.
 * - MultiValuedProperty<string> as an array, empty or null when unset.
 * Microsoft365DSC's EXOMobileDeviceMailboxPolicy integration configurations write the
 * default policy in the same forms (`MaxAttachmentSize = "Unlimited"`,
 * `MinPasswordComplexCharacters = 1`, `UnapprovedInROMApplicationList = @()`). No public
 * capture of a non-default size or time span was found; those forms rest on the
 * decompiled ToString() methods above.
 */
import { ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF, type PolicyParameterDef, settingByParameter } from './catalogue';
import { formatTimeSpan, isUnlimitedText, parseIntegerText, parseShownSize, parseShownTimeSpan, type PolicyValue, showValue, UNLIMITED } from './values';

/** A found value the connector cannot read; compared, it never equals a desired value. */
export interface UnreadableValue {
  unreadable: string;
}

export type FoundValue = PolicyValue | UnreadableValue;

export const isUnreadable = (v: unknown): v is UnreadableValue => typeof v === 'object' && v !== null && !Array.isArray(v) && 'unreadable' in v;

const unreadable = (what: string, value: unknown): UnreadableValue => ({ unreadable: `${what}, got ${showValue(value)}` });

function readInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  return typeof value === 'string' ? parseIntegerText(value) : null;
}

/** A found value of one parameter's kind, canonical. */
export function normaliseFoundValue(def: PolicyParameterDef, value: unknown): FoundValue {
  const kind = def.kind;
  if (value === undefined) {
    // An int? left null may be left out of an answer altogether.
    if (kind.type === 'int' && kind.nullable) return null;
    return { unreadable: `${def.parameter} is missing from the policy as read` };
  }
  switch (kind.type) {
    case 'bool': {
      if (typeof value === 'boolean') return value;
      const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if (text === 'true' || text === '$true') return true;
      if (text === 'false' || text === '$false') return false;
      return unreadable('not a boolean', value);
    }
    case 'int': {
      if (kind.nullable && (value === null || (typeof value === 'string' && value.trim() === ''))) return null;
      return readInteger(value) ?? unreadable('not a whole number', value);
    }
    case 'intOrUnlimited': {
      if (isUnlimitedText(typeof value === 'string' ? value.trim() : value)) return UNLIMITED;
      return readInteger(value) ?? unreadable(`not a whole number or ${UNLIMITED}`, value);
    }
    case 'timeSpanOrUnlimited': {
      if (typeof value !== 'string') return unreadable('not a time span', value);
      if (isUnlimitedText(value.trim())) return UNLIMITED;
      const seconds = parseShownTimeSpan(value);
      return seconds === null ? unreadable('not a time span in whole seconds', value) : formatTimeSpan(seconds);
    }
    case 'bytesOrUnlimited': {
      if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : unreadable('not a size', value);
      if (typeof value !== 'string') return unreadable('not a size', value);
      if (isUnlimitedText(value.trim())) return UNLIMITED;
      return parseShownSize(value) ?? unreadable('not a size', value);
    }
    case 'enum': {
      const names = Object.keys(kind.values);
      const name =
        typeof value === 'string'
          ? names.find((n) => n.toLowerCase() === value.trim().toLowerCase())
          : typeof value === 'number'
            ? names.find((n) => kind.values[n] === value)
            : undefined;
      return name ?? unreadable(`not one of ${names.join(', ')}`, value);
    }
    case 'stringList': {
      if (value === null) return [];
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) return unreadable('not a list of strings', value);
      return [...value];
    }
  }
}

/** A found value by its Exchange parameter name; a parameter the connector does not manage is unreadable. */
export function normaliseFound(parameter: string, value: unknown): FoundValue {
  const def = parameter.toLowerCase() === ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF.parameter.toLowerCase() ? ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF : settingByParameter(parameter);
  if (!def) return { unreadable: `${parameter} is not a setting the connector manages` };
  return normaliseFoundValue(def, value);
}
