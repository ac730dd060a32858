/**
 * The organisation's device partnerships: every one in creation order (Get-MobileDevice
 * pages through them) and by Guid, the identity the connector uses most. Each is also in
 * its mailbox's own list, so per-mailbox lookups never scan the organisation.
 */
import { randomUUID } from 'node:crypto';
import { cmdletErrors } from '../exchange-errors';
import type { RemovedPartnership } from './connection';
import { deviceDistinguishedName } from './identities';
import type { Device, DeviceInit } from './model';
import { SeqList } from './seq-list';
import { noWipe } from './wipe';

const lower = (s: string) => s.toLowerCase();
const sameCi = (a: string, b: string) => a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());

export class Partnerships {
  readonly devices = new SeqList<Device>();
  private readonly byGuid = new Map<string, Device>();

  findByGuid(id: string): Device | undefined {
    return this.byGuid.get(lower(id.trim()));
  }

  /** The device when exactly one partnership has this DeviceId (the control interface's loose lookup). */
  onlyWithDeviceId(id: string): Device | undefined {
    let found: Device | undefined;
    for (const x of this.devices) {
      if (sameCi(x.deviceId, id)) {
        if (found) return undefined;
        found = x;
      }
    }
    return found;
  }

  add(device: Device): void {
    this.devices.add(device);
    device.mailbox.devices.add(device);
    this.byGuid.set(lower(device.guid), device);
  }

  remove(d: Device): void {
    this.devices.remove(d);
    d.mailbox.devices.remove(d);
    this.byGuid.delete(lower(d.guid));
  }

  // ---- partnerships Remove-MobileDevice deleted (the phone may come back) -------

  private readonly removedByGuid = new Map<string, RemovedPartnership>();

  retire(d: Device, now: number, stillConfigured: boolean): RemovedPartnership {
    this.remove(d);
    const r: RemovedPartnership = { device: d, removedAt: now, recreatedAs: null, stillConfigured };
    this.removedByGuid.set(lower(d.guid), r);
    return r;
  }

  /** By the old Guid, or a DeviceId only one removed partnership has. */
  findRemoved(id: string): RemovedPartnership | undefined {
    const byGuid = this.removedByGuid.get(lower(id.trim()));
    if (byGuid) return byGuid;
    let found: RemovedPartnership | undefined;
    for (const r of this.removedByGuid.values()) {
      if (!sameCi(r.device.deviceId, id)) continue;
      if (found) return undefined;
      found = r;
    }
    return found;
  }

  removed(): RemovedPartnership[] {
    return [...this.removedByGuid.values()];
  }
}

/**
 * A new partnership as Exchange records it at first sync, allowed until its access is
 * evaluated. One per DeviceId and DeviceType in a mailbox.
 */
export function newDevice(init: DeviceInit, o: { nextSeq: () => number; domain: string }): Device {
  const { mailbox } = init;
  for (const d of mailbox.devices) {
    if (sameCi(d.deviceId, init.deviceId) && sameCi(d.deviceType, init.deviceType)) throw cmdletErrors.alreadyExists(deviceDistinguishedName(o.domain, d));
  }
  const isOutlook = init.clientType !== 'EAS';
  return {
    seq: o.nextSeq(),
    guid: init.guid ?? randomUUID(),
    mailbox,
    deviceId: init.deviceId,
    deviceType: init.deviceType,
    clientType: init.clientType,
    deviceModel: init.deviceModel ?? null,
    deviceOs: init.deviceOs ?? null,
    deviceOsLanguage: init.deviceOsLanguage ?? null,
    deviceUserAgent: init.deviceUserAgent ?? null,
    deviceTelephoneNumber: init.deviceTelephoneNumber ?? null,
    deviceImei: init.deviceImei ?? null,
    deviceMobileOperator: init.deviceMobileOperator ?? null,
    friendlyName: init.friendlyName ?? null,
    activeSyncVersion: init.activeSyncVersion ?? (isOutlook ? null : '16.1'),
    accessState: 'Allowed',
    accessStateReason: 'Global',
    accessControlRule: null,
    isManaged: init.isManaged ?? false,
    isCompliant: init.isCompliant ?? false,
    isDisabled: init.isDisabled ?? false,
    provisioningFlags: init.provisioningFlags ?? (isOutlook ? 0 : 3),
    firstSyncTime: init.firstSyncTime,
    whenCreated: init.whenCreated,
    whenChanged: init.whenChanged ?? init.whenCreated,
    // Outlook for iOS/Android syncs through the REST/Outlook service: Exchange keeps no
    // ActiveSync sync times for it.
    lastSuccessSync: isOutlook ? null : init.lastSuccessSync,
    lastSyncAttemptTime: isOutlook ? null : init.lastSyncAttemptTime,
    lastPolicyUpdateTime: init.lastPolicyUpdateTime ?? init.firstSyncTime,
    policyApplicationStatus: init.policyApplicationStatus ?? 'AppliedInFull',
    numberOfFoldersSynced: init.numberOfFoldersSynced ?? (isOutlook ? 0 : 12),
    // Outlook mobile wipes its own data whatever it is sent (device-actions.md), so it takes wipes.
    isRemoteWipeSupported: init.isRemoteWipeSupported ?? true,
    fullWipe: noWipe(),
    accountOnlyWipe: noWipe(),
    wipeKind: null,
    lastDeviceWipeRequestor: null,
    lastAccountOnlyDeviceWipeRequestor: null,
    wipeNotificationAddresses: [],
    offline: init.offline ?? false,
    wipeResponse: init.wipeResponse ?? 'ack',
    lastWipeFailureTime: null,
  };
}
