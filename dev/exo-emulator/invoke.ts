/**
 * One cmdlet call, from request to answer: the tenant concurrency limit, faults, budget,
 * the cmdlet's existence and the app's right to run it, nextLink redemption, parameter
 * binding, the cmdlet itself, then paging and the answer's envelope and headers. Every
 * call is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from './auth';
import type { CmdletDef, CmdletOutput } from './cmdlets';
import { rolesOf } from './cmdlets/rbac';
import { bindParameters } from './cmdlets/params';
import type { EmulatorCore } from './core';
import { EmulatedCmdletError } from './exchange-errors';
import { type AfterExecute, type BudgetState, faultReply } from './faults';
import { canonicalJson, type Cursor, MAX_PAGE_SIZE, PAGING_EXPIRED_TEXT, readPage, requestedPageSize, TRUNCATED_WARNING } from './paging';
import type { CallLogEntry } from './types';
import { exchangeErrorReply, forbiddenReply, jsonReply, notAllowedReply, type Reply, successBody, type WireObject } from './wire';

export interface InvokeRequest {
  /** The URL's tenant segment (GUID or verified domain), echoed in links. */
  tenant: string;
  skiptoken: string | null;
  body: unknown;
  header(name: string): string | undefined;
  requestId: string;
}

interface PagePosition {
  cursor: Cursor;
  listingId: string | null;
  page: number;
  firstAnchor: string | null;
  routable: boolean;
}

interface CmdletInput {
  name: string;
  parameters: unknown;
  raw: unknown;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Header values must stay printable ASCII. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').replace(/"/g, "'");

export function parseCmdletInput(body: unknown): CmdletInput | null {
  const input = (body as { CmdletInput?: unknown } | null)?.CmdletInput as { CmdletName?: unknown; Parameters?: unknown } | undefined;
  if (!input || typeof input !== 'object' || typeof input.CmdletName !== 'string' || input.CmdletName.trim() === '') return null;
  return { name: input.CmdletName.trim(), parameters: input.Parameters, raw: input };
}

export function commonHeaders(core: EmulatorCore, reply: Reply, requestId: string, budget: BudgetState): Reply {
  Object.assign(reply.headers, {
    'request-id': requestId,
    'Rate-Limit-Limit': String(budget.limit),
    'Rate-Limit-Remaining': String(budget.remaining),
    'Rate-Limit-Reset': new Date(budget.resetAt).toISOString(),
    'X-ConcurrencyCount': String(core.inFlight),
    'X-CombinedAppOnlyConcurrencyCount': String(core.inFlight),
  });
  return reply;
}

/** Runs a cmdlet without HTTP concerns (also used by control.invoke). */
export function runCmdlet(core: EmulatorCore, def: CmdletDef, parameters: unknown, caller: Caller, o: { interactive?: boolean } = {}): CmdletOutput {
  const args = bindParameters(def.params, def.mandatory ?? [], withoutEmptyIdentity(def, parameters));
  return def.run(args, {
    org: core.org,
    now: core.now(),
    caller,
    denied: core.denied,
    registry: core.registry,
    assignedRoles: core.assignedRoles,
    interactive: o.interactive ?? false,
    variants: core.variants,
  });
}

/**
 * An empty or null Identity on a Get- cmdlet is no Identity at all: Exchange returns every
 * object (reference), so a client that sends one by mistake reads the whole listing.
 * Where Identity is mandatory the call then fails as a missing parameter.
 */
function withoutEmptyIdentity(def: CmdletDef, parameters: unknown): unknown {
  if (!/^get-/i.test(def.name) || !parameters || typeof parameters !== 'object' || Array.isArray(parameters)) return parameters;
  const entries = Object.entries(parameters as Record<string, unknown>);
  const empty = (k: string, v: unknown) => k.toLowerCase() === 'identity' && (v === null || (typeof v === 'string' && v.trim() === ''));
  if (!entries.some(([k, v]) => empty(k, v))) return parameters;
  return Object.fromEntries(entries.filter(([k, v]) => !empty(k, v)));
}

/** Page 1 named the tenant by its GUID or .onmicrosoft.com domain, in the URL and in a UPN-style anchor. */
function routable(core: EmulatorCore, urlTenant: string, anchor: string | null): boolean {
  const stable = (name: string) => name.toLowerCase() === core.options.tenantId || /\.onmicrosoft\.com$/i.test(name);
  const anchorDomain = anchor && anchor.includes('@') ? anchor.slice(anchor.lastIndexOf('@') + 1) : null;
  return stable(urlTenant) && (anchorDomain === null || stable(anchorDomain));
}

/** An expired, replayed or foreign link: type System.Exception and no `details` (reference). */
const pagingExpired = () => exchangeErrorReply(400, 'System.Exception', PAGING_EXPIRED_TEXT, { details: false, message: PAGING_EXPIRED_TEXT });

interface Call {
  core: EmulatorCore;
  caller: Caller;
  req: InvokeRequest;
  input: CmdletInput | null;
  def: CmdletDef | undefined;
  anchorMailbox: string | null;
  maxPageSize: number | null;
  /** For the call counters. */
  flags: { listingPage: boolean; anchorMismatch: boolean };
  finish(reply: Reply, budget: BudgetState): Reply;
}

export async function invokeCmdlet(core: EmulatorCore, caller: Caller, req: InvokeRequest): Promise<Reply> {
  const started = Date.now();
  const anchorMailbox = req.header('x-anchormailbox') ?? null;
  const maxPageSize = requestedPageSize(req.header('prefer'));
  const input = parseCmdletInput(req.body);
  const def = input ? core.registry.get(input.name.toLowerCase()) : undefined;
  const cmdlet = def?.name ?? input?.name ?? null;
  const flags = { listingPage: false, anchorMismatch: false };

  const finish = (reply: Reply, budget: BudgetState): Reply => {
    const status = reply.drop ? 0 : reply.status;
    const outcome: CallLogEntry['outcome'] = reply.meta?.outcome ?? (reply.drop ? 'dropped' : status >= 400 ? 'error' : 'ok');
    core.recorder.record(
      {
        at: new Date(started).toISOString(),
        requestId: req.requestId,
        clientRequestId: req.header('x-clientrequestid') ?? req.header('client-request-id') ?? null,
        cmdlet,
        anchorMailbox,
        status,
        outcome,
        maxPageSize,
        listingId: reply.meta?.listingId ?? null,
        page: reply.meta?.page ?? null,
        exceptionType: reply.meta?.exceptionType ?? null,
        durationMs: Date.now() - started,
        ...(reply.meta?.afterExecute ? { afterExecute: true } : {}),
      },
      flags,
    );
    core.log.debug('exo-emulator call', { cmdlet, status, outcome, requestId: req.requestId });
    return commonHeaders(core, reply, req.requestId, budget);
  };

  // The per-tenant concurrency limit counts every cmdlet call in flight, injected latency included.
  core.cmdletsInFlight++;
  try {
    const limit = core.tenantConcurrency.limit;
    if (limit !== null && core.cmdletsInFlight > limit) {
      const throttle = { kind: 'throttle', latencyMs: 0, status: 429, retryAfterSeconds: core.tenantConcurrency.retryAfterSeconds, concurrencyText: true } as const;
      return finish(faultReply(throttle), core.budget.consume());
    }
    return await admitted({ core, caller, req, input, def, anchorMailbox, maxPageSize, flags, finish });
  } finally {
    core.cmdletsInFlight--;
  }
}

async function admitted(call: Call): Promise<Reply> {
  const { core, req, input, def, finish } = call;
  const decision = core.faults.decide(def?.name ?? input?.name ?? null);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (decision.kind === 'drop') return finish({ status: 0, headers: {}, body: null, drop: true, meta: { outcome: 'dropped' } }, core.budget.consume());
  if (decision.kind !== 'none') return finish(faultReply(decision), core.budget.consume());

  const budget = core.budget.consume();
  if (budget.exhausted) {
    const seconds = Math.max(1, Math.ceil((budget.resetAt - Date.now()) / 1000));
    return finish(faultReply({ kind: 'throttle', status: 429, retryAfterSeconds: seconds, concurrencyText: false }), budget);
  }
  if (!input) {
    return finish(exchangeErrorReply(400, 'System.ArgumentException', 'The request body must be {"CmdletInput":{"CmdletName":"<cmdlet>","Parameters":{...}}}.'), budget);
  }
  if (!def) {
    // Exchange answers an unknown cmdlet like a forbidden one.
    return finish(
      forbiddenReply(`2000014;reason="The term '${headerSafe(input.name)}' is not recognized as the name of a cmdlet the application may run.";error_category="invalid_cmdlet"`),
      budget,
    );
  }
  // A cmdlet none of whose roles is assigned to the app is as good as denied (403).
  const denial = core.denied.get(def.name.toLowerCase()) ?? (rolesOf(def).some((r) => core.assignedRoles.includes(r)) ? undefined : '403');
  if (denial === '401') return finish(notAllowedReply(def.name), budget);
  if (denial === '403') {
    return finish(
      forbiddenReply(`2000014;reason="The application is not allowed to run cmdlet '${def.name}': no management role assigned to it holds this cmdlet.";error_category="insufficient_role"`),
      budget,
    );
  }

  const bodyKey = canonicalJson(input.raw);
  let position: PagePosition = { cursor: { afterSeq: 0, emitted: 0 }, listingId: null, page: 1, firstAnchor: call.anchorMailbox, routable: routable(core, req.tenant, call.anchorMailbox) };
  if (req.skiptoken !== null) {
    const state = core.tokens.redeem(req.skiptoken);
    if (state) call.flags.anchorMismatch = (state.anchorMailbox ?? '').toLowerCase() !== (call.anchorMailbox ?? '').toLowerCase();
    // Every page must go with the same body, the same X-AnchorMailbox and the same tenant
    // in the URL as page 1 (the skiptoken names page 1's backend); any other is refused
    // like an expired link, and the link is spent.
    if (!state || !state.routable || call.flags.anchorMismatch || state.cmdlet !== def.name || state.bodyKey !== bodyKey || state.tenant.toLowerCase() !== req.tenant.toLowerCase()) {
      return finish(pagingExpired(), budget);
    }
    position = { cursor: state.cursor, listingId: state.listingId, page: state.page, firstAnchor: state.anchorMailbox, routable: state.routable };
  }

  const hook = core.takeNextCallHook(def.name);
  if (hook) await hook();
  const reply = execute(call, def, input, position, bodyKey);
  const after = decision.kind === 'none' ? decision.after : undefined;
  return finish(after ? afterExecuteReply(after) : reply, budget);
}

/** The cmdlet ran (its change is applied); the answer is lost (socket destroyed) or replaced by a failure. */
function afterExecuteReply(after: AfterExecute): Reply {
  const reply: Reply = after.kind === 'drop' ? { status: 0, headers: {}, body: null, drop: true, meta: { outcome: 'dropped' } } : faultReply(after);
  reply.meta = { ...reply.meta, afterExecute: true };
  return reply;
}

/** Runs the cmdlet and shapes its answer: the envelope, or one page of a listing with its nextLink. */
function execute(call: Call, def: CmdletDef, input: CmdletInput, position: PagePosition, bodyKey: string): Reply {
  const { core, req } = call;
  let output: CmdletOutput;
  try {
    output = runCmdlet(core, def, input.parameters, call.caller);
  } catch (e) {
    if (e instanceof EmulatedCmdletError) return exchangeErrorReply(400, e.exceptionType, e.message, e.shape);
    core.log.error('exo-emulator cmdlet crashed', { cmdlet: def.name, error: String(e) });
    return exchangeErrorReply(500, 'System.Exception', `The emulator failed to run ${def.name}: ${String(e)}`);
  }

  const context = `${core.baseUrl}/adminapi/beta/${req.tenant}/$metadata#Collection(Exchange.GenericHashTable)`;
  if (output.kind === 'none') {
    const style = core.emptyAnswers.get(def.name.toLowerCase()) ?? 'value';
    if (style === 'noContent') return { status: 204, headers: {}, body: null };
    if (style === 'emptyBody') return { status: 200, headers: {}, body: Buffer.alloc(0) };
    return jsonReply(200, successBody(context, [], output.warnings ?? []));
  }
  if (output.kind === 'objects') return jsonReply(200, successBody(context, output.objects, output.warnings ?? []));

  call.flags.listingPage = true;
  const pageSize = Math.min(call.maxPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const result = readPage(output.listing, position.cursor, pageSize, output.resultSize);
  const listingId = position.listingId ?? randomUUID();
  let nextLink: string | undefined;
  if (result.next) {
    const token = core.tokens.issue({
      tenant: req.tenant,
      cmdlet: def.name,
      bodyKey,
      cursor: result.next,
      listingId,
      page: position.page + 1,
      anchorMailbox: position.firstAnchor,
      routable: position.routable,
    });
    nextLink = `${core.baseUrl}/adminapi/beta/${req.tenant}/InvokeCommand?$skiptoken=${encodeURIComponent(token)}`;
  }
  const warnings = [...(output.warnings ?? []), ...(result.truncated ? [TRUNCATED_WARNING] : [])];
  const headers: Record<string, string> = call.maxPageSize === null ? {} : { 'Preference-Applied': `odata.maxpagesize=${pageSize}` };
  const reply = jsonReply(200, successBody(context, result.objects as WireObject[], warnings, nextLink), headers);
  reply.meta = { listingId, page: position.page };
  return reply;
}
