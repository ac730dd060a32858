/** The console logger's two formats: JSON lines for Azure and pipes, text lines for a person at a terminal. */
import { autoLogFormat, consoleLogger, parseLogFormat, textLine, type ConsoleLoggerOptions, type LogStream } from '../../lib/log';

const ESC = '\x1b';

function stream(isTTY: boolean): LogStream & { lines: string[] } {
  const lines: string[] = [];
  return { isTTY, lines, write: (t: string) => lines.push(...t.split('\n').filter((l) => l !== '')) };
}

function loggerOn(o: { tty?: boolean; errTty?: boolean; env?: Record<string, string>; format?: ConsoleLoggerOptions['format']; level?: 'debug' | 'info' } = {}) {
  const out = stream(o.tty ?? false);
  const err = stream(o.errTty ?? o.tty ?? false);
  const log = consoleLogger(o.level ?? 'info', { component: 'connector' }, { format: o.format, out, err, env: o.env ?? {} });
  return { log, out, err };
}

/** 01:23:45.678 local time, the clock a text line shows. */
const at = new Date(2025, 0, 2, 1, 23, 45, 678);

describe('text lines', () => {
  test('When an entry is written as text, then it reads local time, level, message, then each field as key=value', () => {
    const line = textLine('info', at, 'Connector configuration loaded', { component: 'connector', tenant: 'contoso.onmicrosoft.com', mode: 'organization', pages: 3 });
    expect(line).toBe('01:23:45.678 INFO  Connector configuration loaded  component=connector tenant=contoso.onmicrosoft.com mode=organization pages=3');
  });

  test('When an entry has no fields, then the line ends with the message', () => {
    expect(textLine('error', at, 'Sync failed', {})).toBe('01:23:45.678 ERROR Sync failed');
    expect(textLine('debug', at, 'Page', {})).toBe('01:23:45.678 DEBUG Page');
  });

  test('When a string field holds a space, quote, equals sign or backslash, or is empty, then it is JSON-quoted; other strings stay bare', () => {
    const line = textLine('warn', at, 'm', {
      plain: 'Get-MobileDevice',
      spaced: 'Full sync stops',
      quoted: 'say "hi"',
      equals: 'a=b',
      backslash: 'Mailbox\\ExchangeActiveSyncDevices\\iPhone§ABC',
      empty: '',
      unicode: 'Zoë§Müller',
    });
    expect(line).toBe(
      '01:23:45.678 WARN  m  plain=Get-MobileDevice spaced="Full sync stops" quoted="say \\"hi\\"" equals="a=b" ' +
        'backslash="Mailbox\\\\ExchangeActiveSyncDevices\\\\iPhone§ABC" empty="" unicode=Zoë§Müller',
    );
  });

  test('When fields hold numbers, booleans, null, nested objects, lists and dates, then each shows as its JSON and undefined fields are left out, as in the JSON line', () => {
    const line = textLine('info', at, 'm', {
      count: 12,
      ratio: 0.5,
      ok: true,
      none: null,
      missing: undefined,
      nested: { cmdlet: 'Get-Recipient', pages: [1, 2] },
      list: ['a b', 'c'],
      when: new Date('2025-01-02T03:04:05.000Z'),
    });
    expect(line).toBe('01:23:45.678 INFO  m  count=12 ratio=0.5 ok=true none=null nested={"cmdlet":"Get-Recipient","pages":[1,2]} list=["a b","c"] when=2025-01-02T03:04:05.000Z');
  });

  test('When a message, key or value holds control characters or a line break, then they are escaped and the entry stays one line without terminal escapes', () => {
    const line = textLine('info', at, `Device ${ESC}[31mred\nnext`, { [`k${ESC}`]: `v${ESC}[2J`, name: 'a\u2028b', c1: 'x\u009by', nested: { note: 'a\u2029b' } });
    expect(line).not.toContain(ESC);
    expect(line).not.toMatch(/[\n\u2028\u2029\u009b]/);
    expect(line).toBe('01:23:45.678 INFO  Device \\u001b[31mred\\nnext  k\\u001b="v\\u001b[2J" name="a\\u2028b" c1="x\\u009by" nested={"note":"a\\u2029b"}');
  });

  test('When fields look like secrets, then the text line shows exactly what the JSON line shows: the logger neither masks nor changes anything itself', () => {
    const fields = { clientSecret: '(set)', token: 'abc.def', password: 'p w', certificate: { thumbprint: 'AB12' } };
    const json = loggerOn({ format: 'json' });
    const text = loggerOn({ format: 'text' });
    json.log.info('Connector configuration', fields);
    text.log.info('Connector configuration', fields);
    const entry = JSON.parse(json.out.lines[0]) as Record<string, unknown>;
    expect(entry).toMatchObject(fields);
    expect(text.out.lines[0]).toContain('  component=connector clientSecret=(set) token=abc.def password="p w" certificate={"thumbprint":"AB12"}');
  });
});

describe('colour', () => {
  test('When text goes to a terminal and NO_COLOR is unset, then the level is tinted, an error message is red and keys are dim', () => {
    const { log, err } = loggerOn({ tty: true, format: 'text' });
    log.error('Sync failed', { code: 'ExoThrottledError' });
    expect(err.lines[0]).toContain(`${ESC}[1m${ESC}[31mERROR${ESC}[0m`);
    expect(err.lines[0]).toContain(`${ESC}[1m${ESC}[31mSync failed${ESC}[0m`);
    expect(err.lines[0]).toContain(`${ESC}[2mcode=${ESC}[0mExoThrottledError`);
  });

  test('When NO_COLOR is set, or the text does not go to a terminal, then the line carries no colour', () => {
    const noColour = loggerOn({ tty: true, format: 'text', env: { NO_COLOR: '1' } });
    noColour.log.warn('Full sync stops at its time budget', { runId: 'full-1' });
    const piped = loggerOn({ tty: false, format: 'text' });
    piped.log.warn('Full sync stops at its time budget', { runId: 'full-1' });
    for (const line of [noColour.err.lines[0], piped.err.lines[0]]) {
      expect(line).not.toContain(ESC);
      expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  Full sync stops at its time budget  component=connector runId=full-1$/);
    }
  });
});

describe('choosing the format', () => {
  test('When the stream is a terminal outside Azure Functions, then auto is text; a pipe or file is JSON', () => {
    expect(autoLogFormat({ isTTY: true, write: () => true }, {})).toBe('text');
    expect(autoLogFormat({ isTTY: false, write: () => true }, {})).toBe('json');
    expect(autoLogFormat({ write: () => true }, {})).toBe('json');
  });

  test('When the process runs in Azure Functions or App Service, then auto is JSON even on a terminal', () => {
    expect(autoLogFormat({ isTTY: true, write: () => true }, { FUNCTIONS_WORKER_RUNTIME: 'node' })).toBe('json');
    expect(autoLogFormat({ isTTY: true, write: () => true }, { WEBSITE_INSTANCE_ID: 'abc123' })).toBe('json');
  });

  test('When no format is given, then each stream decides for itself: JSON on a piped stdout, text on a terminal stderr', () => {
    const { log, out, err } = loggerOn({ tty: false, errTty: true, env: { NO_COLOR: '1' } });
    log.info('Full sync full-1 succeeded', { devices: 3 });
    log.warn('Throttled', { retryAfterSeconds: 2 });
    expect(JSON.parse(out.lines[0])).toMatchObject({ level: 'info', message: 'Full sync full-1 succeeded', component: 'connector', devices: 3 });
    expect(err.lines[0]).toMatch(/ WARN  Throttled  component=connector retryAfterSeconds=2$/);
  });

  test('When a format is given, then it wins over the terminal test: JSON on a terminal, text on a pipe', () => {
    const json = loggerOn({ tty: true, format: 'json' });
    json.log.info('m');
    expect(JSON.parse(json.out.lines[0])).toMatchObject({ level: 'info', message: 'm' });
    const text = loggerOn({ tty: false, format: 'text' });
    text.log.info('m');
    expect(text.out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  m  component=connector$/);
  });

  test('When LOG_FORMAT is json or text in any case, then it is taken; unset, empty or auto is auto; anything else is refused', () => {
    expect(parseLogFormat('json')).toBe('json');
    expect(parseLogFormat(' TEXT ')).toBe('text');
    expect(parseLogFormat(undefined)).toBe('auto');
    expect(parseLogFormat('')).toBe('auto');
    expect(parseLogFormat('auto')).toBe('auto');
    expect(parseLogFormat('xml')).toBeUndefined();
  });
});

describe('JSON lines', () => {
  test('When an entry is written as JSON, then it is one object: time, level, message, the base fields, then the entry fields', () => {
    const { log, out, err } = loggerOn({ format: 'json', level: 'debug' });
    log.debug('Page', { cmdlet: 'Get-MobileDevice', missing: undefined });
    log.error('Sync failed', { code: 'ExoThrottledError' });
    expect(out.lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(out.lines[0]))).toEqual(['time', 'level', 'message', 'component', 'cmdlet']);
    expect(JSON.parse(out.lines[0])).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'debug', message: 'Page', component: 'connector', cmdlet: 'Get-MobileDevice' });
    expect(JSON.parse(err.lines[0])).toMatchObject({ level: 'error', message: 'Sync failed', component: 'connector', code: 'ExoThrottledError' });
  });

  test('When an entry is below the level, then neither format writes it; debug and info go to stdout, warn and error to stderr', () => {
    for (const format of ['json', 'text'] as const) {
      const { log, out, err } = loggerOn({ format });
      log.debug('hidden');
      log.info('shown');
      log.warn('warned');
      log.error('failed');
      expect(out.lines).toHaveLength(1);
      expect(out.lines[0]).toContain('shown');
      expect(err.lines).toHaveLength(2);
      expect(err.lines.join('\n')).not.toContain('hidden');
    }
  });
});
