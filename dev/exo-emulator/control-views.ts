/** What the control interface shows of the organisation's objects: camelCase views with ISO times. */
import type { EmulatorCore } from './core';
import { type Device, type Group, groupKind, type Mailbox } from './store/model';
import type { RemovedPartnership, WipeNotice } from './store/org';
import type { DeviceView, GroupView, MailboxView, RemovedDeviceView, WipeNotificationView } from './types';

export { GROUP_KINDS } from './store/model';
import { isoOrNull } from './values';

export function deviceView(core: EmulatorCore, d: Device): DeviceView {
  const { org } = core;
  const m = d.mailbox;
  return {
    guid: d.guid,
    identity: org.deviceIdentity(d),
    deviceId: d.deviceId,
    deviceType: d.deviceType,
    deviceModel: d.deviceModel,
    deviceOs: d.deviceOs,
    deviceOsLanguage: d.deviceOsLanguage,
    deviceUserAgent: d.deviceUserAgent,
    deviceTelephoneNumber: d.deviceTelephoneNumber,
    deviceImei: d.deviceImei,
    deviceMobileOperator: d.deviceMobileOperator,
    friendlyName: d.friendlyName,
    clientType: d.clientType,
    accessState: d.accessState,
    accessStateReason: d.accessStateReason,
    accessControlRule: d.accessControlRule,
    isManaged: d.isManaged,
    isCompliant: d.isCompliant,
    isDisabled: d.isDisabled,
    mailbox: { guid: m.guid, name: m.name, alias: m.alias, upn: m.upn, primarySmtpAddress: m.primarySmtpAddress, displayName: m.displayName },
    firstSyncTime: isoOrNull(d.firstSyncTime),
    whenCreated: new Date(d.whenCreated).toISOString(),
    whenChanged: new Date(d.whenChanged).toISOString(),
    lastSuccessSync: isoOrNull(d.lastSuccessSync),
    lastSyncAttemptTime: isoOrNull(d.lastSyncAttemptTime),
    lastPolicyUpdateTime: isoOrNull(d.lastPolicyUpdateTime),
    status: org.status(d),
    deviceWipeRequestTime: isoOrNull(d.fullWipe.requestTime),
    deviceWipeSentTime: isoOrNull(d.fullWipe.sentTime),
    deviceWipeAckTime: isoOrNull(d.fullWipe.ackTime),
    accountOnlyDeviceWipeRequestTime: isoOrNull(d.accountOnlyWipe.requestTime),
    accountOnlyDeviceWipeSentTime: isoOrNull(d.accountOnlyWipe.sentTime),
    accountOnlyDeviceWipeAckTime: isoOrNull(d.accountOnlyWipe.ackTime),
    lastDeviceWipeRequestor: d.wipeKind === 'accountOnly' ? d.lastAccountOnlyDeviceWipeRequestor : d.lastDeviceWipeRequestor,
    lastFullDeviceWipeRequestor: d.lastDeviceWipeRequestor,
    lastAccountOnlyDeviceWipeRequestor: d.lastAccountOnlyDeviceWipeRequestor,
    isRemoteWipeSupported: d.isRemoteWipeSupported,
    activeSyncVersion: d.activeSyncVersion,
    policyApplicationStatus: d.policyApplicationStatus,
    wipeNotificationAddresses: [...d.wipeNotificationAddresses],
    offline: d.offline,
    wipeResponse: d.wipeResponse,
    lastWipeFailureTime: isoOrNull(d.lastWipeFailureTime),
  };
}

export function removedDeviceView(core: EmulatorCore, r: RemovedPartnership): RemovedDeviceView {
  const d = r.device;
  return {
    guid: d.guid,
    identity: core.org.deviceIdentity(d),
    deviceId: d.deviceId,
    deviceType: d.deviceType,
    mailbox: d.mailbox.upn,
    removedAt: new Date(r.removedAt).toISOString(),
    stillConfigured: r.stillConfigured && core.org.findMailbox(d.mailbox.guid) === d.mailbox,
    recreatedAsGuid: r.recreatedAs?.guid ?? null,
    statusAtRemoval: core.org.status(d),
  };
}

export function notificationView(core: EmulatorCore, n: WipeNotice): WipeNotificationView {
  return { at: new Date(n.at).toISOString(), to: [...n.to], deviceGuid: n.device.guid, identity: core.org.deviceIdentity(n.device), kind: n.kind };
}

export function mailboxView(m: Mailbox): MailboxView {
  return {
    guid: m.guid,
    externalDirectoryObjectId: m.externalDirectoryObjectId,
    name: m.name,
    alias: m.alias,
    displayName: m.displayName,
    upn: m.upn,
    primarySmtpAddress: m.primarySmtpAddress,
    distinguishedName: m.distinguishedName,
    activeSyncEnabled: m.activeSyncEnabled,
    mailboxPolicy: m.policy ? m.policy.name : null,
    allowedDeviceIds: [...m.allowedDeviceIds],
    blockedDeviceIds: [...m.blockedDeviceIds],
    groups: m.groups.map((g) => g.name),
    devices: m.devices.size,
    hasActiveSyncDevicePartnership: m.partnershipFlag ?? m.devices.size > 0,
  };
}

export function groupView(g: Group): GroupView {
  return {
    guid: g.guid,
    name: g.name,
    alias: g.alias,
    primarySmtpAddress: g.primarySmtpAddress,
    distinguishedName: g.distinguishedName,
    kind: groupKind(g),
    recipientTypeDetails: g.recipientTypeDetails,
    members: g.members.view().map((m) => m.name),
  };
}
