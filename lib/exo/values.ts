import { ExoResponseError } from './errors';

/**
 * Exchange's value formats, read once here so nothing else has to know them.
 * A value that does not fit its format is a broken contract with Exchange, reported as
 * ExoResponseError naming the value (never silently turned into "unknown").
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DOTNET_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;

function badValue(what: string, field: string | undefined): ExoResponseError {
  return new ExoResponseError({ cmdlet: '(reading a value)', what: field ? `${field}: ${what}` : what });
}

/**
 * An Exchange date-time (`2022-06-29T17:57:03.0000000+00:00`, `...Z`, no offset = UTC,
 * or .NET's `/Date(ms)/`) as an ISO 8601 UTC string with milliseconds. null, undefined,
 * '' and DateTime.MinValue (year 0001, Exchange's "never") give null.
 */
export function parseExoDate(v: unknown, field?: string): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v !== 'string') throw badValue(`a date-time was expected, got ${typeof v}`, field);
  const text = v.trim();
  if (text === '') return null;
  const dotnet = DOTNET_DATE.exec(text);
  if (dotnet) return new Date(Number(dotnet[1])).toISOString();
  const m = ISO.exec(text);
  if (!m) throw badValue(`not a date-time: ${JSON.stringify(text.slice(0, 60))}`, field);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  if (y === '0001') return null;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(local);
  // Date.UTC rolls 2023-02-30 over to March; such a value is not a date Exchange could mean.
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw badValue(`not a valid date-time: ${JSON.stringify(text)}`, field);
  }
  return new Date(local - offsetMinutes * 60_000).toISOString();
}

const UNITS: Record<string, number> = { B: 1, BYTES: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/**
 * An Exchange size (ByteQuantifiedSize): `99 GB (106,300,440,576 bytes)` -> 106300440576,
 * `Unlimited` -> 'Unlimited', a plain number or `10 MB` (binary units, as Exchange) -> bytes.
 * null/undefined -> null. `field` names the property in the error.
 */
export function parseByteQuantity(v: unknown, field?: string): number | 'Unlimited' | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (Number.isFinite(v) && v >= 0) return v;
    throw badValue(`not a size: ${v}`, field);
  }
  if (typeof v !== 'string') throw badValue(`a size was expected, got ${typeof v}`, field);
  const text = v.trim();
  if (/^unlimited$/i.test(text)) return 'Unlimited';
  const exact = /\(([\d,.\s]+)\s*bytes\)\s*$/i.exec(text);
  if (exact) return Number(exact[1].replace(/[,.\s]/g, ''));
  const plain = /^(\d+(?:\.\d+)?)\s*([KMGT]?B|bytes)?$/i.exec(text);
  if (plain) return Math.round(Number(plain[1]) * UNITS[(plain[2] ?? 'B').toUpperCase()]);
  throw badValue(`not a size: ${JSON.stringify(text.slice(0, 60))}`, field);
}

/** Exchange's form for adding to / removing from a multivalued property. */
export interface GenericHashTable {
  '@odata.type': '#Exchange.GenericHashTable';
  add?: string[];
  remove?: string[];
}

/** A GenericHashTable with only the non-empty sides; null when there is nothing to change. */
export function genericHashTable(change: { add?: readonly string[]; remove?: readonly string[] } | undefined): GenericHashTable | null {
  const add = change?.add?.filter((s) => s !== '') ?? [];
  const remove = change?.remove?.filter((s) => s !== '') ?? [];
  if (add.length === 0 && remove.length === 0) return null;
  return {
    '@odata.type': '#Exchange.GenericHashTable',
    ...(add.length > 0 ? { add: [...add] } : {}),
    ...(remove.length > 0 ? { remove: [...remove] } : {}),
  };
}
