/**
 * The wipe's state machine, as Exchange keeps it in the device's sync state:
 * requested (Clear-MobileDevice) -> sent (the device connected and was given the wipe)
 * -> acknowledged (the device reported success). Functions over a Device; times are
 * arguments.
 *
 * Evidence: Exchange 2013's own code (build 15.00.1497: DeviceInfo.cs,
 * ProvisionCommandPhaseBase.cs, ProvisionCommandPhaseTwo.cs, MobileDeviceStatistics.cs),
 * the lineage Exchange Online grew from, and the cmdlet reference. Where Exchange Online
 * may differ, or nothing says, the comment says "choice".
 */
import { cmdletErrors } from '../exchange-errors';
import type { Device, WipeTimes } from './model';

export const noWipe = (): WipeTimes => ({ requestTime: null, sentTime: null, ackTime: null });

export type WipeKind = 'full' | 'accountOnly';

export function currentWipe(d: Device): WipeTimes | null {
  if (d.wipeKind === 'full') return d.fullWipe;
  if (d.wipeKind === 'accountOnly') return d.accountOnlyWipe;
  return null;
}

/** A wipe Exchange still has to deliver or hear back about (request or send time, no ack time). */
export function wipePending(d: Device): boolean {
  const w = currentWipe(d);
  return !!w && (w.requestTime !== null || w.sentTime !== null) && w.ackTime === null;
}

/**
 * Get-MobileDeviceStatistics' Status: a wipe status only (reference). As Exchange 2013's
 * MobileDeviceStatistics.Status: an ack time means succeeded; no request and no send
 * time means DeviceOk; a device without remote wipe support shows DeviceBlocked; else
 * pending. Exchange Online adds AccountOnlyDeviceWipeSucceeded (reference). The pending
 * status of an account-only wipe is not confirmed: DeviceWipePending for both (choice).
 */
export function wipeStatus(d: Device): string {
  const wipe = currentWipe(d);
  if (!wipe) return 'DeviceOk';
  if (wipe.ackTime !== null) return d.wipeKind === 'full' ? 'DeviceWipeSucceeded' : 'AccountOnlyDeviceWipeSucceeded';
  if (wipe.requestTime === null && wipe.sentTime === null) return 'DeviceOk';
  if (!d.isRemoteWipeSupported) return 'DeviceBlocked';
  return 'DeviceWipePending';
}

/**
 * StatusNote: "" for DeviceOk (reference) and, as in Exchange 2013's code, for
 * DeviceBlocked too (an earlier emulator version wrote a text there); a note for pending
 * and succeeded, whose wording is the emulator's choice.
 */
export function wipeStatusNote(d: Device): string {
  switch (wipeStatus(d)) {
    case 'DeviceWipePending':
      return currentWipe(d)?.sentTime === null ? 'The wipe request is waiting for the device to connect.' : 'The wipe was sent to the device.';
    case 'DeviceWipeSucceeded':
    case 'AccountOnlyDeviceWipeSucceeded':
      return 'The device acknowledged the wipe.';
    default:
      return '';
  }
}

/**
 * Clear-MobileDevice without -Cancel. As Exchange 2013's StartRemoteWipeFromMailbox, a
 * request restarts the cycle: request time now, send and ack times cleared, requestor and
 * notification addresses replaced; so a wipe re-issued while pending, or after success,
 * is simply pending again (the reference leaves this open; the code settles it).
 * Choice: a request of the other kind that the device has not picked up yet is withdrawn
 * (one wipe at a time), one it picked up keeps its times. Outlook for iOS and Android
 * partnerships record a full wipe like any other; the app only ever wipes its own data
 * (reference), which needs no different wire result.
 */
export function requestWipe(d: Device, o: { kind: WipeKind; requestor: string; notify: string[]; now: number }): void {
  const accountOnly = o.kind === 'accountOnly';
  const other = accountOnly ? d.fullWipe : d.accountOnlyWipe;
  if (other.requestTime !== null && other.sentTime === null) Object.assign(other, noWipe());
  Object.assign(accountOnly ? d.accountOnlyWipe : d.fullWipe, { requestTime: o.now, sentTime: null, ackTime: null });
  d.wipeKind = o.kind;
  if (accountOnly) d.lastAccountOnlyDeviceWipeRequestor = o.requestor;
  else d.lastDeviceWipeRequestor = o.requestor;
  d.wipeNotificationAddresses = o.notify;
  d.lastWipeFailureTime = null;
  d.whenChanged = o.now;
}

/**
 * Clear-MobileDevice -Cancel. As Exchange 2013's CancelRemoteWipeFromMailbox: a wipe not
 * yet sent loses its request time (so Status is DeviceOk again; the requestor stays);
 * cancelling when there is no wipe is a no-op. Once sent or acknowledged nothing changes
 * and Exchange 2013 wrote the warning CannotCancelWipe (HTTP 200). Exchange Online's
 * answer is not confirmed: by default the emulator refuses with an error the client
 * cannot miss (System.InvalidOperationException, as before); variant 'warning' answers
 * 200 with the warning in @adminapi.warnings (control: setVariants). Returns the warning.
 */
export function cancelWipe(d: Device, o: { now: number; identity: string; afterPickUp: 'error' | 'warning' }): string | null {
  const wipe = currentWipe(d);
  if (!wipe || (wipe.requestTime === null && wipe.sentTime === null)) return null;
  if (wipe.sentTime !== null || wipe.ackTime !== null) {
    const text = `The wipe request for device '${o.identity}' has already been sent to the device and can't be canceled.`;
    if (o.afterPickUp === 'warning') return text;
    throw cmdletErrors.invalidOperation(text);
  }
  wipe.requestTime = null;
  d.wipeKind = null;
  d.whenChanged = o.now;
  return null;
}

export interface WipeNotice {
  at: number;
  to: string[];
  device: Device;
  kind: WipeKind;
}

/**
 * The device connects while a wipe is due (requested, not acknowledged). As Exchange
 * 2013's provisioning code: the wipe is sent on every connection until acknowledged, the
 * send time set only the first time; the device answers at its next connection (or this
 * one, `sameConnection`): success sets the ack time and mails the notification
 * addresses; failure sets nothing (the wipe stays pending and is sent again). Returns
 * true when the wipe took over this connection (no sync). A device without remote wipe
 * support never takes it (choice; Status shows DeviceBlocked).
 */
export function deliverWipe(d: Device, o: { now: number; sameConnection: boolean; notify: (n: WipeNotice) => void }): boolean {
  const wipe = currentWipe(d);
  if (!wipe || wipe.requestTime === null || wipe.ackTime !== null || !d.isRemoteWipeSupported || !d.wipeKind) return false;
  const alreadySent = wipe.sentTime !== null;
  if (!alreadySent) wipe.sentTime = o.now;
  if (alreadySent || o.sameConnection) answerWipe(d, wipe, d.wipeKind, o);
  d.whenChanged = o.now;
  return true;
}

function answerWipe(d: Device, wipe: WipeTimes, kind: WipeKind, o: { now: number; notify: (n: WipeNotice) => void }): void {
  if (d.wipeResponse === 'silent') return;
  if (d.wipeResponse === 'fail') {
    d.lastWipeFailureTime = o.now;
    return;
  }
  wipe.ackTime = o.now;
  if (d.wipeNotificationAddresses.length > 0) o.notify({ at: o.now, to: [...d.wipeNotificationAddresses], device: d, kind });
}
