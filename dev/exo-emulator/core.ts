/** The emulator's state shared by the HTTP front, the cmdlet pipeline and the control interface. */
import type { Logger } from '../../lib/log';
import { CallRecorder } from './calls';
import { cmdletRegistry } from './cmdlets';
import { Budget, FaultInjector } from './faults';
import { PageTokens } from './paging';
import { Org } from './store/org';
import type { EmptyAnswerStyle } from './types';

export interface CoreOptions {
  tenantId: string;
  tenantDomains: string[];
  nextLinkTtlMs: number;
  log: Logger;
}

export class EmulatorCore {
  org: Org;
  readonly registry = cmdletRegistry();
  /** Lower-cased names of cmdlets the app may not run. */
  readonly denied = new Set<string>();
  /** Lower-cased cmdlet name -> how its empty answer is sent. */
  readonly emptyAnswers = new Map<string, EmptyAnswerStyle>();
  readonly faults = new FaultInjector();
  readonly budget = new Budget();
  readonly recorder = new CallRecorder();
  tokens: PageTokens;
  /** Requests being served now (X-ConcurrencyCount). */
  inFlight = 0;
  /** http://127.0.0.1:<port>, known once listening. */
  baseUrl = '';
  private clock: () => Date = () => new Date();

  constructor(readonly options: CoreOptions) {
    this.org = new Org({ domain: this.domain, now: this.now() });
    this.tokens = new PageTokens(options.nextLinkTtlMs, () => this.now());
  }

  get domain(): string {
    return this.options.tenantDomains[0] ?? 'contoso.onmicrosoft.com';
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
