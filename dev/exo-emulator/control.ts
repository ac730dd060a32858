/**
 * The control interface tests and `npm start` users drive the emulator with: seed an
 * organisation, add/change/remove devices, make devices connect, inject faults, deny
 * cmdlets, read counters. Errors are this project's AppErrors (ValidationError,
 * NotFoundError); `invoke` throws EmulatedCmdletError like the API would answer.
 */
import { NotFoundError, ValidationError } from '../../lib/errors';
import type { Caller } from './auth';
import type { EmulatorCore } from './core';
import { cmdletErrors } from './exchange-errors';
import { runCmdlet } from './invoke';
import { readPage } from './paging';
import type { AccessState, Device, Mailbox } from './store/model';
import { charsFrom, mulberry32 } from './store/prng';
import { seedOrganisation } from './store/seed';
import type {
  DevicePatch,
  DeviceView,
  EmptyAnswerStyle,
  EmulatorControl,
  FaultSettings,
  MailboxView,
  NewDeviceInput,
  NewMailboxInput,
  SeedOptions,
} from './types';
import { isoOrNull } from './values';
import type { WireObject } from './wire';

const ACCESS_STATES: readonly AccessState[] = ['Allowed', 'Blocked', 'Quarantined', 'DeviceDiscovery', 'Unknown'];
const EMPTY_STYLES: readonly EmptyAnswerStyle[] = ['value', 'noContent', 'emptyBody'];

/** Who control.invoke acts as: an administrator at the Exchange admin center. */
const ADMINISTRATOR: Caller = { appId: 'administrator', tenantId: '', roles: [], displayName: 'Administrator' };

function time(field: string, value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw ValidationError.of(field, `'${value}' is not an ISO date`);
  return t;
}

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
  };
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
  };
}

export function createControl(core: EmulatorCore): EmulatorControl {
  const device = (id: string): Device => {
    if (typeof id !== 'string' || id === '') throw ValidationError.of('id', 'a device Guid, Identity or DeviceId is required');
    const d = core.org.findDeviceLoosely(id);
    if (!d) throw new NotFoundError(`No device partnership '${id}'.`, { id });
    return d;
  };
  let generatedIds = 0;

  return {
    seed(o: SeedOptions) {
      const { org, summary } = seedOrganisation(o, { domain: core.domain, now: core.now() });
      core.replaceOrg(org);
      core.log.info('exo-emulator seeded', { devices: summary.devices, mailboxes: summary.mailboxes });
      return summary;
    },

    addDevice(input: NewDeviceInput) {
      if (!input || typeof input.mailbox !== 'string') throw ValidationError.of('mailbox', 'a mailbox identity is required');
      if (typeof input.deviceType !== 'string' || !/^[A-Za-z0-9]+$/.test(input.deviceType)) throw ValidationError.of('deviceType', 'letters and digits only, e.g. iPhone');
      const mailbox = core.org.findMailbox(input.mailbox);
      if (!mailbox) throw new NotFoundError(`No mailbox '${input.mailbox}'.`, { mailbox: input.mailbox });
      if (input.accessState !== undefined && !ACCESS_STATES.includes(input.accessState)) throw ValidationError.of('accessState', `one of ${ACCESS_STATES.join(', ')}`);
      const now = core.now();
      const clientType = input.clientType ?? (input.deviceType.toLowerCase() === 'outlook' ? 'Outlook' : 'EAS');
      const firstSync = time('firstSyncTime', input.firstSyncTime) ?? now;
      const lastSuccess = input.lastSuccessSync === undefined ? now : time('lastSuccessSync', input.lastSuccessSync);
      const d = core.org.addDevice({
        mailbox,
        deviceId: input.deviceId ?? charsFrom(mulberry32(now + ++generatedIds), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 32),
        deviceType: input.deviceType,
        clientType,
        deviceModel: input.deviceModel,
        deviceOs: input.deviceOs,
        deviceOsLanguage: input.deviceOsLanguage,
        deviceUserAgent: input.deviceUserAgent,
        deviceTelephoneNumber: input.deviceTelephoneNumber,
        deviceImei: input.deviceImei,
        deviceMobileOperator: input.deviceMobileOperator,
        friendlyName: input.friendlyName,
        isManaged: input.isManaged,
        isCompliant: input.isCompliant,
        access: input.accessState ? { state: input.accessState, reason: input.accessStateReason ?? 'Individual', rule: null } : undefined,
        firstSyncTime: firstSync,
        whenCreated: now,
        lastSuccessSync: lastSuccess,
        lastSyncAttemptTime: lastSuccess,
        lastPolicyUpdateTime: firstSync,
      });
      return deviceView(core, d);
    },

    removeDevice(id: string) {
      core.org.removeDevice(device(id));
    },

    updateDevice(id: string, patch: DevicePatch) {
      const d = device(id);
      const p = patch ?? {};
      if (p.accessState !== undefined && !ACCESS_STATES.includes(p.accessState)) throw ValidationError.of('accessState', `one of ${ACCESS_STATES.join(', ')}`);
      const strings = ['deviceModel', 'deviceOs', 'deviceOsLanguage', 'deviceUserAgent', 'deviceTelephoneNumber', 'deviceImei', 'deviceMobileOperator', 'friendlyName', 'accessStateReason', 'accessControlRule'] as const;
      for (const k of strings) if (p[k] !== undefined) (d as unknown as Record<string, unknown>)[k] = p[k];
      if (p.accessState !== undefined) d.accessState = p.accessState;
      for (const k of ['isManaged', 'isCompliant', 'isDisabled'] as const) if (p[k] !== undefined) d[k] = Boolean(p[k]);
      if (p.lastSuccessSync !== undefined) d.lastSuccessSync = time('lastSuccessSync', p.lastSuccessSync);
      if (p.lastSyncAttemptTime !== undefined) d.lastSyncAttemptTime = time('lastSyncAttemptTime', p.lastSyncAttemptTime);
      d.whenChanged = core.now();
      return deviceView(core, d);
    },

    checkIn(target: string | { all: true }) {
      const now = core.now();
      if (typeof target === 'object' && target?.all === true) {
        for (const d of core.org.devices) core.org.checkIn(d, now);
        return core.org.devices.size;
      }
      core.org.checkIn(device(target as string), now);
      return 1;
    },

    listDevices: () => core.org.devices.view().map((d) => deviceView(core, d)),

    getDevice(id: string) {
      const d = core.org.findDeviceLoosely(id);
      return d ? deviceView(core, d) : undefined;
    },

    addMailbox(m: NewMailboxInput) {
      if (!m || typeof m.alias !== 'string' || !/^[A-Za-z0-9._-]+$/.test(m.alias)) throw ValidationError.of('alias', 'letters, digits, dot, dash and underscore only');
      return mailboxView(core.org.addMailbox({ ...m, whenCreated: core.now() }));
    },

    listMailboxes: () => core.org.mailboxes.view().map((m) => mailboxView(m)),

    getMailbox(id: string) {
      const m = core.org.findMailbox(id);
      return m ? mailboxView(m) : undefined;
    },

    invoke(cmdletName: string, parameters: Record<string, unknown> = {}): WireObject[] {
      const def = core.registry.get(String(cmdletName).toLowerCase());
      if (!def) throw cmdletErrors.invalidOperation(`The term '${cmdletName}' is not recognized as the name of a cmdlet.`);
      const output = runCmdlet(core, def, parameters, ADMINISTRATOR);
      if (output.kind === 'none') return [];
      if (output.kind === 'objects') return output.objects;
      return readPage(output.listing, { afterSeq: 0, emitted: 0 }, Infinity, output.resultSize).objects;
    },

    setFaults(f: FaultSettings) {
      core.faults.set(f ?? {});
      core.budget.configure(f?.budget);
    },

    clearFaults() {
      core.faults.clear();
      core.budget.configure(undefined);
    },

    denyCmdlets(names: string[]) {
      if (!Array.isArray(names)) throw ValidationError.of('names', 'a list of cmdlet names');
      for (const n of names) core.denied.add(String(n).toLowerCase());
    },

    allowAll() {
      core.denied.clear();
    },

    deniedCmdlets: () => [...core.denied].map((n) => core.registry.get(n)?.name ?? n),

    cmdlets: () => [...core.registry.values()].map((c) => c.name),

    setEmptyAnswer(cmdletName: string, style: EmptyAnswerStyle) {
      if (!EMPTY_STYLES.includes(style)) throw ValidationError.of('style', `one of ${EMPTY_STYLES.join(', ')}`);
      if (!core.registry.has(String(cmdletName).toLowerCase())) throw ValidationError.of('cmdlet', `'${cmdletName}' is not an emulated cmdlet`);
      core.emptyAnswers.set(cmdletName.toLowerCase(), style);
    },

    calls: () => core.recorder.counts(),
    resetCounters: () => core.recorder.reset(),
    callLog: () => core.recorder.entries(),

    setClock(now: () => Date) {
      if (typeof now !== 'function') throw ValidationError.of('now', 'a function returning a Date');
      core.setClock(now);
    },

    resetClock: () => core.resetClock(),
  };
}
