/**
 * Reads settings through their declarations (./spec.ts), collecting every issue instead
 * of stopping at the first. Each reader checks the value against the declared type,
 * range, choices or format, and falls back to the declared default.
 *
 * Secret settings: a reason never shows their value. The readers below show at most a
 * URL's scheme and host; as a last guard, `fail` blanks the raw value out of any reason
 * given for a secret setting.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { ConfigError, type FieldIssue } from '../errors';
import { redactProxyUrl } from '../net/proxy';
import type { SettingOf, SettingSpec, SettingType } from './spec';

export type Env = Record<string, string | undefined>;

export class SettingsReader {
  readonly issues: FieldIssue[] = [];
  private readonly specs = new Map<string, SettingSpec>();

  constructor(
    private readonly env: Env,
    table: readonly SettingSpec[],
  ) {
    for (const s of table) for (const name of [s.name, ...(s.readFirst ?? [])]) this.specs.set(name, s);
  }

  /** The trimmed value of any variable; undefined when unset or blank. An unresolved Key Vault reference is an issue. */
  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    if (!v) return undefined;
    if (v.startsWith('@Microsoft.KeyVault(')) {
      this.fail(name, 'is an unresolved Key Vault reference: give the Function App identity "get" on the secret and check the reference');
      return undefined;
    }
    return v;
  }

  fail(field: string, reason: string): void {
    const value = this.env[field]?.trim();
    // Shorter values cannot be told apart from the words of the reason.
    const shown = this.specs.get(field)?.secret && value && value.length >= 4 ? reason.split(value).join('***') : reason;
    this.issues.push({ field, reason: shown });
  }

  hasIssue(field: string): boolean {
    return this.issues.some((i) => i.field === field);
  }

  /** "is missing: <the declared reason>", unless the setting already has an issue (an unresolved reference). */
  missing(name: string): void {
    const s = this.spec(name);
    if (!this.hasIssue(name)) this.fail(name, `is missing: ${s.missing ?? (s.type === 'choice' ? `one of ${s.choices.join(', ')}` : 'required')}`);
  }

  /** Text, checked against the declared format; undefined when unset and without default. */
  text(name: string, o: { required?: boolean } = {}): string | undefined {
    const s = this.spec(name, 'text');
    const v = this.raw(name);
    if (v === undefined) {
      if (o.required) this.missing(name);
      return s.default;
    }
    if (s.format && !s.format.pattern.test(v)) this.fail(name, s.secret ? s.format.invalid : `${s.format.invalid}, got "${v}"`);
    return v;
  }

  choice(name: string, o: { required?: boolean } = {}): string | undefined {
    const s = this.spec(name, 'choice');
    const v = this.raw(name);
    if (v === undefined) {
      if (o.required) this.missing(name);
      return s.default;
    }
    if (!s.choices.includes(v)) {
      this.fail(name, `must be one of ${s.choices.join(', ')}, got "${v}"`);
      return undefined;
    }
    return v;
  }

  int(name: string): number {
    const s = this.spec(name, 'int');
    const v = this.raw(name);
    if (v === undefined) return s.default;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) {
      this.fail(name, `must be a whole number from ${s.min} to ${s.max}, got "${v}"`);
      return s.default;
    }
    if (n < s.min || n > s.max) {
      this.fail(name, `must be from ${s.min} to ${s.max}, got ${n}`);
      return s.default;
    }
    return n;
  }

  /** An absolute http(s) URL without trailing slashes; `fallback` stands for a derived default. */
  url(name: string, fallback?: string): string {
    const s = this.spec(name, 'url');
    const def = fallback ?? s.default ?? '';
    const v = this.raw(name) ?? def;
    if (!z.url({ protocol: /^https?$/ }).safeParse(v).success) {
      this.fail(name, `must be an absolute http(s) URL, got "${s.secret ? secretUrlForDisplay(v) : urlForDisplay(v)}"`);
      return def;
    }
    return v.replace(/\/+$/, '');
  }

  /** A proxy URL, from the first of the declared variables that is set; null when none is. */
  proxyUrl(name: string): string | null {
    const s = this.spec(name, 'proxyUrl');
    const used = [...(s.readFirst ?? []), name].find((n) => this.env[n]?.trim());
    const v = used === undefined ? undefined : this.raw(used);
    if (used === undefined || v === undefined) return null;
    let parsed: URL | null = null;
    try {
      parsed = new URL(v);
    } catch {
      parsed = null;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname || (parsed.pathname !== '/' && parsed.pathname !== '')) {
      this.fail(used, `must be a proxy URL such as http://proxy.contoso.com:8080 (http or https, no path), got "${redactProxyUrl(v)}"`);
      return null;
    }
    return v;
  }

  /** The entries of a list, from the first of the declared variables that is set. */
  list(name: string, o: { required?: boolean } = {}): string[] {
    const s = this.spec(name, 'list');
    const used = [...(s.readFirst ?? []), name].find((n) => this.env[n]?.trim()) ?? name;
    const entries = (this.raw(used) ?? '').split(s.separator).map((e) => e.trim()).filter(Boolean);
    if (entries.length === 0 && o.required) this.missing(name);
    return entries;
  }

  schedule(name: string): string {
    const s = this.spec(name, 'schedule');
    const v = this.raw(name) ?? s.default;
    if (v.split(/\s+/).length !== 6) {
      this.fail(name, `must be an NCRONTAB expression with 6 fields (second minute hour day month weekday), got "${v}"`);
      return s.default;
    }
    try {
      const it = CronExpressionParser.parse(v, { tz: 'UTC', currentDate: new Date(Date.UTC(2024, 0, 1)) });
      if (s.minMinutes !== undefined) {
        // Smallest gap over a day of firings: catches "*/1 * * * *" and "0,1,2 ..." alike.
        let prev = it.next().getTime();
        let smallest = Infinity;
        for (let i = 0; i < 300; i++) {
          const next = it.next().getTime();
          smallest = Math.min(smallest, next - prev);
          prev = next;
        }
        if (smallest < s.minMinutes * 60_000) {
          this.fail(name, `must not run more often than every ${s.minMinutes} minutes, "${v}" runs every ${Math.round(smallest / 1000)} s`);
          return s.default;
        }
      }
    } catch (e) {
      this.fail(name, `is not a valid NCRONTAB expression ("${v}"): ${(e as Error).message}`);
      return s.default;
    }
    return v;
  }

  /** Throws one ConfigError naming every issue, if there is any. */
  throwIfAny(): void {
    if (this.issues.length > 0) throw new ConfigError(this.issues);
  }

  private spec(name: string): SettingSpec;
  private spec<T extends SettingType>(name: string, type: T): SettingOf<T>;
  private spec(name: string, type?: SettingType): SettingSpec {
    const s = this.specs.get(name);
    // A programming error, caught by any test that loads the configuration.
    if (!s || s.name !== name || (type && s.type !== type)) throw new Error(`${name} is not declared as a ${type ?? ''} setting`);
    return s;
  }
}

/** A setting's URL as it may be shown: no credentials, no query (a SAS), no fragment. */
function urlForDisplay(v: string): string {
  const cut = v.split(/[?#]/)[0];
  const at = cut.indexOf('@');
  return (at >= 0 ? `${cut.slice(0, cut.indexOf('//') + 2)}***@${cut.slice(at + 1)}` : cut).slice(0, 100);
}

/** A secret setting's URL: its scheme and host at most (a value that is no URL may be the secret itself). */
function secretUrlForDisplay(v: string): string {
  try {
    const u = new URL(v);
    return `${u.protocol}//${u.username || u.password ? '***@' : ''}${u.host}`;
  } catch {
    return '(not a URL)';
  }
}
