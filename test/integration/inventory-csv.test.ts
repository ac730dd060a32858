/**
 * The inventory as CSV: `?format=csv` and `Accept: text/csv` stream every matching device,
 * RFC 4180, the JSON answer's fields as columns in their order, and the same rows as the
 * JSON pages, values with commas, quotes, newlines and non-ASCII text included.
 */
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 150, mailboxes: 60, seed: 81 } }, host: {} });

beforeAll(async () => {
  const c = fx.stack.emulator.control;
  c.addMailbox({ alias: 'zoe', displayName: 'Zoë Ångström, "Jr."\nSales', upn: 'zoe@contoso.onmicrosoft.com' });
  c.addDevice({ mailbox: 'zoe@contoso.onmicrosoft.com', deviceType: 'iPhone', deviceModel: 'iPhone, 15 "Pro"', deviceOs: 'iOS 17.5 21F79' });
  await fx.runtime.sync.run({ kind: 'full' });
}, 120_000);

async function get(path: string, headers: Record<string, string> = {}) {
  const token = await fx.stack.callerToken({ roles: ['Devices.Read'] });
  return fetch(`${fx.host.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
}

/** RFC 4180: fields split on commas outside quotes, "" inside quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

async function jsonPages(query: string) {
  const out: Record<string, unknown>[] = [];
  let next: string | undefined = `/api/devices?${query}&$top=40`;
  while (next) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body = (await (await get(next)).json()) as any;
    out.push(...body.devices);
    next = body.nextLink;
  }
  return out;
}
const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v) : String(v));

test('When the inventory is asked as CSV, then the header is the JSON fields in order and every row equals its JSON device, quoting and all', async () => {
  const res = await get('/api/devices?format=csv&deviceType=iPhone');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  const rows = parseCsv(await res.text());
  const json = await jsonPages('deviceType=iPhone');
  const header = rows[0];
  expect(header).toEqual(Object.keys(json[0]));
  expect(rows.length - 1).toBe(json.length);
  for (let i = 0; i < json.length; i++) expect(rows[i + 1]).toEqual(header.map((h) => cell(json[i][h])));
  const zoe = rows.find((r) => r[header.indexOf('userUpn')] === 'zoe@contoso.onmicrosoft.com')!;
  expect(zoe[header.indexOf('userDisplayName')]).toBe('Zoë Ångström, "Jr."\nSales');
  expect(zoe[header.indexOf('deviceModel')]).toBe('iPhone, 15 "Pro"');
});

test('When Accept asks for text/csv, then the same export streams; a collection exports its devices the same way', async () => {
  const byAccept = await (await get('/api/devices?clientType=EAS', { accept: 'text/csv' })).text();
  const byFormat = await (await get('/api/devices?clientType=EAS&format=csv')).text();
  expect(byAccept).toBe(byFormat);
  expect(parseCsv(byAccept).length - 1).toBe((await jsonPages('clientType=EAS')).length);
  const all = parseCsv(await (await get('/api/collections/all-mobile-devices/devices?format=csv')).text());
  expect(all.length - 1).toBe((await jsonPages('')).length);
});

test('When the CSV parameters are bad, then 400 before anything is streamed', async () => {
  const res = await get('/api/devices?format=xml');
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/problem\+json/);
});
