import { csvField, csvHeader, csvOfRecords, csvRow, csvStream, flatColumnNames, flatten } from '../../lib/http/csv';

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/** A small RFC 4180 reader, to check that what is written reads back as the values. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
    } else if (c === '"') (quoted = true), i++;
    else if (c === ',') row.push(field), (field = ''), i++;
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else (field += c), i++;
  }
  return rows;
}

describe('CSV writer', () => {
  test('When a value holds a comma, a quote, CR or LF, then it is quoted with its quotes doubled, and reads back unchanged', () => {
    const values = ['a,b', 'say "hi"', 'line1\nline2', 'cr\rhere', 'crlf\r\nhere', 'plain'];
    const line = csvRow(values);
    expect(line).toBe('"a,b","say ""hi""","line1\nline2","cr\rhere","crlf\r\nhere",plain\r\n');
    expect(parseCsv(line)).toEqual([values]);
  });

  test('When a value has leading or trailing spaces or non-ASCII letters, then it is written as it is, unquoted unless it needs quotes', () => {
    expect(csvRow(['  padded ', 'Zoë Ångström, Jr.', '日本語'])).toBe('  padded ,"Zoë Ångström, Jr.",日本語\r\n');
    expect(Buffer.from(csvField('Zoë'), 'utf8')).toEqual(Buffer.from([0x5a, 0x6f, 0xc3, 0xab]));
  });

  test('When values are empty, null, undefined, booleans, numbers, arrays, dates or objects, then each has its one written form', () => {
    const when = new Date('2024-05-01T10:20:30.000Z');
    expect(csvRow(['', null, undefined, true, false, 0, 12.5, ['a', 'b'], [], when, { os: 'iOS 17' }])).toBe(
      ',,,true,false,0,12.5,a;b,,2024-05-01T10:20:30.000Z,"{""os"":""iOS 17""}"\r\n',
    );
  });

  test('When a text value starts like a formula, then it gets a leading quote mark; numbers and the header never do; the guard can be turned off', () => {
    expect(csvRow(['=HYPERLINK("http://x")', '+1', '-cmd', '@SUM(A1)', '\t=1', 'a=b', -3])).toBe(`"'=HYPERLINK(""http://x"")",'+1,'-cmd,'@SUM(A1),'\t=1,a=b,-3\r\n`);
    expect(csvRow(['=1', '-x'], { formulaGuard: false })).toBe('=1,-x\r\n');
    expect(csvHeader(['-name', 'b'])).toBe('-name,b\r\n');
    expect(csvRow([['=1', 'x']])).toBe("'=1;x\r\n");
  });

  test('When a stream of rows is written, then the header goes out with the first row and each further row is its own CRLF-ended chunk, in column order', async () => {
    type Device = { name: string; model: string | null; blocked: boolean };
    async function* rows(): AsyncIterable<Device> {
      yield { name: 'jdoe_iPhone', model: 'iPhone 15', blocked: false };
      yield { name: 'Zoë Ångström, Jr._Android', model: null, blocked: true };
    }
    const chunks = await collect(
      csvStream<Device>(
        [
          { name: 'model', value: (r) => r.model },
          { name: 'name', value: (r) => r.name },
          { name: 'blocked', value: (r) => r.blocked },
        ],
        rows(),
      ),
    );
    expect(chunks).toEqual(['model,name,blocked\r\niPhone 15,jdoe_iPhone,false\r\n', ',"Zoë Ångström, Jr._Android",true\r\n']);
  });

  test('When the rows fail at their first read, then not even the header is yielded', async () => {
    async function* failing(): AsyncIterable<unknown> {
      throw new Error('storage down');
    }
    const seen: string[] = [];
    await expect((async () => {
      for await (const c of csvStream([{ name: 'a', value: () => 1 }], failing())) seen.push(c);
    })()).rejects.toThrow('storage down');
    expect(seen).toEqual([]);
  });

  test('When no rows come, then only the header is written; with the BOM option it starts with one', async () => {
    expect((await collect(csvStream([{ name: 'a', value: () => 1 }], []))).join('')).toBe('a\r\n');
    const withBom = (await collect(csvStream([{ name: 'a', value: () => 1 }], [{}], { bom: true }))).join('');
    expect(withBom).toBe('\uFEFFa\r\n1\r\n');
    expect(Buffer.from(withBom, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  test('When a record is flattened, then its columns are its JSON fields in the same order, nested objects as dotted columns in place', () => {
    const record = { guid: 'g1', user: { upn: 'zoe@contoso.com', name: 'Zoë Ångström, Jr.' }, skipped: undefined, tags: ['a', 'b'], lastSync: '2024-01-01', blocked: false, extra: null };
    const jsonFields = Object.keys(JSON.parse(JSON.stringify(record)));
    expect(flatColumnNames(record)).toEqual(['guid', 'user.upn', 'user.name', 'tags', 'lastSync', 'blocked', 'extra']);
    expect(flatColumnNames(record).map((c) => c.split('.')[0]).filter((c, i, all) => all.indexOf(c) === i)).toEqual(jsonFields);
    expect(flatten(record)).toEqual({ guid: 'g1', 'user.upn': 'zoe@contoso.com', 'user.name': 'Zoë Ångström, Jr.', tags: ['a', 'b'], lastSync: '2024-01-01', blocked: false, extra: null });
  });

  test('When records are written under flattened columns, then every line has the header columns, missing fields empty, unnamed ones left out', async () => {
    const records = [
      { guid: 'g1', user: { upn: 'a@x' }, state: 'ok' },
      { guid: 'g2', state: 'stale', unexpected: 'x' },
    ];
    const text = (await collect(csvOfRecords(flatColumnNames(records[0]), records))).join('');
    expect(parseCsv(text)).toEqual([
      ['guid', 'user.upn', 'state'],
      ['g1', 'a@x', 'ok'],
      ['g2', '', 'stale'],
    ]);
  });
});
