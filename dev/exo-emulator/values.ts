/**
 * Exchange's value types as they travel over the admin API: dates with seven fractional
 * digits and an offset, TimeSpans as `d.hh:mm:ss` strings, Unlimited<T> as the string
 * "Unlimited", ByteQuantifiedSize as `"10 MB (10,485,760 bytes)"`.
 */

// Module-local: global lookups are slow under jest's vm sandbox, and a page formats thousands of dates.
const DateTime = Date;

export type Unlimited = 'Unlimited';
export const UNLIMITED: Unlimited = 'Unlimited';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** `2022-06-29T17:57:03.1230000+00:00`; null stays null. */
export function exoDate(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  const iso = new DateTime(ms).toISOString(); // 2022-06-29T17:57:03.123Z
  return `${iso.slice(0, 23)}0000+00:00`;
}

/** The *UTC twins of WhenChanged/WhenCreated end in Z. */
export function exoDateUtc(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return `${new DateTime(ms).toISOString().slice(0, 23)}0000Z`;
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new DateTime(ms).toISOString();
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** .NET TimeSpan.ToString(): `d.hh:mm:ss` when there are days, else `hh:mm:ss`. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const h = Math.floor((totalSeconds % 86400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const hms = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}

/** TimeSpan.Parse: `d.hh:mm:ss[.fffffff]`, `hh:mm[:ss]`, or a bare number of days. Null when unparseable. */
export function parseTimeSpan(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * DAY;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(t);
  if (!m) return null;
  const [, d, h, min, s, frac] = m;
  if (Number(h) > 23 || Number(min) > 59 || Number(s ?? 0) > 59) return null;
  const fraction = frac ? Number(`0.${frac}`) * 1000 : 0;
  return Number(d ?? 0) * DAY + Number(h) * HOUR + Number(min) * MINUTE + Number(s ?? 0) * SECOND + Math.round(fraction);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * ByteQuantifiedSize.ToString(): the largest unit the size reaches, the value with four
 * significant digits (.NET "G4"), then the exact bytes: `"{0:G4} {1} ({2:N0} bytes)"`
 * (Exchange 2016's ByteQuantifiedSize.ToLargestAppropriateUnitFormatString). So 2,147,482,624
 * bytes show as "2 GB (2,147,482,624 bytes)" and 1.5 MB as "1.5 MB (1,572,864 bytes)".
 */
export function formatByteSize(bytes: number): string {
  let unit = 0;
  while (unit < UNITS.length - 1 && bytes >= 1024 ** (unit + 1)) unit++;
  const value = bytes / 1024 ** unit;
  const shown = String(Number(value.toPrecision(4)));
  return `${shown} ${UNITS[unit]} (${bytes.toLocaleString('en-US')} bytes)`;
}

/** A byte count, `"10MB"`, `"10 KB"`, or Exchange's own `"10 MB (10,485,760 bytes)"`. Null when unparseable. */
export function parseByteSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?\s*(?:\(([\d,]+) bytes\))?\s*$/i.exec(value);
  if (!m) return null;
  if (m[3]) return Number(m[3].replace(/,/g, ''));
  const unit = UNITS.indexOf((m[2] ?? 'B').toUpperCase() as (typeof UNITS)[number]);
  return Math.round(Number(m[1]) * 1024 ** unit);
}
