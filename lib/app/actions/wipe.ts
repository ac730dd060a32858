/**
 * Wipe, its approval and its cancellation. Everything that can refuse a wipe is checked
 * before Exchange is called: the device (known, not removed), the caller's roles (a full
 * wipe needs Devices.WipeFull as well), the device's kind (Outlook mobile only ever
 * wipes its own data) and remote-wipe support, a wipe already open (the device's wipe
 * slot, so two concurrent requests send one Clear-MobileDevice) or already acknowledged.
 */
import { AppError, ForbiddenError, NotFoundError } from '../../errors';
import { isOutlookMobile, wipeOnDevice, type WipeMode } from '../../domain/device-action';
import { audit, exchangeCall, moved, newAction, withCall } from './record';
import type { ActionDeps, InventoryDevice, StoredAction } from './ports';

export const WIPE_FULL_ROLE = 'Devices.WipeFull';
export const WIPE_ROLE = 'Devices.Wipe';

export interface Requester {
  id: string;
  roles: string[];
}

export interface WipeRequest {
  deviceGuid: string;
  mode: WipeMode;
  notify: string[];
  reason: string | null;
  removeAfterAcknowledged: boolean;
  bulkId?: string | null;
  /** A bulk wipe always waits for a second person. */
  approvalBecause?: string | null;
}

/** The inventory record the action is about: 404 unknown, 409 removed. */
export async function deviceFor(deps: ActionDeps, deviceGuid: string): Promise<InventoryDevice> {
  const device = await deps.inventory.get(deps.tenantId, deviceGuid.toLowerCase());
  if (!device) throw new NotFoundError(`No device ${deviceGuid} in the inventory`, { deviceGuid });
  if (device.removed) throw new AppError('DeviceRemoved', `Device ${deviceGuid} was removed from Exchange${device.removedAt ? ` (${device.removedAt})` : ''}; nothing to act on`, 409, { deviceGuid });
  return device;
}

function checkWipeAllowed(caller: Requester, device: InventoryDevice, mode: WipeMode): void {
  if (mode === 'full') {
    if (!caller.roles.includes(WIPE_FULL_ROLE)) throw new ForbiddenError(`A full wipe factory-resets the phone: it needs the app role ${WIPE_FULL_ROLE} as well as ${WIPE_ROLE}`, { requiredRole: WIPE_FULL_ROLE });
    if (isOutlookMobile(device)) {
      throw new AppError('FullWipeNotApplicable', 'This is an Outlook for iOS and Android partnership: Outlook only ever wipes its own data, so only an account-only wipe applies ("mode":"accountOnly")', 409, { deviceGuid: device.deviceGuid, clientType: device.clientType });
    }
  }
  if (device.isRemoteWipeSupported === false) throw new AppError('RemoteWipeUnsupported', 'The device reports no remote wipe support (IsRemoteWipeSupported False)', 409, { deviceGuid: device.deviceGuid });
  const onDevice = wipeOnDevice(device);
  if (onDevice?.state === 'acknowledged') {
    throw new AppError('WipeAcknowledged', `The device acknowledged a ${onDevice.mode} wipe requested at ${onDevice.requestTime}${onDevice.requestor ? ` by ${onDevice.requestor}` : ''}; remove the partnership instead`, 409, { wipe: onDevice });
  }
  if (onDevice?.state === 'pending') {
    throw new AppError('WipePending', `A ${onDevice.mode} wipe requested at ${onDevice.requestTime}${onDevice.requestor ? ` by ${onDevice.requestor}` : ''} is pending in Exchange`, 409, { wipe: onDevice });
  }
}

const pendingConflict = (holder: StoredAction) =>
  new AppError('WipePending', `Wipe ${holder.actionId} of this device is ${holder.state} (requested by ${holder.requestedBy} at ${holder.requestedAt})`, 409, { actionId: holder.actionId, state: holder.state });

/** Why this wipe needs a second person, or null. */
async function approvalNeeded(deps: ActionDeps, r: WipeRequest): Promise<string | null> {
  if (r.approvalBecause) return r.approvalBecause;
  const hourAgo = new Date(deps.clock.now() - 3_600_000).toISOString();
  const recent = await deps.actions.wipesSince(deps.tenantId, hourAgo);
  const limit = deps.settings.wipesPerHourBeforeApproval;
  return recent >= limit ? `wipe number ${recent + 1} within an hour; more than ${limit} an hour wait for a second person` : null;
}

export async function requestWipe(deps: ActionDeps, caller: Requester, r: WipeRequest): Promise<StoredAction> {
  const device = await deviceFor(deps, r.deviceGuid);
  checkWipeAllowed(caller, device, r.mode);
  const holder = await deps.actions.openWipe(deps.tenantId, device.deviceGuid);
  if (holder) throw pendingConflict(holder);
  const because = await approvalNeeded(deps, r);
  const draft = newAction(deps, {
    kind: 'wipe',
    mode: r.mode,
    device,
    requestedBy: caller.id,
    reason: r.reason,
    notify: r.notify,
    removeAfterAcknowledged: r.removeAfterAcknowledged,
    bulkId: r.bulkId,
    state: because ? 'awaitingApproval' : 'submitting',
    note: because ? `Waits for a second person: ${because}` : `${r.mode === 'full' ? 'Full' : 'Account-only'} wipe requested`,
  });
  if (because) draft.approval = { requiredBecause: because, expiresAt: new Date(deps.clock.now() + deps.settings.approvalTtlMs).toISOString() };
  const begun = await deps.actions.begin(draft);
  if (!begun.begun) throw pendingConflict(begun.holder);
  await audit(deps, caller.id, 'wipe.request', device.deviceGuid, because ? 'awaitingApproval' : 'accepted', { actionId: draft.actionId, mode: r.mode, reason: r.reason, notify: r.notify, approval: because });
  return because ? begun.action : submitWipe(deps, begun.action);
}

/** Sends Clear-MobileDevice once; the action records what Exchange answered. */
async function submitWipe(deps: ActionDeps, a: StoredAction): Promise<StoredAction> {
  // Already `submitting` (requested, or approved): the send time is stored before the call, so a follow-up can tell ours from an earlier request.
  const at = new Date(deps.clock.now()).toISOString();
  const submitting = await deps.actions.update({ ...a, submittedAt: at, updatedAt: at });
  const r = await exchangeCall(deps, submitting, 'Clear-MobileDevice', () => deps.exchange.wipe({ guid: a.deviceGuid }, { accountOnly: a.mode !== 'full', notify: a.notify }));
  let next = withCall(submitting, r.call);
  if (r.outcome === 'done') next = moved(deps, next, 'requested', 'connector', 'Exchange accepted the wipe request; the device gets it when it next connects');
  else if (r.outcome === 'refused') next = moved(deps, next, 'failed', 'connector', r.error.message);
  else next = moved(deps, next, 'outcomeUnknown', 'connector', 'No answer from Exchange after the request was sent: it is not sent again; the follow-up reads the device to settle it');
  return deps.actions.update(next);
}

async function awaitingApproval(deps: ActionDeps, actionId: string): Promise<StoredAction> {
  const a = await deps.actions.get(deps.tenantId, actionId);
  if (!a) throw new NotFoundError(`No action ${actionId}`, { actionId });
  if (a.state !== 'awaitingApproval') throw new AppError('NotAwaitingApproval', `Action ${actionId} is ${a.state}, not awaiting approval`, 409, { actionId, state: a.state });
  if (a.approval && Date.parse(a.approval.expiresAt) <= deps.clock.now()) {
    await deps.actions.update(moved(deps, a, 'expired', 'connector', `The approval window ended at ${a.approval.expiresAt}`));
    throw new AppError('ApprovalExpired', `Action ${actionId} waited for approval until ${a.approval.expiresAt}; ask again`, 409, { actionId });
  }
  return a;
}

export async function approveWipe(deps: ActionDeps, caller: Requester, actionId: string): Promise<StoredAction> {
  const a = await awaitingApproval(deps, actionId);
  if (a.requestedBy === caller.id) throw new ForbiddenError('A request is approved by a second person: the caller asked for it', { actionId });
  if (a.mode === 'full' && !caller.roles.includes(WIPE_FULL_ROLE)) throw new ForbiddenError(`Approving a full wipe needs the app role ${WIPE_FULL_ROLE}`, { requiredRole: WIPE_FULL_ROLE });
  const at = new Date(deps.clock.now()).toISOString();
  const approved = await deps.actions.update({ ...moved(deps, a, 'submitting', caller.id, 'Approved'), approval: { ...a.approval!, decidedBy: caller.id, decidedAt: at, decision: 'approved' } });
  await audit(deps, caller.id, 'wipe.approve', a.deviceGuid, 'approved', { actionId });
  return submitWipe(deps, approved);
}

export async function rejectWipe(deps: ActionDeps, caller: Requester, actionId: string, reason: string | null): Promise<StoredAction> {
  const a = await awaitingApproval(deps, actionId);
  const at = new Date(deps.clock.now()).toISOString();
  const rejected = await deps.actions.update({ ...moved(deps, a, 'rejected', caller.id, reason ? `Rejected: ${reason}` : 'Rejected'), approval: { ...a.approval!, decidedBy: caller.id, decidedAt: at, decision: 'rejected' } });
  await audit(deps, caller.id, 'wipe.reject', a.deviceGuid, 'rejected', { actionId, reason });
  return rejected;
}

/** Withdraws a wipe the device has not picked up: Clear-MobileDevice -Cancel. */
export async function cancelWipe(deps: ActionDeps, caller: Requester, deviceGuid: string): Promise<StoredAction> {
  const device = await deviceFor(deps, deviceGuid);
  const a = await deps.actions.openWipe(deps.tenantId, device.deviceGuid);
  if (!a) throw new AppError('NoPendingWipe', 'No wipe of this device is open: nothing to cancel', 409, { deviceGuid });
  if (a.state === 'sent') throw new AppError('WipeAlreadyPickedUp', `The device picked up the wipe (${a.history.at(-1)?.note ?? 'sent'}); it can no longer be cancelled`, 409, { actionId: a.actionId, state: a.state });
  if (a.state === 'awaitingApproval') {
    await audit(deps, caller.id, 'wipe.cancel', a.deviceGuid, 'cancelled', { actionId: a.actionId, exchange: false });
    return deps.actions.update(moved(deps, a, 'cancelled', caller.id, 'Cancelled before approval; Exchange was never asked'));
  }
  const r = await exchangeCall(deps, a, 'Clear-MobileDevice', () => deps.exchange.cancelWipe({ guid: a.deviceGuid }));
  let next = withCall(a, r.call);
  if (r.outcome === 'done') next = moved(deps, next, 'cancelled', caller.id, 'Exchange withdrew the wipe request before the device picked it up');
  else if (r.outcome === 'refused') {
    await deps.actions.update(next);
    await audit(deps, caller.id, 'wipe.cancel', a.deviceGuid, 'refused', { actionId: a.actionId, detail: r.error.message });
    throw new AppError('CancelRefused', `Exchange refused to cancel the wipe: ${r.error.message}`, 409, { actionId: a.actionId, requestId: r.call.requestId });
  } else next = moved(deps, next, next.state, 'connector', 'No answer from Exchange to the cancellation; the follow-up reads the device to tell');
  await audit(deps, caller.id, 'wipe.cancel', a.deviceGuid, r.outcome, { actionId: a.actionId });
  return deps.actions.update(next);
}
