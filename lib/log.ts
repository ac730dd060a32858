/**
 * Structured logging port. Use cases and adapters log through this interface; the
 * Functions triggers adapt it onto InvocationContext, the local tools onto stdout.
 * Never pass secrets or tokens in fields.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type EntryLevel = Exclude<LogLevel, 'silent'>;
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** JSON lines for machines (Azure, files, pipes); text lines for a person at a terminal. */
export type LogFormat = 'json' | 'text';

/** Where a console logger writes: the part of a process stream it needs. */
export interface LogStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ConsoleLoggerOptions {
  /** 'auto' (default): text on a terminal outside Azure Functions, JSON otherwise (see autoLogFormat). */
  format?: LogFormat | 'auto';
  /** debug/info go to `out`, warn/error to `err`; process.stdout and process.stderr by default. */
  out?: LogStream;
  err?: LogStream;
  /** The environment the 'auto' and colour decisions look at; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Text iff the stream is a terminal and the process is not a Functions worker. The
 * worker's output goes to the host, which keeps JSON lines whole; App Service sets
 * WEBSITE_INSTANCE_ID, the Functions host FUNCTIONS_WORKER_RUNTIME (also under `func start`).
 */
export function autoLogFormat(stream: LogStream, env: Readonly<Record<string, string | undefined>>): LogFormat {
  if (env.FUNCTIONS_WORKER_RUNTIME || env.WEBSITE_INSTANCE_ID) return 'json';
  return stream.isTTY ? 'text' : 'json';
}

/** LOG_FORMAT as the local tools take it: unset or empty is 'auto'; undefined for any other value. */
export function parseLogFormat(value: string | undefined): LogFormat | 'auto' | undefined {
  const v = value?.trim().toLowerCase();
  if (!v || v === 'auto') return 'auto';
  return v === 'json' || v === 'text' ? v : undefined;
}

/** One line per entry: JSON or text (see textLine), each stream deciding for itself under 'auto'. */
export function consoleLogger(level: LogLevel = 'info', base: LogFields = {}, options: ConsoleLoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const writerFor = (stream: LogStream) => {
    const format = !options.format || options.format === 'auto' ? autoLogFormat(stream, env) : options.format;
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    const colour = format === 'text' && stream.isTTY === true && !env.NO_COLOR;
    return (lvl: EntryLevel, time: Date, message: string, fields?: LogFields) => {
      const line =
        format === 'json'
          ? JSON.stringify({ time: time.toISOString(), level: lvl, message, ...base, ...fields })
          : textLine(lvl, time, message, { ...base, ...fields }, colour);
      stream.write(line + '\n');
    };
  };
  const out = writerFor(options.out ?? process.stdout);
  const err = writerFor(options.err ?? process.stderr);
  const emit = (lvl: EntryLevel, message: string, fields?: LogFields) => {
    if (order[lvl] < order[level]) return;
    (lvl === 'error' || lvl === 'warn' ? err : out)(lvl, new Date(), message, fields);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

const ansi = { dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', reset: '\x1b[0m' };
const levelStyle: Record<EntryLevel, string> = { debug: ansi.dim, info: ansi.cyan, warn: ansi.yellow, error: ansi.bold + ansi.red };

// Control characters (C0, DEL, C1) and line/paragraph separators: a device name or an
// Exchange message must neither move the cursor nor split an entry over two lines.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// As JSON writes them (\n, \t, \u001b); JSON.stringify leaves DEL, C1 and U+2028/9 raw, so those get \uXXXX.
const escapeOne = (c: string) => (c < ' ' ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const escapeUnsafe = (s: string) => s.replace(UNSAFE, escapeOne);
const BARE = /^[^\s"=\\\u0000-\u001f\u007f-\u009f]+$/;

/**
 * A field's value as text: exactly what the JSON line holds (so undefined is left out,
 * as JSON.stringify leaves it out, and a Date is its ISO string); strings bare unless
 * they hold a space, quote, `=` or backslash, then JSON-quoted; anything else its JSON.
 */
function textValue(value: unknown): string | undefined {
  const json = JSON.stringify(value);
  if (json === undefined) return undefined;
  if (!json.startsWith('"')) return escapeUnsafe(json);
  const s = JSON.parse(json) as string;
  return BARE.test(s) ? s : escapeUnsafe(json);
}

/**
 * `01:23:45.678 INFO  Connector configuration loaded  tenant=contoso.onmicrosoft.com`:
 * local time (the reader's clock; JSON keeps UTC), level, message, then the fields as
 * key=value. With colour the level is tinted, an error's message is too, and keys are dim.
 */
export function textLine(lvl: EntryLevel, time: Date, message: string, fields: LogFields, colour = false): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const label = lvl.toUpperCase().padEnd(5);
  const text = escapeUnsafe(message);
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    const shown = textValue(v);
    if (shown === undefined) continue;
    const key = escapeUnsafe(k);
    pairs.push(colour ? `${ansi.dim}${key}=${ansi.reset}${shown}` : `${key}=${shown}`);
  }
  const tail = pairs.length ? `  ${pairs.join(' ')}` : '';
  if (!colour) return `${clock} ${label} ${text}${tail}`;
  const style = levelStyle[lvl];
  const shownText = lvl === 'error' || lvl === 'warn' ? `${style}${text}${ansi.reset}` : text;
  return `${ansi.dim}${clock}${ansi.reset} ${style}${label}${ansi.reset} ${shownText}${tail}`;
}

/** Discards everything; for tests that do not look at logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
