/** The emulator's state shared by the HTTP front, the cmdlet pipeline and the control interface. */
import type { Logger } from '../../lib/log';
import { CallRecorder } from './calls';
import { cmdletRegistry } from './cmdlets';
import { ASSIGNED_ROLES } from './cmdlets/rbac';
import { DEFAULT_VARIANTS, type Variants } from './cmdlets/types';
import { Budget, FaultInjector } from './faults';
import { PageTokens } from './paging';
import { Org } from './store/org';
import type { EmptyAnswerStyle } from './types';

export interface CoreOptions {
  tenantId: string;
  tenantDomains: string[];
  nextLinkTtlMs: number;
  /** The start option: null (default) for no limit. */
  tenantConcurrencyLimit: number | null;
  log: Logger;
}

/** How a denied cmdlet answers: 403 with NUL bytes, or 401 "User is not allowed to call <cmdlet>". */
export type DenyStyle = '403' | '401';

export class EmulatorCore {
  org: Org;
  readonly registry = cmdletRegistry();
  /** The roles assigned to the app's role group (control: setAssignedRoles). */
  assignedRoles: readonly string[] = [...ASSIGNED_ROLES];
  /** Lower-cased names of cmdlets the app may not run, and how each is refused. */
  readonly denied = new Map<string, DenyStyle>();
  /** Lower-cased cmdlet name -> how its empty answer is sent. */
  readonly emptyAnswers = new Map<string, EmptyAnswerStyle>();
  readonly faults = new FaultInjector();
  readonly budget = new Budget();
  readonly recorder = new CallRecorder();
  tokens: PageTokens;
  /** Requests being served now (X-ConcurrencyCount). */
  inFlight = 0;
  /** Cmdlet calls being run now, for the tenant concurrency limit. */
  cmdletsInFlight = 0;
  readonly tenantConcurrency: { limit: number | null; retryAfterSeconds: number | null };
  /** Where Exchange's behaviour is not settled, the variant played (control: setVariants). */
  variants: Variants = { ...DEFAULT_VARIANTS };
  /** Lower-cased cmdlet name -> functions to run once before its next call (control.onNextCall). */
  private readonly nextCallHooks = new Map<string, (() => void | Promise<void>)[]>();
  /** http://127.0.0.1:<port>, known once listening. */
  baseUrl = '';
  private clock: () => Date = () => new Date();

  constructor(readonly options: CoreOptions) {
    this.tenantConcurrency = { limit: options.tenantConcurrencyLimit, retryAfterSeconds: 1 };
    this.org = new Org({ domain: this.domain, now: this.now(), vanityDomain: this.vanityDomains[0] });
    this.tokens = new PageTokens(options.nextLinkTtlMs, () => this.now());
  }

  /** The tenant's initial domain: the first .onmicrosoft.com one given (else the first). */
  get domain(): string {
    const domains = this.options.tenantDomains;
    return domains.find((d) => d.endsWith('.onmicrosoft.com')) ?? domains[0] ?? 'contoso.onmicrosoft.com';
  }

  /** Custom domains among tenantDomains (page 2 of a listing asked by one of these fails). */
  get vanityDomains(): string[] {
    return this.options.tenantDomains.filter((d) => !d.endsWith('.onmicrosoft.com'));
  }

  onNextCall(cmdlet: string, fn: () => void | Promise<void>): void {
    const key = cmdlet.toLowerCase();
    this.nextCallHooks.set(key, [...(this.nextCallHooks.get(key) ?? []), fn]);
  }

  /** The oldest hook waiting for this cmdlet, removed; undefined when none. */
  takeNextCallHook(cmdlet: string): (() => void | Promise<void>) | undefined {
    const key = cmdlet.toLowerCase();
    const hooks = this.nextCallHooks.get(key);
    const fn = hooks?.shift();
    if (hooks && hooks.length === 0) this.nextCallHooks.delete(key);
    return fn;
  }

  get log(): Logger {
    return this.options.log;
  }

  now(): number {
    return this.clock().getTime();
  }

  setClock(clock: () => Date): void {
    this.clock = clock;
  }

  resetClock(): void {
    this.clock = () => new Date();
  }

  /** A new organisation invalidates every outstanding nextLink. */
  replaceOrg(org: Org): void {
    this.org = org;
    this.tokens = new PageTokens(this.options.nextLinkTtlMs, () => this.now());
  }
}
