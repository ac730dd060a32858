/**
 * The value forms of mobile device mailbox policy settings, shared by validation (what an
 * API caller sends) and normalisation (what Get-MobileDeviceMailboxPolicy shows), so a
 * desired value and a found one meet in one canonical form:
 * - booleans and integers as JSON booleans and numbers;
 * - Unlimited<T> as the string `Unlimited`;
 * - time spans as .NET's TimeSpan.ToString() text, `hh:mm:ss`, or `d.hh:mm:ss` once there
 *   is at least one day (`00:15:00`, `1.00:00:00`, `730.00:00:00`): the form Exchange
 *   shows (EnhancedTimeSpan.ToString() is TimeSpan.ToString()), whole seconds only, as
 *   Exchange's UnlimitedEnhancedTimeSpanUnitConstraint(OneSecond) allows no fractions;
 * - sizes as a whole number of bytes;
 * - string lists as arrays, compared without regard to order.
 */

export type PolicyValue = boolean | number | string | null | string[];

export const UNLIMITED = 'Unlimited';

/** Exchange's Unlimited<T> parses `Unlimited` with OrdinalIgnoreCase; so do we. */
export const isUnlimitedText = (v: unknown): v is string => typeof v === 'string' && v.toLowerCase() === 'unlimited';

export const SECONDS_PER_DAY = 86_400;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Whole seconds as TimeSpan.ToString(): `hh:mm:ss`, with `d.` in front when there are days. */
export function formatTimeSpan(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / SECONDS_PER_DAY);
  const rest = totalSeconds % SECONDS_PER_DAY;
  const hms = `${pad2(Math.floor(rest / 3600))}:${pad2(Math.floor((rest % 3600) / 60))}:${pad2(rest % 60)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}

const TIME_SPAN = /^(?:(\d{1,8})\.)?(\d{2}):(\d{2}):(\d{2})$/;
/** TimeSpan's "c" format as Exchange prints it: optional sign, days and up to seven fraction digits. */
const TIME_SPAN_SHOWN = /^(-)?(?:(\d{1,8})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

function seconds(d: string | undefined, h: string, m: string, s: string): number | null {
  if (Number(h) > 23 || Number(m) > 59 || Number(s) > 59) return null;
  return Number(d ?? 0) * SECONDS_PER_DAY + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/**
 * A caller's time span: exactly `hh:mm:ss` or `d.hh:mm:ss`. Shorter forms are refused on
 * purpose: .NET reads `15:00` as fifteen hours, not the fifteen minutes a caller
 * usually means, and a bare number as days.
 */
export function parseTimeSpan(text: string): number | null {
  const m = TIME_SPAN.exec(text);
  return m ? seconds(m[1], m[2], m[3], m[4]) : null;
}

/** A time span as Exchange shows it; a non-zero fraction or a negative span is not one Exchange stores. */
export function parseShownTimeSpan(text: string): number | null {
  const m = TIME_SPAN_SHOWN.exec(text.trim());
  if (!m || m[1] === '-' || (m[6] !== undefined && /[1-9]/.test(m[6]))) return null;
  return seconds(m[2], m[3], m[4], m[5]);
}

export type ByteUnit = 'B' | 'KB' | 'MB' | 'GB' | 'TB';
const UNIT_BYTES: Record<ByteUnit, bigint> = { B: 1n, KB: 1024n, MB: 1024n ** 2n, GB: 1024n ** 3n, TB: 1024n ** 4n };

/**
 * `<number><unit>` in binary units, as ByteQuantifiedSize.Parse reads it: the bytes are
 * the product truncated to a whole byte ((ulong)(unit * value)), so `2047.999024MB` is
 * 2147482624 bytes. Computed in exact decimals; returns null when the text is not one.
 */
export function parseQuantifiedSize(text: string, units: readonly ByteUnit[]): number | null {
  const m = /^(\d{1,15})(?:\.(\d{1,12}))?\s?([a-z]{1,5})$/i.exec(text.trim());
  if (!m) return null;
  const unit = m[3].toUpperCase() as ByteUnit;
  if (!units.includes(unit)) return null;
  const fraction = m[2] ?? '';
  const scaled = BigInt(m[1] + fraction) * UNIT_BYTES[unit];
  const bytes = scaled / 10n ** BigInt(fraction.length);
  return bytes <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bytes) : null;
}

/**
 * A size as Exchange shows it. ByteQuantifiedSize.ToString() is
 * `{value:G4} {unit} ({bytes:N0} bytes)` in the invariant culture (`10 MB (10,485,760 bytes)`,
 * `2 GB (2,147,482,624 bytes)`, `0 B (0 bytes)`): the exact bytes in brackets win. Without
 * them (the "a" format, `10 MB`) the shown value is read in its unit, which G4 may have
 * rounded. Thousands separators other than the comma are accepted in case a culture slips in.
 */
export function parseShownSize(text: string): number | null {
  const t = text.trim();
  const exact = /\(\s*(\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})*|\d+)\s*bytes\s*\)$/i.exec(t);
  if (exact) return Number(exact[1].replace(/\D/g, ''));
  if (/^\d+$/.test(t)) return Number(t);
  return parseQuantifiedSize(t, ['B', 'KB', 'MB', 'GB', 'TB']);
}

/** Whole numbers only, as Exchange's Int32 parsing (`int.Parse`) reads them. */
export function parseIntegerText(text: string): number | null {
  const t = text.trim();
  if (!/^-?\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** Equal policy values; string lists compare as sets (Exchange keeps multivalued properties unordered). */
export function samePolicyValue(a: PolicyValue, b: PolicyValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const sortedB = [...b].sort();
    return [...a].sort().every((x, i) => x === sortedB[i]);
  }
  return a === b;
}

/** A copy callers may change without touching the original (lists are the only mutable values). */
export const copyValue = (v: PolicyValue): PolicyValue => (Array.isArray(v) ? [...v] : v);

/** A value as it is quoted in an error: JSON, shortened. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof v === 'number' || typeof v === 'boolean' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    text = String(v);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
