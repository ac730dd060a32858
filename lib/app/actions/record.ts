/**
 * What every device action does alike: a new record, a state change with its history
 * line, the audit entry, and one state-changing Exchange call whose three outcomes
 * (done, refused, unknown) are recorded and never retried here.
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../../errors';
import type { ActionKind, ActionState, WipeMode } from '../../domain/device-action';
import { ExchangeOutcomeUnknownError, ExchangeRefusedError, type ActionDeps, type CallReceipt, type DeviceAction, type ExchangeCall, type InventoryDevice } from './ports';

export const CONNECTOR = 'connector';

const iso = (deps: Pick<ActionDeps, 'clock'>) => new Date(deps.clock.now()).toISOString();

/** Sorts by time: `20261202T020501123Z-<8 hex>`. */
export function newActionId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}

export function newAction(
  deps: Pick<ActionDeps, 'tenantId' | 'clock'>,
  o: { kind: ActionKind; mode?: WipeMode | null; device: InventoryDevice; requestedBy: string; reason?: string | null; notify?: string[]; removeAfterAcknowledged?: boolean; state: ActionState; note: string; bulkId?: string | null },
): DeviceAction {
  const at = iso(deps);
  return {
    tenantId: deps.tenantId,
    actionId: newActionId(deps.clock.now()),
    deviceGuid: o.device.deviceGuid,
    kind: o.kind,
    mode: o.mode ?? null,
    state: o.state,
    requestedBy: o.requestedBy,
    requestedAt: at,
    reason: o.reason ?? null,
    notify: o.notify ?? [],
    removeAfterAcknowledged: o.removeAfterAcknowledged ?? false,
    device: { mailbox: o.device.mailbox, deviceId: o.device.deviceId, name: o.device.name, userUpn: o.device.userUpn, mailboxIdentity: o.device.userUpn ?? o.device.mailbox },
    submittedAt: null,
    approval: null,
    bulkId: o.bulkId ?? null,
    exchange: [],
    history: [{ at, state: o.state, by: o.requestedBy, note: o.note }],
    updatedAt: at,
  };
}

/** The action in `state`, with its history line (no write). */
export function moved<A extends DeviceAction>(deps: Pick<ActionDeps, 'clock'>, a: A, state: ActionState, by: string, note: string): A {
  const at = iso(deps);
  return { ...a, state, updatedAt: at, history: [...a.history, { at, state, by, note }] };
}

export async function audit(deps: Pick<ActionDeps, 'tenantId' | 'audit' | 'clock' | 'log'>, actor: string, action: string, target: string, outcome: string, details: Record<string, unknown>): Promise<void> {
  await deps.audit.append({ tenantId: deps.tenantId, at: iso(deps), actor, action, target, outcome, details });
}

export type CallOutcome = { outcome: 'done'; call: ExchangeCall } | { outcome: 'refused'; call: ExchangeCall; error: ExchangeRefusedError } | { outcome: 'outcomeUnknown'; call: ExchangeCall };

/**
 * Runs one state-changing Exchange call for an action and audits it. Anything but a
 * clear refusal after the call may have been sent is an unknown outcome: the caller
 * records it and never sends the call again (the follow-up settles it from Exchange).
 */
export async function exchangeCall(deps: ActionDeps, a: Pick<DeviceAction, 'actionId' | 'deviceGuid'>, cmdlet: string, run: () => Promise<CallReceipt>): Promise<CallOutcome> {
  const result = await tryCall(deps, a.actionId, cmdlet, run);
  await audit(deps, CONNECTOR, `exchange.${cmdlet}`, a.deviceGuid, result.outcome, { actionId: a.actionId, requestId: result.call.requestId, detail: result.call.detail ?? null });
  return result;
}

/** The call and its classified outcome, not audited (a bulk audits its calls in batches). */
export async function tryCall(deps: Pick<ActionDeps, 'clock' | 'log'>, actionId: string, cmdlet: string, run: () => Promise<CallReceipt>): Promise<CallOutcome> {
  const at = iso(deps);
  try {
    const r = await run();
    return { outcome: 'done', call: { cmdlet, at, requestId: r.requestId, outcome: 'done' } };
  } catch (e) {
    if (e instanceof ExchangeRefusedError) return { outcome: 'refused', error: e, call: { cmdlet, at, requestId: e.requestId, outcome: 'refused', detail: e.message, exchangeCode: e.exchangeCode } };
    if (e instanceof ExchangeOutcomeUnknownError) return { outcome: 'outcomeUnknown', call: { cmdlet, at, requestId: null, outcome: 'outcomeUnknown', detail: e.message } };
    // A failure this layer cannot classify (storage, a bug): the call may have gone out.
    deps.log.error(`${cmdlet} for action ${actionId} ended in an unclassified error; its outcome is unknown`, { error: describeError(e) });
    return { outcome: 'outcomeUnknown', call: { cmdlet, at, requestId: null, outcome: 'outcomeUnknown', detail: describeError(e) } };
  }
}

/** The action with the call appended. */
export const withCall = <A extends DeviceAction>(a: A, call: ExchangeCall): A => ({ ...a, exchange: [...a.exchange, call] });
