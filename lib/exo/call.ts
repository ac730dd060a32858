/**
 * One cmdlet call as the client sends it: checked before anything is counted or sent,
 * with the body and headers every page of it repeats (anchor mailbox, page size, client
 * request id) and the bearer token it carries.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError, describeError } from '../errors';
import { ExoAuthError } from './errors';
import type { InvokeOptions } from './options';
import type { TokenProvider } from './ports';

/** The org-wide anchor the ExchangeOnlineManagement module uses for app-only calls. */
export const SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
export const DEFAULT_USER_AGENT = 'exo-mobile-connector/0.1 (Azure Functions; ExoClient)';

const READ_ONLY_VERB = /^(Get|Test|Search)-/i;
const TENANT_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Get-/Test-/Search-: sending it twice changes nothing. */
export function isReadOnly(cmdlet: string): boolean {
  return READ_ONLY_VERB.test(cmdlet);
}

export function isTenantGuid(tenant: string): boolean {
  return TENANT_GUID.test(tenant);
}

/** A numeric ResultSize (number or digits), or null for Unlimited / none / anything Exchange must judge. */
export function numericResultSize(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

export interface CallState {
  cmdlet: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
  maxWaitMs?: number;
  clientRequestId: string;
  retries: number;
  throttled: number;
  waitMs: number;
  firstRequestId: string | null;
  lastRequestId: string | null;
}

/** What the client sets for a call that does not set it itself. */
export interface CallDefaults {
  /** The tenant as it goes into the anchor (the GUID once resolved). */
  tenant: string;
  pageSize: number;
  timeoutMs: number;
  userAgent: string;
}

/** Checks a call and builds its request; throws ValidationError for a bad cmdlet name, parameters, page size or anchor. */
export function newCall(cmdlet: string, parameters: Record<string, unknown>, options: InvokeOptions, defaults: CallDefaults): CallState {
  if (!/^[A-Za-z]+-[A-Za-z0-9]+$/.test(cmdlet)) throw ValidationError.of('cmdlet', `not a cmdlet name: ${cmdlet}`);
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) throw ValidationError.of('parameters', 'must be an object');
  const pageSize = options.pageSize ?? defaults.pageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw ValidationError.of('pageSize', 'must be an integer from 1 to 1000');
  const anchor = anchorFor(options.anchorMailbox, defaults.tenant);
  const clientRequestId = randomUUID();
  return {
    cmdlet,
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-AnchorMailbox': anchor,
      Prefer: `odata.maxpagesize=${pageSize}`,
      'X-CmdletName': cmdlet,
      'X-ClientRequestId': clientRequestId,
      'User-Agent': defaults.userAgent,
    },
    body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    signal: options.signal,
    maxWaitMs: options.maxWaitMs,
    clientRequestId,
    retries: 0,
    throttled: 0,
    waitMs: 0,
    firstRequestId: null,
    lastRequestId: null,
  };
}

function anchorFor(anchor: string | undefined, tenant: string): string {
  if (anchor === undefined || anchor === '') return `APP:${SYSTEM_MAILBOX}@${tenant}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(anchor)) throw ValidationError.of('anchorMailbox', 'contains control characters');
  return /^(UPN|SMTP|APP|OID|PUID|SID):/i.test(anchor) ? anchor : `UPN:${anchor}`;
}

/** A token for the next request; a provider that cannot give one fails the call with ExoAuthError. */
export async function accessToken(tokens: TokenProvider, cmdlet: string, forceRefresh: boolean): Promise<string> {
  try {
    const info = await tokens.getToken(forceRefresh ? { forceRefresh: true } : undefined);
    return info.token;
  } catch (e) {
    throw new ExoAuthError({ cmdlet, reason: `no access token could be acquired from ${tokens.describe()}: ${describeError(e)}` }, { cause: e });
  }
}
