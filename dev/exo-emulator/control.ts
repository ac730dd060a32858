/**
 * The control interface tests and `npm start` users drive the emulator with: seed an
 * organisation, add/change/remove devices, make devices connect, inject faults, deny
 * cmdlets, read counters. Errors are this project's AppErrors (ValidationError,
 * NotFoundError); `invoke` throws EmulatedCmdletError like the API would answer.
 */
import { NotFoundError, ValidationError } from '../../lib/errors';
import { actionControl } from './control-actions';
import { invokeAsAdministrator } from './control-admin';
import { configControl } from './control-config';
import { deviceView, GROUP_KINDS, groupView, mailboxView } from './control-views';
import type { DenyStyle, EmulatorCore } from './core';
import type { AccessState, Device, Group, WipeResponse } from './store/model';
import { charsFrom, mulberry32 } from './store/prng';
import { seedOrganisation } from './store/seed';
import type { DevicePatch, EmptyAnswerStyle, EmulatorControl, FaultSettings, NewDeviceInput, NewGroupInput, NewMailboxInput, SeedOptions } from './types';
import type { WireObject } from './wire';

export { deviceView, mailboxView } from './control-views';

const WIPE_RESPONSES: readonly WipeResponse[] = ['ack', 'fail', 'silent'];
const wipeResponse = (v: unknown): WipeResponse | undefined => {
  if (v === undefined) return undefined;
  if (!WIPE_RESPONSES.includes(v as WipeResponse)) throw ValidationError.of('wipeResponse', "'ack', 'fail' or 'silent'");
  return v as WipeResponse;
};

const ACCESS_STATES: readonly AccessState[] = ['Allowed', 'Blocked', 'Quarantined', 'DeviceDiscovery', 'Unknown'];
/** Exchange's DevicePolicyApplicationStatus names. */
const POLICY_STATUSES = ['Unknown', 'NotApplied', 'AppliedInFull', 'PartiallyApplied', 'ExternallyManaged'];
const policyStatus = (v: unknown): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !POLICY_STATUSES.includes(v)) throw ValidationError.of('policyApplicationStatus', `one of ${POLICY_STATUSES.join(', ')}`);
  return v;
};
const EMPTY_STYLES: readonly EmptyAnswerStyle[] = ['value', 'noContent', 'emptyBody'];
const DENY_STYLES: readonly DenyStyle[] = ['403', '401'];

function concurrencyLimit(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw ValidationError.of('tenantConcurrencyLimit', 'must be a positive integer, or null for no limit');
  return v;
}


function time(field: string, value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw ValidationError.of(field, `'${value}' is not an ISO date`);
  return t;
}

export function createControl(core: EmulatorCore): EmulatorControl {
  const device = (id: string): Device => {
    if (typeof id !== 'string' || id === '') throw ValidationError.of('id', 'a device Guid, Identity or DeviceId is required');
    const d = core.org.findDeviceLoosely(id);
    if (!d) throw new NotFoundError(`No device partnership '${id}'.`, { id });
    return d;
  };
  const group = (id: string): Group => {
    const g = typeof id === 'string' ? core.org.findGroup(id) : undefined;
    if (!g) throw new NotFoundError(`No group '${id}'.`, { group: id });
    return g;
  };
  const recipient = (id: string) => {
    const r = typeof id === 'string' ? core.org.findRecipient(id) : undefined;
    if (!r) throw new NotFoundError(`No mailbox or group '${id}'.`, { member: id });
    return r;
  };
  let generatedIds = 0;

  return {
    ...actionControl(core, device),
    ...configControl(core),

    seed(o: SeedOptions) {
      const { org, summary } = seedOrganisation(o, { domain: core.domain, vanityDomain: core.vanityDomains[0], now: core.now() });
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
        isRemoteWipeSupported: input.isRemoteWipeSupported,
        activeSyncVersion: input.activeSyncVersion,
        offline: input.offline,
        wipeResponse: wipeResponse(input.wipeResponse),
        firstSyncTime: firstSync,
        whenCreated: now,
        lastSuccessSync: lastSuccess,
        lastSyncAttemptTime: lastSuccess,
        lastPolicyUpdateTime: firstSync,
        policyApplicationStatus: policyStatus(input.policyApplicationStatus),
      });
      return deviceView(core, d);
    },

    updateDevice(id: string, patch: DevicePatch) {
      const d = device(id);
      const p = patch ?? {};
      if (p.accessState !== undefined && !ACCESS_STATES.includes(p.accessState)) throw ValidationError.of('accessState', `one of ${ACCESS_STATES.join(', ')}`);
      const strings = ['deviceModel', 'deviceOs', 'deviceOsLanguage', 'deviceUserAgent', 'deviceTelephoneNumber', 'deviceImei', 'deviceMobileOperator', 'friendlyName', 'accessStateReason', 'accessControlRule'] as const;
      for (const k of strings) if (p[k] !== undefined) (d as unknown as Record<string, unknown>)[k] = p[k];
      if (p.accessState !== undefined) d.accessState = p.accessState;
      for (const k of ['isManaged', 'isCompliant', 'isDisabled', 'offline', 'isRemoteWipeSupported'] as const) if (p[k] !== undefined) d[k] = Boolean(p[k]);
      if (p.wipeResponse !== undefined) d.wipeResponse = wipeResponse(p.wipeResponse)!;
      if (p.policyApplicationStatus !== undefined) d.policyApplicationStatus = policyStatus(p.policyApplicationStatus)!;
      if (p.activeSyncVersion !== undefined) {
        if (p.activeSyncVersion !== null && !/^\d{1,3}(\.\d{1,3}){1,2}$/.test(p.activeSyncVersion)) throw ValidationError.of('activeSyncVersion', 'a dotted version such as 14.1, or null');
        d.activeSyncVersion = p.activeSyncVersion;
      }
      if (p.lastSuccessSync !== undefined) d.lastSuccessSync = time('lastSuccessSync', p.lastSuccessSync);
      if (p.lastSyncAttemptTime !== undefined) d.lastSyncAttemptTime = time('lastSyncAttemptTime', p.lastSyncAttemptTime);
      d.whenChanged = core.now();
      return deviceView(core, d);
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

    removeMailbox(id: string) {
      const mailbox = typeof id === 'string' ? core.org.findMailbox(id) : undefined;
      if (!mailbox) throw new NotFoundError(`No mailbox '${id}'.`, { mailbox: id });
      core.org.removeMailbox(mailbox);
    },

    addGroup(g: NewGroupInput) {
      if (!g || typeof g.name !== 'string' || g.name.trim() === '') throw ValidationError.of('name', 'a group name is required');
      const details = GROUP_KINDS[g.kind];
      if (!details) throw ValidationError.of('kind', "one of 'distribution', 'security', 'unified'");
      if (g.members !== undefined && (!Array.isArray(g.members) || g.members.some((m) => typeof m !== 'string'))) throw ValidationError.of('members', 'a list of mailbox or group identities');
      const members = (g.members ?? []).map(recipient);
      const created = core.org.addGroup({ name: g.name, alias: g.alias, recipientTypeDetails: details, now: core.now() });
      for (const m of members) core.org.addMember(created, m);
      return groupView(created);
    },

    addGroupMember(groupId: string, member: string) {
      const g = group(groupId);
      core.org.addMember(g, recipient(member));
      return groupView(g);
    },

    listGroups: () => core.org.groups.view().map(groupView),

    setPartnershipFlag(id: string, value: boolean | null) {
      const mailbox = typeof id === 'string' ? core.org.findMailbox(id) : undefined;
      if (!mailbox) throw new NotFoundError(`No mailbox '${id}'.`, { mailbox: id });
      if (value !== null && typeof value !== 'boolean') throw ValidationError.of('value', 'true, false, or null to follow the partnerships');
      mailbox.partnershipFlag = value;
      return mailboxView(mailbox);
    },

    onNextCall(cmdletName: string, fn: () => void | Promise<void>) {
      if (!core.registry.has(String(cmdletName).toLowerCase())) throw ValidationError.of('cmdlet', `'${cmdletName}' is not an emulated cmdlet`);
      if (typeof fn !== 'function') throw ValidationError.of('fn', 'a function to run before the call');
      core.onNextCall(cmdletName, fn);
    },

    setTenantConcurrencyLimit(limit: number | null, o: { retryAfterSeconds?: number | null } = {}) {
      core.tenantConcurrency.limit = concurrencyLimit(limit);
      if (o.retryAfterSeconds !== undefined) {
        if (o.retryAfterSeconds !== null && (typeof o.retryAfterSeconds !== 'number' || o.retryAfterSeconds < 0)) throw ValidationError.of('retryAfterSeconds', 'a number >= 0, or null for no header');
        core.tenantConcurrency.retryAfterSeconds = o.retryAfterSeconds;
      }
    },

    getMailbox(id: string) {
      const m = core.org.findMailbox(id);
      return m ? mailboxView(m) : undefined;
    },

    invoke: (cmdletName: string, parameters: Record<string, unknown> = {}): WireObject[] => invokeAsAdministrator(core, cmdletName, parameters),

    setFaults(f: FaultSettings) {
      const { tenantConcurrencyLimit, ...faults } = f ?? {};
      const limit = tenantConcurrencyLimit === undefined ? undefined : concurrencyLimit(tenantConcurrencyLimit);
      core.faults.set(faults);
      core.budget.configure(f?.budget);
      if (limit !== undefined) core.tenantConcurrency.limit = limit;
    },

    clearFaults() {
      core.faults.clear();
      core.budget.configure(undefined);
      core.tenantConcurrency.limit = core.options.tenantConcurrencyLimit;
      core.tenantConcurrency.retryAfterSeconds = 1;
    },

    denyCmdlets(o: string[] | { names: string[]; style?: DenyStyle }) {
      const { names, style = '403' } = Array.isArray(o) ? { names: o } : (o ?? { names: undefined as unknown as string[] });
      if (!Array.isArray(names)) throw ValidationError.of('names', 'a list of cmdlet names');
      if (!DENY_STYLES.includes(style)) throw ValidationError.of('style', "'403' (NUL-byte body) or '401' (\"User is not allowed to call <cmdlet>\")");
      for (const n of names) core.denied.set(String(n).toLowerCase(), style);
    },

    allowAll() {
      core.denied.clear();
    },

    deniedCmdlets: () => [...core.denied.keys()].map((n) => core.registry.get(n)?.name ?? n),

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
