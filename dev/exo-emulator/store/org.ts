/**
 * The emulated Exchange organisation: recipients, device partnerships, mailbox policies,
 * access rules and organisation settings, with the indexes lookups need and the rules
 * Exchange applies (access evaluation, the wipe state machine). Pure in-memory state;
 * times come in as arguments so the emulator's clock stays the only source of "now".
 */
import { randomUUID } from 'node:crypto';
import { cmdletErrors } from '../exchange-errors';
import type {
  AccessLevel,
  AccessRule,
  AccessState,
  ClientType,
  Device,
  Group,
  Mailbox,
  MailboxPolicy,
  OrgSettings,
  PolicyValue,
  Recipient,
  RuleCharacteristic,
  WipeTimes,
} from './model';
import { defaultPolicySettings } from './policy-settings';
import { SeqList } from './seq-list';

/** The forest part of every distinguished name, as in EXO. */
const FOREST_DN = 'OU=Microsoft Exchange Hosted Organizations,DC=EURPR01A005,DC=PROD,DC=OUTLOOK,DC=COM';
const FOREST_CANONICAL = 'EURPR01A005.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations';
const DEVICE_CONTAINER = 'ExchangeActiveSyncDevices';

export interface MailboxInit {
  guid?: string;
  externalDirectoryObjectId?: string;
  alias: string;
  name?: string;
  displayName?: string;
  firstName?: string | null;
  lastName?: string | null;
  upn?: string;
  primarySmtpAddress?: string;
  department?: string | null;
  whenCreated: number;
}

export interface DeviceInit {
  guid?: string;
  mailbox: Mailbox;
  deviceId: string;
  deviceType: string;
  clientType: ClientType;
  deviceModel?: string | null;
  deviceOs?: string | null;
  deviceOsLanguage?: string | null;
  deviceUserAgent?: string | null;
  deviceTelephoneNumber?: string | null;
  deviceImei?: string | null;
  deviceMobileOperator?: string | null;
  friendlyName?: string | null;
  activeSyncVersion?: string | null;
  /** Default: evaluated (individual lists, rules, default access level). */
  access?: { state: AccessState; reason: string; rule: string | null };
  isManaged?: boolean;
  isCompliant?: boolean;
  isDisabled?: boolean;
  provisioningFlags?: number;
  firstSyncTime: number | null;
  whenCreated: number;
  whenChanged?: number;
  lastSuccessSync: number | null;
  lastSyncAttemptTime: number | null;
  lastPolicyUpdateTime?: number | null;
  policyApplicationStatus?: string;
  numberOfFoldersSynced?: number;
  isRemoteWipeSupported?: boolean;
}

export interface AccessDecision {
  state: AccessState;
  reason: string;
  rule: string | null;
}

const levelToState: Record<AccessLevel, AccessState> = { Allow: 'Allowed', Block: 'Blocked', Quarantine: 'Quarantined' };

/** Exchange prefers the most specific rule: a model rule beats a device family (type) rule. */
const RULE_PRECEDENCE: readonly RuleCharacteristic[] = ['DeviceModel', 'DeviceType', 'DeviceOS', 'UserAgent', 'XMSWLHeader'];

const noWipe = (): WipeTimes => ({ requestTime: null, sentTime: null, ackTime: null });
const lower = (s: string) => s.toLowerCase();
const sameCi = (a: string, b: string) => a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
const includesCi = (list: readonly string[], value: string) => list.some((x) => sameCi(x, value));

export class Org {
  readonly domain: string;
  /** The "vanity" domain some users' primary SMTP addresses use instead of the onmicrosoft one. */
  readonly vanityDomain: string;
  private seqCounter = 0;

  readonly devices = new SeqList<Device>();
  private readonly devicesByGuid = new Map<string, Device>();
  readonly mailboxes = new SeqList<Mailbox>();
  readonly groups = new SeqList<Group>();
  readonly recipients = new SeqList<Recipient>();
  private readonly recipientKeys = new Map<string, Recipient>();
  readonly policies = new SeqList<MailboxPolicy>();
  readonly accessRules = new SeqList<AccessRule>();
  readonly orgSettings: OrgSettings;

  constructor(o: { domain: string; now: number }) {
    this.domain = o.domain.toLowerCase();
    this.vanityDomain = this.domain.endsWith('.onmicrosoft.com') ? this.domain.replace(/\.onmicrosoft\.com$/, '.com') : `mail.${this.domain}`;
    this.orgSettings = {
      guid: randomUUID(),
      defaultAccessLevel: 'Allow',
      adminMailRecipients: [],
      userMailInsert: null,
      otaNotificationMailInsert: null,
      allowAccessForUnSupportedPlatform: false,
      whenChanged: o.now,
    };
    this.addPolicy({ name: 'Default', isDefault: true, now: o.now });
  }

  nextSeq(): number {
    return ++this.seqCounter;
  }

  distinguishedName(cn: string): string {
    return `CN=${cn},OU=${this.domain},${FOREST_DN}`;
  }

  /** The canonical name EXO shows as a device's UserDisplayName (not the user's display name). */
  canonicalName(name: string): string {
    return `${FOREST_CANONICAL}/${this.domain}/${name}`;
  }

  // ---- recipients ---------------------------------------------------------------

  addMailbox(m: MailboxInit): Mailbox {
    const upn = (m.upn ?? `${m.alias}@${this.domain}`).toLowerCase();
    const primary = m.primarySmtpAddress ?? upn;
    const name = m.name ?? m.alias;
    if (this.findRecipient(m.alias) || this.findRecipient(name) || this.findRecipient(upn) || this.findRecipient(primary)) {
      throw cmdletErrors.alreadyExists(this.distinguishedName(name));
    }
    const emailAddresses = [`SMTP:${primary}`];
    if (lower(primary) !== upn) emailAddresses.push(`smtp:${upn}`);
    const mailbox: Mailbox = {
      kind: 'mailbox',
      seq: this.nextSeq(),
      guid: m.guid ?? randomUUID(),
      externalDirectoryObjectId: m.externalDirectoryObjectId ?? randomUUID(),
      alias: m.alias,
      name,
      displayName: m.displayName ?? m.alias,
      firstName: m.firstName ?? null,
      lastName: m.lastName ?? null,
      upn,
      primarySmtpAddress: primary,
      emailAddresses,
      distinguishedName: this.distinguishedName(name),
      department: m.department ?? null,
      whenCreated: m.whenCreated,
      whenChanged: m.whenCreated,
      activeSyncEnabled: true,
      policy: null,
      allowedDeviceIds: [],
      blockedDeviceIds: [],
      devices: new SeqList<Device>(),
      groups: [],
    };
    this.mailboxes.add(mailbox);
    this.recipients.add(mailbox);
    this.indexRecipient(mailbox, [mailbox.guid, mailbox.externalDirectoryObjectId, mailbox.alias, mailbox.name, upn, primary, mailbox.distinguishedName]);
    return mailbox;
  }

  addGroup(g: { name: string; alias?: string; recipientTypeDetails: Group['recipientTypeDetails']; guid?: string; externalDirectoryObjectId?: string; now: number }): Group {
    const alias = g.alias ?? g.name.replace(/[^A-Za-z0-9]/g, '');
    const group: Group = {
      kind: 'group',
      seq: this.nextSeq(),
      guid: g.guid ?? randomUUID(),
      externalDirectoryObjectId: g.externalDirectoryObjectId ?? randomUUID(),
      name: g.name,
      displayName: g.name,
      alias,
      primarySmtpAddress: `${alias.toLowerCase()}@${this.domain}`,
      distinguishedName: this.distinguishedName(g.name),
      recipientTypeDetails: g.recipientTypeDetails,
      whenCreated: g.now,
      whenChanged: g.now,
      members: new SeqList<Mailbox>(),
    };
    this.groups.add(group);
    this.recipients.add(group);
    this.indexRecipient(group, [group.guid, group.externalDirectoryObjectId, group.alias, group.name, group.primarySmtpAddress, group.distinguishedName]);
    return group;
  }

  addMember(group: Group, mailbox: Mailbox): void {
    if (group.members.has(mailbox)) return;
    group.members.add(mailbox);
    mailbox.groups.push(group);
  }

  private indexRecipient(r: Recipient, keys: string[]): void {
    for (const k of keys) {
      const key = lower(k);
      if (!this.recipientKeys.has(key)) this.recipientKeys.set(key, r);
    }
  }

  /** Any recipient identity Exchange resolves: GUID, ExternalDirectoryObjectId, alias, Name, UPN, SMTP address, DN. */
  findRecipient(id: string): Recipient | undefined {
    return this.recipientKeys.get(lower(id.trim()));
  }

  findMailbox(id: string): Mailbox | undefined {
    const r = this.findRecipient(id);
    return r?.kind === 'mailbox' ? r : undefined;
  }

  findGroup(id: string): Group | undefined {
    const r = this.findRecipient(id);
    return r?.kind === 'group' ? r : undefined;
  }

  // ---- devices ------------------------------------------------------------------

  /** `<DeviceType>§<DeviceId>`: the partnership's Name. */
  deviceName(d: Device): string {
    return `${d.deviceType}§${d.deviceId}`;
  }

  /** `<mailbox Name>\ExchangeActiveSyncDevices\<DeviceType>§<DeviceId>`, as EXO shows it. */
  deviceIdentity(d: Device): string {
    return `${d.mailbox.name}\\${DEVICE_CONTAINER}\\${this.deviceName(d)}`;
  }

  deviceDistinguishedName(d: Device): string {
    return `CN=${this.deviceName(d)},CN=${DEVICE_CONTAINER},CN=${d.mailbox.name},OU=${this.domain},${FOREST_DN}`;
  }

  /** By Guid, Identity (`<mailbox>\ExchangeActiveSyncDevices\<type>§<id>`, any mailbox identity accepted) or DN. */
  findDevice(id: string): Device | undefined {
    const text = id.trim();
    const byGuid = this.devicesByGuid.get(lower(text));
    if (byGuid) return byGuid;
    let mailboxPart: string | undefined;
    let namePart: string | undefined;
    const marker = `\\${lower(DEVICE_CONTAINER)}\\`;
    const at = lower(text).indexOf(marker);
    if (at > 0) {
      mailboxPart = text.slice(0, at);
      namePart = text.slice(at + marker.length);
    } else {
      const dn = /^CN=([^,]+),CN=ExchangeActiveSyncDevices,CN=([^,]+),/i.exec(text);
      if (dn) [, namePart, mailboxPart] = dn;
    }
    if (!mailboxPart || !namePart) return undefined;
    const mailbox = this.findMailbox(mailboxPart);
    if (!mailbox) return undefined;
    for (const d of mailbox.devices) if (sameCi(this.deviceName(d), namePart)) return d;
    return undefined;
  }

  /** For the control interface: also a DeviceId when exactly one partnership has it. */
  findDeviceLoosely(id: string): Device | undefined {
    const d = this.findDevice(id);
    if (d) return d;
    let found: Device | undefined;
    for (const x of this.devices) {
      if (sameCi(x.deviceId, id)) {
        if (found) return undefined;
        found = x;
      }
    }
    return found;
  }

  addDevice(init: DeviceInit): Device {
    const { mailbox } = init;
    for (const d of mailbox.devices) {
      if (sameCi(d.deviceId, init.deviceId) && sameCi(d.deviceType, init.deviceType)) throw cmdletErrors.alreadyExists(this.deviceDistinguishedName(d));
    }
    const isOutlook = init.clientType !== 'EAS';
    const device: Device = {
      seq: this.nextSeq(),
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
      isRemoteWipeSupported: init.isRemoteWipeSupported ?? !isOutlook,
      fullWipe: noWipe(),
      accountOnlyWipe: noWipe(),
      wipeKind: null,
      lastDeviceWipeRequestor: null,
      lastAccountOnlyDeviceWipeRequestor: null,
      wipeNotificationAddresses: [],
    };
    const access = init.access ?? this.evaluateAccess(device);
    device.accessState = access.state;
    device.accessStateReason = access.reason;
    device.accessControlRule = access.rule;
    this.devices.add(device);
    mailbox.devices.add(device);
    this.devicesByGuid.set(lower(device.guid), device);
    return device;
  }

  removeDevice(d: Device): void {
    this.devices.remove(d);
    d.mailbox.devices.remove(d);
    this.devicesByGuid.delete(lower(d.guid));
  }

  // ---- access -------------------------------------------------------------------

  /**
   * Exchange's order: the user's own allowed/blocked device lists, then device access
   * rules, then the organisation's default access level.
   */
  evaluateAccess(d: Device): AccessDecision {
    const mb = d.mailbox;
    if (includesCi(mb.blockedDeviceIds, d.deviceId)) return { state: 'Blocked', reason: 'Individual', rule: null };
    if (includesCi(mb.allowedDeviceIds, d.deviceId)) return { state: 'Allowed', reason: 'Individual', rule: null };
    const rule = this.matchingRule(d);
    if (rule) return { state: levelToState[rule.accessLevel], reason: 'DeviceRule', rule: rule.name };
    return { state: levelToState[this.orgSettings.defaultAccessLevel], reason: 'Global', rule: null };
  }

  private matchingRule(d: Device): AccessRule | undefined {
    if (this.accessRules.size === 0) return undefined;
    const valueOf: Record<RuleCharacteristic, string | null> = {
      DeviceModel: d.deviceModel,
      DeviceType: d.deviceType,
      DeviceOS: d.deviceOs,
      UserAgent: d.deviceUserAgent,
      XMSWLHeader: null,
    };
    for (const characteristic of RULE_PRECEDENCE) {
      const value = valueOf[characteristic];
      if (value === null) continue;
      for (const r of this.accessRules) {
        if (r.characteristic === characteristic && lower(r.queryString) === lower(value)) return r;
      }
    }
    return undefined;
  }

  private applyAccess(d: Device, decision: AccessDecision, now: number): boolean {
    if (d.accessState === decision.state && d.accessStateReason === decision.reason && d.accessControlRule === decision.rule) return false;
    d.accessState = decision.state;
    d.accessStateReason = decision.reason;
    d.accessControlRule = decision.rule;
    d.whenChanged = now;
    return true;
  }

  /**
   * Set-CASMailbox's device lists act at once on the mailbox's partnerships they name
   * (and on those they stop naming); rules and the default level wait for the next sync.
   */
  setDeviceLists(mb: Mailbox, lists: { allowed?: string[]; blocked?: string[] }, now: number): void {
    const before = { allowed: mb.allowedDeviceIds, blocked: mb.blockedDeviceIds };
    if (lists.allowed) mb.allowedDeviceIds = lists.allowed;
    if (lists.blocked) mb.blockedDeviceIds = lists.blocked;
    mb.whenChanged = now;
    for (const d of mb.devices) {
      const named =
        includesCi(before.allowed, d.deviceId) ||
        includesCi(before.blocked, d.deviceId) ||
        includesCi(mb.allowedDeviceIds, d.deviceId) ||
        includesCi(mb.blockedDeviceIds, d.deviceId);
      if (named) this.applyAccess(d, this.evaluateAccess(d), now);
    }
  }

  // ---- wipe ---------------------------------------------------------------------

  currentWipe(d: Device): WipeTimes | null {
    if (d.wipeKind === 'full') return d.fullWipe;
    if (d.wipeKind === 'accountOnly') return d.accountOnlyWipe;
    return null;
  }

  /** Get-MobileDeviceStatistics' Status. */
  status(d: Device): string {
    const wipe = this.currentWipe(d);
    if (wipe && wipe.requestTime !== null) {
      if (wipe.ackTime === null) return 'DeviceWipePending';
      return d.wipeKind === 'full' ? 'DeviceWipeSucceeded' : 'AccountOnlyDeviceWipeSucceeded';
    }
    if (d.accessState === 'Blocked' || d.accessState === 'Quarantined') return 'DeviceBlocked';
    if (d.accessState === 'DeviceDiscovery') return 'DeviceDiscovery';
    return 'DeviceOk';
  }

  requestWipe(d: Device, o: { accountOnly: boolean; requestor: string; notify: string[]; now: number }): void {
    const other = o.accountOnly ? d.fullWipe : d.accountOnlyWipe;
    // A newer request of the other kind replaces one the device has not picked up yet.
    if (other.requestTime !== null && other.sentTime === null) Object.assign(other, noWipe());
    const wipe = o.accountOnly ? d.accountOnlyWipe : d.fullWipe;
    Object.assign(wipe, { requestTime: o.now, sentTime: null, ackTime: null });
    d.wipeKind = o.accountOnly ? 'accountOnly' : 'full';
    if (o.accountOnly) d.lastAccountOnlyDeviceWipeRequestor = o.requestor;
    else d.lastDeviceWipeRequestor = o.requestor;
    d.wipeNotificationAddresses = o.notify;
    d.whenChanged = o.now;
  }

  /** -Cancel works only until the device has picked the wipe up; cancelling nothing is a no-op. */
  cancelWipe(d: Device, now: number, identity: string): void {
    const wipe = this.currentWipe(d);
    if (!wipe || wipe.requestTime === null) return;
    if (wipe.sentTime !== null) {
      throw cmdletErrors.invalidOperation(
        `The wipe request for device '${identity}' has already been sent to the device and can't be canceled.`,
      );
    }
    Object.assign(wipe, noWipe());
    d.wipeKind = null;
    d.whenChanged = now;
  }

  /**
   * The device connects. A pending wipe is sent on this connection and acknowledged on
   * the next; a device that acknowledged a wipe no longer syncs. Otherwise its access is
   * re-evaluated and, for ActiveSync clients, the sync times move (only LastSyncAttemptTime
   * when it is not allowed to sync, or ActiveSync is disabled for the mailbox). Exchange keeps sync times in the mailbox, not in the
   * directory object, so a plain sync does not change WhenChanged.
   */
  checkIn(d: Device, now: number): void {
    const wipe = this.currentWipe(d);
    if (wipe && wipe.requestTime !== null) {
      if (wipe.ackTime !== null) return;
      if (wipe.sentTime === null) wipe.sentTime = now;
      else wipe.ackTime = now;
      d.whenChanged = now;
      if (d.clientType === 'EAS') d.lastSyncAttemptTime = now;
      return;
    }
    this.applyAccess(d, this.evaluateAccess(d), now);
    if (d.clientType !== 'EAS') return;
    d.lastSyncAttemptTime = now;
    if (d.accessState === 'Allowed' && d.mailbox.activeSyncEnabled) d.lastSuccessSync = now;
  }

  // ---- policies and rules -------------------------------------------------------

  addPolicy(p: { name: string; isDefault?: boolean; settings?: Map<string, PolicyValue>; now: number }): MailboxPolicy {
    if (this.findPolicy(p.name)) throw cmdletErrors.alreadyExists(this.policyDn(p.name));
    const policy: MailboxPolicy = {
      seq: this.nextSeq(),
      guid: randomUUID(),
      name: p.name,
      isDefault: false,
      whenCreated: p.now,
      whenChanged: p.now,
      settings: p.settings ?? defaultPolicySettings(),
    };
    this.policies.add(policy);
    if (p.isDefault) this.makeDefault(policy, p.now);
    return policy;
  }

  /** DN of an object in the tenant's configuration unit. */
  configurationDn(cn: string): string {
    return `CN=${cn},CN=Configuration,CN=${this.domain},CN=ConfigurationUnits,DC=EURPR01A005,DC=PROD,DC=OUTLOOK,DC=COM`;
  }

  policyDn(name: string): string {
    return this.configurationDn(`${name},CN=Mobile Mailbox Policies`);
  }

  makeDefault(policy: MailboxPolicy, now: number): void {
    for (const p of this.policies) {
      if (p !== policy && p.isDefault) {
        p.isDefault = false;
        p.whenChanged = now;
      }
    }
    policy.isDefault = true;
    policy.whenChanged = now;
  }

  findPolicy(id: string): MailboxPolicy | undefined {
    const key = lower(id.trim());
    for (const p of this.policies) {
      if (lower(p.name) === key || p.guid === key || lower(this.policyDn(p.name)) === key) return p;
    }
    return undefined;
  }

  defaultPolicy(): MailboxPolicy {
    for (const p of this.policies) if (p.isDefault) return p;
    // Exchange always has one; the emulator never removes the last default.
    return this.policies.view()[0];
  }

  effectivePolicy(mb: Mailbox): MailboxPolicy {
    return mb.policy && this.policies.has(mb.policy) ? mb.policy : this.defaultPolicy();
  }

  removePolicy(p: MailboxPolicy): void {
    this.policies.remove(p);
    for (const mb of this.mailboxes) if (mb.policy === p) mb.policy = null;
  }

  addRule(r: { queryString: string; characteristic: RuleCharacteristic; accessLevel: AccessLevel; now: number }): AccessRule {
    const name = `${r.queryString} (${r.characteristic})`;
    if (this.findRule(name)) throw cmdletErrors.alreadyExists(this.ruleDn(name));
    const rule: AccessRule = {
      seq: this.nextSeq(),
      guid: randomUUID(),
      name,
      queryString: r.queryString,
      characteristic: r.characteristic,
      accessLevel: r.accessLevel,
      whenCreated: r.now,
      whenChanged: r.now,
    };
    this.accessRules.add(rule);
    return rule;
  }

  ruleDn(name: string): string {
    return this.configurationDn(`${name},CN=Mobile Mailbox Settings`);
  }

  findRule(id: string): AccessRule | undefined {
    const key = lower(id.trim());
    for (const r of this.accessRules) {
      if (lower(r.name) === key || r.guid === key || lower(this.ruleDn(r.name)) === key) return r;
    }
    return undefined;
  }

  removeRule(r: AccessRule): void {
    this.accessRules.remove(r);
  }
}
