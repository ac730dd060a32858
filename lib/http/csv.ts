/**
 * CSV answers (RFC 4180): a header row, then one line per record, CRLF line ends, a field
 * quoted only when it holds a comma, a quote, CR or LF (quotes doubled), everything else
 * as it is (leading and trailing spaces kept). `csvStream` yields the header and each row
 * as its own chunk while the rows are read, so an export never sits whole in memory.
 *
 * Written here rather than taken from csv-stringify (in the registry, well kept): the
 * escaping is a dozen lines, while each value rule below (arrays joined with `;`, dates as
 * ISO text, objects as JSON, formula guard) would be a `cast` override of that library
 * anyway, and its API is a Node Transform where the route helper takes an async iterable.
 *
 * Choices:
 * - No byte order mark by default: a BOM becomes part of the first column name for most
 *   CSV readers (`\uFEFFname`) and for scripts; the answer says `charset=utf-8` instead.
 *   Excel ignores that header and reads a BOM-less file as the local code page ("ZoÃ«"),
 *   so a caller for Excel asks for `{ bom: true }`.
 * - Formula guard on by default: device names, models and user agents are chosen by
 *   device owners, and a cell starting with `=`, `+`, `-`, `@` (or a tab or CR, which
 *   Excel skips before such a character) is run as a formula when the file is opened
 *   (OWASP "CSV injection"). Such a text value gets a leading `'`, which spreadsheets
 *   hide and scripts can strip. Numbers are never touched (`-3` stays `-3`), so only text
 *   is altered; `{ formulaGuard: false }` turns it off for machine readers.
 */

export interface CsvColumn<T> {
  name: string;
  value(row: T): unknown;
}

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark (for Excel). Default false. */
  bom?: boolean;
  /** Prefix text that a spreadsheet would run as a formula with `'`. Default true. */
  formulaGuard?: boolean;
}

const CRLF = '\r\n';
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One value as CSV text: null/undefined empty, booleans true/false, arrays joined with `;`, dates ISO, objects JSON. */
function text(value: unknown, formulaGuard: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return formulaGuard && FORMULA_START.test(value) ? `'${value}` : value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (Array.isArray(value)) return text(value.map((v) => text(v, false)).join(';'), formulaGuard);
  return text(JSON.stringify(value), formulaGuard);
}

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: unknown, o: CsvOptions = {}): string {
  const t = text(value, o.formulaGuard ?? true);
  return NEEDS_QUOTES.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** One record line, CRLF included. */
export function csvRow(values: readonly unknown[], o: CsvOptions = {}): string {
  return values.map((v) => csvField(v, o)).join(',') + CRLF;
}

/** The header line: column names are quoted as needed but never formula-guarded (they are ours). */
export function csvHeader(columns: readonly (string | { name: string })[]): string {
  return csvRow(columns.map((c) => (typeof c === 'string' ? c : c.name)), { formulaGuard: false });
}

/**
 * The header, then one line per row as the rows arrive, each line one chunk. The header
 * waits for the first row (and goes out with it): a source that fails at its first read
 * (storage down) fails before any byte, so the route can still answer problem+json.
 */
export async function* csvStream<T>(columns: readonly CsvColumn<T>[], rows: AsyncIterable<T> | Iterable<T>, o: CsvOptions = {}): AsyncIterable<string> {
  let header: string | undefined = (o.bom ? '\uFEFF' : '') + csvHeader(columns);
  for await (const row of rows) {
    const line = csvRow(columns.map((c) => c.value(row)), o);
    yield header === undefined ? line : header + line;
    header = undefined;
  }
  if (header !== undefined) yield header;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * A record as CSV columns in its JSON field order: nested plain objects become
 * `parent.child` columns in place, fields JSON would omit (undefined, functions) are
 * left out, arrays and dates stay values (csvField writes them).
 */
export function flatten(record: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    const name = prefix + key;
    if (isPlainObject(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') Object.assign(out, flatten(value, `${name}.`));
    else out[name] = value;
  }
  return out;
}

/** The column names of a record, in its JSON field order (`flatten`'s keys). */
export function flatColumnNames(record: Record<string, unknown>): string[] {
  return Object.keys(flatten(record));
}

/**
 * Records as CSV under the given flattened column names (a record missing a column gets
 * an empty field; one with a column not named has it left out, so every line has the
 * header's columns). Each record is flattened once, as it arrives.
 */
export async function* csvOfRecords(names: readonly string[], records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>, o: CsvOptions = {}): AsyncIterable<string> {
  async function* flat() {
    for await (const r of records) yield flatten(r);
  }
  yield* csvStream(names.map((name) => ({ name, value: (row: Record<string, unknown>) => row[name] })), flat(), o);
}

/** `?format=csv`, or an Accept that asks for text/csv and not JSON. */
export const wantsCsv = (format: string | undefined, accept: string | undefined): boolean =>
  format === 'csv' || (format === undefined && !!accept && /\btext\/csv\b/i.test(accept) && !/application\/json/i.test(accept));

/** A streamed CSV answer of `records` under `columns`, offered as `<file>.csv`. */
export function csvAnswer(columns: readonly string[], records: AsyncIterable<Record<string, unknown>>, file: string) {
  return { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${file}.csv"` }, stream: csvOfRecords(columns, records) };
}
