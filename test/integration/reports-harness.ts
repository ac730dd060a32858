/**
 * What the report suites share: GET a report over the local host as JSON or CSV, an
 * RFC 4180 reader written here (not the connector's writer), and the check that a
 * report's CSV is its JSON rows flattened, under a header, cell for cell, and that its
 * JSON is what the report's schema (the OpenAPI document's) describes.
 */
import { reportSchema } from '../../lib/app/reports/schemas';
import type { StackFixture } from '../support/stack-fixture';

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export function reportClient(fx: StackFixture) {
  return async function get(route: string, o: { roles?: string[]; accept?: string } = {}): Promise<Answer> {
    const token = await fx.stack.callerToken({ roles: o.roles ?? ['Devices.Read'] });
    const res = await fetch(`${fx.host.url}/api/${route}`, { headers: { authorization: `Bearer ${token}`, ...(o.accept ? { accept: o.accept } : {}) } });
    const text = await res.text();
    const contentType = res.headers.get('content-type');
    return { status: res.status, contentType, text, body: contentType?.includes('json') && text ? JSON.parse(text) : null };
  };
}

/** RFC 4180: fields split by commas, records by CRLF, quoted fields may hold commas, CR, LF and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
      continue;
    }
    if (c === '"' && field === '') (quoted = true), i++;
    else if (c === ',') record.push(field), (field = ''), i++;
    else if (c === '\r' && text[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), (i += 2);
    else if (c === '\n' || c === '\r' || c === '"') throw new Error(`not RFC 4180 at character ${i}: a bare ${JSON.stringify(c)} outside quotes`);
    else (field += c), i++;
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF');
  return records;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON row as columns: nested objects as parent.child. */
export function flat(row: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (isPlain(v)) Object.assign(out, flat(v, `${prefix}${k}.`));
    else out[prefix + k] = v;
  }
  return out;
}

/** A JSON value as its CSV text: null empty, lists joined with `;`, text a spreadsheet would run as a formula behind a `'`. */
export function cellOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.map((x) => (x === null ? '' : String(x))).join(';') : String(v);
  return typeof v === 'number' || typeof v === 'boolean' ? s : /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** The report's CSV (by ?format=csv and by Accept: text/csv) holds a header and exactly the JSON rows, flattened, in order. */
export async function expectCsvMatchesJson(get: ReturnType<typeof reportClient>, name: string): Promise<{ header: string[]; lines: string[][]; json: Answer }> {
  const json = await get(`reports/${name}`);
  expect(json.status).toBe(200);
  // The schema the OpenAPI document shows describes every field of the answer (parsing drops none).
  expect(reportSchema.parse(json.body)).toEqual(json.body);
  const byFormat = await get(`reports/${name}?format=csv`);
  const byAccept = await get(`reports/${name}`, { accept: 'text/csv' });
  for (const csv of [byFormat, byAccept]) {
    expect({ name, status: csv.status, type: csv.contentType }).toEqual({ name, status: 200, type: 'text/csv; charset=utf-8' });
    expect(csv.text).toBe(byFormat.text);
  }
  const [header, ...lines] = parseCsv(byFormat.text);
  const rows = (json.body.rows as Record<string, unknown>[]).map((r) => flat(r));
  expect(lines).toHaveLength(rows.length);
  if (rows.length > 0) expect(header.slice(0, Object.keys(rows[0]).length)).toEqual(Object.keys(rows[0]));
  rows.forEach((r, i) => {
    for (const k of Object.keys(r)) expect(header).toContain(k);
    expect(Object.fromEntries(header.map((h, j) => [h, lines[i][j]]))).toEqual(Object.fromEntries(header.map((h) => [h, cellOf(r[h])])));
  });
  return { header, lines, json };
}
