/**
 * A device connecting to Exchange (control: checkIn): the wipe it is due, its access
 * re-evaluated, its sync times; and a phone whose partnership Remove-MobileDevice deleted
 * coming back with a new one.
 */
import { applyAccess, evaluateAccess } from './device-rules';
import type { Device } from './model';
import type { Org } from './org';
import { deliverWipe } from './wipe';

export interface CheckInOptions {
  /** The device answers a wipe in the same connection that delivers it (default: at its next one). */
  sameConnection?: boolean;
}

/**
 * The device connects. Offline devices do not (returns false). A wipe that is due takes
 * the connection (wipe.ts); a device that acknowledged a wipe no longer syncs (it was
 * wiped). Choices where the reference says "not confirmed": a blocked or quarantined
 * device still receives a pending wipe (the wipe is looked at before access); an
 * ActiveSync device of a mailbox with ActiveSync disabled is refused before anything
 * else (only LastSyncAttemptTime moves), so its wipe is not delivered ("wipes that never
 * landed because the user was disabled first"). Otherwise access is re-evaluated (rules
 * and the default level apply from the device's next connection) and, for ActiveSync
 * clients, the sync times move. Exchange keeps sync times in the mailbox, not the
 * directory object, so a plain sync does not change WhenChanged.
 */
export function checkIn(org: Org, d: Device, now: number, o: CheckInOptions = {}): boolean {
  if (d.offline) return false;
  const eas = d.clientType === 'EAS';
  if (eas && !d.mailbox.activeSyncEnabled) {
    d.lastSyncAttemptTime = now;
    return true;
  }
  const notify = (n: Parameters<Org['recordNotification']>[0]) => org.recordNotification(n);
  if (deliverWipe(d, { now, sameConnection: o.sameConnection ?? false, notify })) {
    if (eas) d.lastSyncAttemptTime = now;
    return true;
  }
  const wipe = d.wipeKind === 'full' ? d.fullWipe : d.wipeKind === 'accountOnly' ? d.accountOnlyWipe : null;
  if (wipe && wipe.ackTime !== null) return true;
  applyAccess(d, evaluateAccess(org, d), now);
  if (!eas) return true;
  d.lastSyncAttemptTime = now;
  if (d.accessState === 'Allowed') d.lastSuccessSync = now;
  return true;
}

/**
 * A partnership Remove-MobileDevice deleted, while the phone stays configured. Exchange
 * keeps nothing of it; the emulator remembers the phone so that its next check-in can
 * re-create the partnership (reference: "a device that is still configured re-creates
 * its partnership on its next sync").
 */
export interface RemovedPartnership {
  device: Device;
  removedAt: number;
  /** The partnership its next check-in created. */
  recreatedAs: Device | null;
  /** False once the phone will not come back (control: removeDevice, or its mailbox went away). */
  stillConfigured: boolean;
}

/**
 * The phone connects again: a new partnership, as at a first sync. Choice (no public
 * source says): it gets a new Guid, because the partnership is a new directory object
 * (msExchActiveSyncDevice under the user) and Exchange gives every new object its own
 * GUID; its Identity is the same text. FirstSyncTime and WhenCreated are now, the old
 * wipe is gone with the old record, and its access is what precedence decides now: the
 * user's lists (Remove-MobileDevice leaves them: a device allowed before comes back
 * Allowed), then device access rules, then the organisation's default level.
 */
export function reconnect(org: Org, r: RemovedPartnership, now: number): Device | null {
  if (r.recreatedAs && org.findDevice(r.recreatedAs.guid) === r.recreatedAs) return r.recreatedAs;
  const old = r.device;
  const mailbox = org.findMailbox(old.mailbox.guid);
  if (!r.stillConfigured || mailbox !== old.mailbox || old.offline) return null;
  // An ActiveSync phone of a mailbox with ActiveSync disabled is refused before a partnership exists (choice).
  if (old.clientType === 'EAS' && !mailbox.activeSyncEnabled) return null;
  const existing = [...mailbox.devices].find((d) => d.deviceId.toLowerCase() === old.deviceId.toLowerCase() && d.deviceType.toLowerCase() === old.deviceType.toLowerCase());
  if (existing) return (r.recreatedAs = existing);
  const fresh = org.addDevice({
      mailbox,
      deviceId: old.deviceId,
      deviceType: old.deviceType,
      clientType: old.clientType,
      deviceModel: old.deviceModel,
      deviceOs: old.deviceOs,
      deviceOsLanguage: old.deviceOsLanguage,
      deviceUserAgent: old.deviceUserAgent,
      deviceTelephoneNumber: old.deviceTelephoneNumber,
      deviceImei: old.deviceImei,
      deviceMobileOperator: old.deviceMobileOperator,
      friendlyName: old.friendlyName,
      activeSyncVersion: old.activeSyncVersion,
      isManaged: old.isManaged,
      isCompliant: old.isCompliant,
      provisioningFlags: old.provisioningFlags,
      isRemoteWipeSupported: old.isRemoteWipeSupported,
      wipeResponse: old.wipeResponse,
      firstSyncTime: now,
      whenCreated: now,
      lastSuccessSync: null,
      lastSyncAttemptTime: null,
      lastPolicyUpdateTime: now,
  });
  checkIn(org, fresh, now);
  r.recreatedAs = fresh;
  return fresh;
}
