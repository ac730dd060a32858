/**
 * Block, allow and remove one device. Block and allow are one Set-CASMailbox each that
 * moves the DeviceId between the mailbox's two personal lists (allowed also releases a
 * quarantined device). Remove takes the DeviceId out of both lists first, then removes
 * the partnership: Remove-MobileDevice leaves the lists alone, and a device still on the
 * allowed list would come back Allowed on its next sync instead of as the organization
 * default decides. The mail already on the phone stays: removing is not wiping.
 */
import { AppError } from '../../errors';
import { isFinal } from '../../domain/device-action';
import { deviceFor, type Requester } from './wipe';
import { audit, exchangeCall, moved, newAction, withCall } from './record';
import type { ActionDeps, StoredAction } from './ports';

export type ListAction = 'block' | 'allow';

/** The list change that puts `deviceId` on one list and off the other. */
export function listChange(kind: ListAction, deviceId: string) {
  return kind === 'block' ? { blocked: { add: [deviceId] }, allowed: { remove: [deviceId] } } : { allowed: { add: [deviceId] }, blocked: { remove: [deviceId] } };
}

async function begin(deps: ActionDeps, caller: Requester, kind: 'block' | 'allow' | 'remove', deviceGuid: string, note: string, bulkId?: string | null): Promise<StoredAction> {
  const device = await deviceFor(deps, deviceGuid);
  if (!device.deviceId) throw new AppError('NoDeviceId', 'Exchange reports no DeviceId for this partnership: it cannot be put on a list', 409, { deviceGuid });
  const begun = await deps.actions.begin({ ...newAction(deps, { kind, device, requestedBy: caller.id, state: 'submitting', note, bulkId }), submittedAt: new Date(deps.clock.now()).toISOString() });
  if (!begun.begun) throw new AppError('ActionInProgress', `Action ${begun.holder.actionId} of this device is ${begun.holder.state}`, 409, { actionId: begun.holder.actionId });
  return begun.action;
}

export async function setDeviceAccess(deps: ActionDeps, caller: Requester, kind: ListAction, deviceGuid: string, o: { bulkId?: string | null } = {}): Promise<StoredAction> {
  const a = await begin(deps, caller, kind, deviceGuid, kind === 'block' ? 'Block: the DeviceId goes on the blocked list, off the allowed one' : 'Allow: the DeviceId goes on the allowed list, off the blocked one', o.bulkId);
  const r = await exchangeCall(deps, a, 'Set-CASMailbox', () => deps.exchange.setDeviceLists(a.device.mailboxIdentity, listChange(kind, a.device.deviceId)));
  let next = withCall(a, r.call);
  if (r.outcome === 'done') next = moved(deps, next, 'done', 'connector', kind === 'block' ? 'Exchange put the DeviceId on the blocked list' : 'Exchange put the DeviceId on the allowed list');
  else if (r.outcome === 'refused') next = moved(deps, next, 'failed', 'connector', r.error.message);
  else next = moved(deps, next, 'outcomeUnknown', 'connector', 'No answer from Exchange to Set-CASMailbox: not sent again; the follow-up reads the lists to settle it');
  await audit(deps, caller.id, `device.${kind}`, a.deviceGuid, next.state, { actionId: a.actionId, deviceId: a.device.deviceId, mailbox: a.device.mailbox });
  return deps.actions.update(next);
}

export async function removeDevice(deps: ActionDeps, caller: Requester, deviceGuid: string, o: { force: boolean; bulkId?: string | null }): Promise<StoredAction> {
  const device = await deviceFor(deps, deviceGuid);
  const wipe = await deps.actions.openWipe(deps.tenantId, device.deviceGuid);
  if (wipe && !o.force) {
    throw new AppError('WipePending', `Wipe ${wipe.actionId} of this device is ${wipe.state}: removing the partnership would very likely throw the wipe away; add ?force=true to remove it anyway`, 409, { actionId: wipe.actionId, state: wipe.state });
  }
  const a = await begin(deps, caller, 'remove', deviceGuid, `Remove the partnership (not a wipe: the mail on the phone stays)${wipe ? `, forced while wipe ${wipe.actionId} is ${wipe.state}` : ''}`, o.bulkId);
  const lists = await exchangeCall(deps, a, 'Set-CASMailbox', () => deps.exchange.setDeviceLists(a.device.mailboxIdentity, { allowed: { remove: [a.device.deviceId] }, blocked: { remove: [a.device.deviceId] } }));
  let next = withCall(a, lists.call);
  if (lists.outcome !== 'done') {
    // The partnership stays: removing it with the DeviceId still on a list is the bug this order prevents.
    next = moved(deps, next, lists.outcome === 'refused' ? 'failed' : 'outcomeUnknown', 'connector', `The DeviceId could not be taken off the lists (${lists.call.detail ?? lists.outcome}); the partnership was not removed`);
  } else {
    const r = await exchangeCall(deps, a, 'Remove-MobileDevice', () => deps.exchange.remove({ guid: a.deviceGuid }));
    next = withCall(next, r.call);
    if (r.outcome === 'done') {
      next = moved(deps, next, 'done', 'connector', 'Exchange removed the partnership and the DeviceId is on neither list; a device still set up comes back as the organization default decides');
      await deps.inventory.markRemoved(deps.tenantId, a.deviceGuid, new Date(deps.clock.now()).toISOString());
      if (wipe && !isFinal(wipe.state)) await deps.actions.update(moved(deps, wipe, 'cancelled', caller.id, `The partnership was removed (forced, action ${a.actionId}); the wipe went with it`));
    } else if (r.outcome === 'refused') next = moved(deps, next, 'failed', 'connector', r.error.message);
    else next = moved(deps, next, 'outcomeUnknown', 'connector', 'No answer from Exchange to Remove-MobileDevice: not sent again; the follow-up reads the device to settle it');
  }
  await audit(deps, caller.id, 'device.remove', a.deviceGuid, next.state, { actionId: a.actionId, force: o.force, deviceId: a.device.deviceId });
  return deps.actions.update(next);
}
