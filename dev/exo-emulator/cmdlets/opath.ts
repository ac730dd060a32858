/**
 * Enough OPATH for the filters the connector sends: comparisons (-eq -ne -like -notlike
 * -gt -ge -lt -le) joined with -and / -or / -not and parentheses, values in single or
 * double quotes, and $null. Each cmdlet filters only on its own filterable properties
 * (Get-MobileDevice has a fixed set, and no WhenChanged: Exchange has no server-side
 * "changed since" filter for devices; HasActiveSyncDevicePartnership only on Get-CASMailbox
 * and Get-Recipient); any other property fails with ParsingNonFilterablePropertyException
 * ("<Property>" is not a recognized filterable property), broken syntax with "Invalid
 * filter syntax ... at position N".
 *
 * Over REST no PowerShell variable is expanded: the official module rewrites $true/$false
 * to 'True'/'False' before sending, so the server very likely refuses variables
 * (reference). The emulator refuses every $variable except $null.
 */
import { cmdletErrors } from '../exchange-errors';

export type FilterValue = string | number | boolean | null | readonly string[];

export interface FilterProperty<T> {
  get(item: T): FilterValue;
  /** Numbers of this property are epoch milliseconds: compare literals as dates. */
  date?: boolean;
  /** Maps a literal to the form get() returns (e.g. a group's name to its DN). */
  resolve?(literal: string): string;
}

export type FilterProperties<T> = Record<string, FilterProperty<T>>;

type Token =
  | { t: '('; pos: number }
  | { t: ')'; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'null'; pos: number };

type Node =
  | { n: 'and'; a: Node; b: Node }
  | { n: 'or'; a: Node; b: Node }
  | { n: 'not'; a: Node }
  | { n: 'cmp'; prop: string; op: string; value: string | null; pos: number };

const COMPARISONS = new Set(['eq', 'ne', 'like', 'notlike', 'gt', 'ge', 'lt', 'le', 'ceq', 'cne', 'ieq', 'ine', 'ilike', 'clike']);

function tokenize(text: string, fail: (pos: number) => never, original: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c, pos: i + 1 });
      i++;
    } else if (c === '-' && /[a-z]/i.test(text[i + 1] ?? '')) {
      const m = /^-([a-z]+)/i.exec(text.slice(i))!;
      out.push({ t: 'op', v: m[1].toLowerCase(), pos: i + 1 });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= text.length) fail(i + 1);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            v += c;
            j += 2;
            continue;
          }
          break;
        }
        v += text[j++];
      }
      out.push({ t: 'str', v, pos: i + 1 });
      i = j + 1;
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_:]*)?/.exec(text.slice(i))!;
      if (m[1]?.toLowerCase() !== 'null') throw cmdletErrors.filterVariables(original);
      out.push({ t: 'null', pos: i + 1 });
      i += m[0].length;
    } else {
      const m = /^[^\s()'"]+/.exec(text.slice(i))!;
      out.push({ t: 'word', v: m[0], pos: i + 1 });
      i += m[0].length;
    }
  }
  return out;
}

function parse(tokens: Token[], fail: (pos: number) => never, end: number): Node {
  let k = 0;
  const peek = () => tokens[k];
  const expr = (): Node => {
    let a = conj();
    while (peek()?.t === 'op' && (peek() as { v: string }).v === 'or') {
      k++;
      a = { n: 'or', a, b: conj() };
    }
    return a;
  };
  const conj = (): Node => {
    let a = unary();
    while (peek()?.t === 'op' && (peek() as { v: string }).v === 'and') {
      k++;
      a = { n: 'and', a, b: unary() };
    }
    return a;
  };
  const unary = (): Node => {
    const tok = peek();
    if (!tok) fail(end);
    if (tok.t === 'op' && tok.v === 'not') {
      k++;
      return { n: 'not', a: unary() };
    }
    if (tok.t === '(') {
      k++;
      const inner = expr();
      if (peek()?.t !== ')') fail(peek()?.pos ?? end);
      k++;
      return inner;
    }
    if (tok.t !== 'word') fail(tok.pos);
    k++;
    const op = peek();
    if (!op || op.t !== 'op' || !COMPARISONS.has(op.v)) fail(op?.pos ?? end);
    k++;
    const val = peek();
    if (!val || val.t === '(' || val.t === ')' || val.t === 'op') fail(val?.pos ?? end);
    k++;
    const value = val.t === 'null' ? null : val.v;
    return { n: 'cmp', prop: tok.v, op: op.v.replace(/^[ci](eq|ne|like)$/, '$1'), value, pos: tok.pos };
  };
  const node = expr();
  if (k < tokens.length) fail(tokens[k].pos);
  return node;
}

function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

function scalarEquals(v: string | number | boolean, lit: string, date: boolean): boolean {
  if (typeof v === 'boolean') return String(v).toLowerCase() === lit.toLowerCase();
  if (typeof v === 'number') {
    const n = typeof lit === 'string' ? (date ? Date.parse(lit) : Number(lit)) : NaN;
    return v === n;
  }
  return v.toLowerCase() === String(lit).toLowerCase();
}

function compareOrder(v: string | number | boolean, lit: string, date: boolean): number {
  if (typeof v === 'number') {
    const n = typeof lit === 'string' ? (date ? Date.parse(lit) : Number(lit)) : NaN;
    return Number.isNaN(n) ? NaN : v - n;
  }
  return String(v).toLowerCase().localeCompare(String(lit).toLowerCase());
}

export function compileFilter<T>(text: string, props: FilterProperties<T>): (item: T) => boolean {
  const trimmed = text.trim().replace(/^\{([\s\S]*)\}$/, '$1');
  const fail = (pos: number): never => {
    throw cmdletErrors.badFilter(text, pos);
  };
  const tokens = tokenize(trimmed, fail, text);
  if (tokens.length === 0) fail(1);
  const byLower = new Map(Object.entries(props).map(([k, v]) => [k.toLowerCase(), v]));

  const build = (node: Node): ((item: T) => boolean) => {
    if (node.n === 'and' || node.n === 'or') {
      const a = build(node.a);
      const b = build(node.b);
      return node.n === 'and' ? (x) => a(x) && b(x) : (x) => a(x) || b(x);
    }
    if (node.n === 'not') {
      const a = build(node.a);
      return (x) => !a(x);
    }
    const prop = byLower.get(node.prop.toLowerCase());
    if (!prop) throw cmdletErrors.nonFilterableProperty(node.prop);
    const literal = typeof node.value === 'string' && prop.resolve ? prop.resolve(node.value) : node.value;
    const date = prop.date ?? false;
    const op = node.op;
    const matchOne = (v: string | number | boolean): boolean => {
      if (literal === null) return false;
      switch (op) {
        case 'eq':
        case 'ne':
          return scalarEquals(v, literal, date);
        case 'like':
        case 'notlike':
          return wildcard(String(literal)).test(String(v));
        default: {
          const c = compareOrder(v, literal, date);
          if (Number.isNaN(c)) return false;
          return op === 'gt' ? c > 0 : op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
        }
      }
    };
    const positive = (x: T): boolean => {
      const v = prop.get(x);
      if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return literal === null && (op === 'eq' || op === 'ne');
      if (literal === null) return false;
      return Array.isArray(v) ? v.some(matchOne) : matchOne(v as string | number | boolean);
    };
    return op === 'ne' || op === 'notlike' ? (x) => !positive(x) : positive;
  };
  return build(parse(tokens, fail, trimmed.length + 1));
}
