/**
 * The emulated organisation: recipients (mailboxes and groups), device partnerships,
 * mailbox policies, access rules and organisation settings, with the indexes lookups
 * need. Pure in-memory state; times come in as arguments so the emulator's clock stays
 * the only source of "now". The rules Exchange applies live beside it: access and wipe
 * in device-rules.ts, policies and rules in configuration.ts (the methods here delegate).
 */
import { randomUUID } from 'node:crypto';
import { cmdletErrors } from '../exchange-errors';
import * as config from './configuration';
import * as rules from './device-rules';
import type { AccessDecision } from './device-rules';
import type {
  AccessLevel,
  AccessRule,
  Device,
  DeviceInit,
  Group,
  GroupTypeDetails,
  Mailbox,
  MailboxInit,
  MailboxPolicy,
  OrgSettings,
  PolicyValue,
  Recipient,
  RuleCharacteristic,
  WipeTimes,
} from './model';
import { SeqList } from './seq-list';

export type { AccessDecision };
export type { DeviceInit, MailboxInit } from './model';

/** The forest part of every distinguished name, as in EXO. */
const FOREST_DN = 'OU=Microsoft Exchange Hosted Organizations,DC=EURPR01A005,DC=PROD,DC=OUTLOOK,DC=COM';
const FOREST_CANONICAL = 'EURPR01A005.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations';
export const DEVICE_CONTAINER = 'ExchangeActiveSyncDevices';

const lower = (s: string) => s.toLowerCase();
const sameCi = (a: string, b: string) => a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());

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

  constructor(o: { domain: string; now: number; vanityDomain?: string }) {
    this.domain = o.domain.toLowerCase();
    this.vanityDomain =
      o.vanityDomain?.toLowerCase() ?? (this.domain.endsWith('.onmicrosoft.com') ? this.domain.replace(/\.onmicrosoft\.com$/, '.com') : `mail.${this.domain}`);
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
      partnershipFlag: null,
      devices: new SeqList<Device>(),
      groups: [],
    };
    this.mailboxes.add(mailbox);
    this.recipients.add(mailbox);
    this.indexRecipient(mailbox);
    return mailbox;
  }

  /** Deletes the mailbox, its partnerships and its group memberships; later lookups of it fail. */
  removeMailbox(mailbox: Mailbox): void {
    for (const d of [...mailbox.devices]) this.removeDevice(d);
    for (const g of mailbox.groups) g.members.remove(mailbox);
    mailbox.groups.length = 0;
    this.mailboxes.remove(mailbox);
    this.recipients.remove(mailbox);
    this.unindexRecipient(mailbox);
  }

  addGroup(g: { name: string; alias?: string; recipientTypeDetails: GroupTypeDetails; guid?: string; externalDirectoryObjectId?: string; now: number }): Group {
    const alias = g.alias ?? g.name.replace(/[^A-Za-z0-9]/g, '');
    const primary = `${alias.toLowerCase()}@${this.domain}`;
    if (this.findRecipient(alias) || this.findRecipient(g.name) || this.findRecipient(primary)) throw cmdletErrors.alreadyExists(this.distinguishedName(g.name));
    const group: Group = {
      kind: 'group',
      seq: this.nextSeq(),
      guid: g.guid ?? randomUUID(),
      externalDirectoryObjectId: g.externalDirectoryObjectId ?? randomUUID(),
      name: g.name,
      displayName: g.name,
      alias,
      primarySmtpAddress: primary,
      distinguishedName: this.distinguishedName(g.name),
      recipientTypeDetails: g.recipientTypeDetails,
      whenCreated: g.now,
      whenChanged: g.now,
      members: new SeqList<Recipient>(),
      groups: [],
    };
    this.groups.add(group);
    this.recipients.add(group);
    this.indexRecipient(group);
    return group;
  }

  /** A direct member (mailbox or nested group). Loops through nesting are allowed, as in Exchange; a group never holds itself. */
  addMember(group: Group, member: Recipient): void {
    if (member === group) throw cmdletErrors.invalidOperation(`The group '${group.name}' can't be a member of itself.`);
    if (group.members.has(member)) return;
    group.members.add(member);
    member.groups.push(group);
  }

  private keysOf(r: Recipient): string[] {
    const common = [r.guid, r.externalDirectoryObjectId, r.alias, r.name, r.primarySmtpAddress, r.distinguishedName];
    return r.kind === 'mailbox' ? [...common, r.upn] : common;
  }

  private indexRecipient(r: Recipient): void {
    for (const k of this.keysOf(r)) {
      const key = lower(k);
      if (!this.recipientKeys.has(key)) this.recipientKeys.set(key, r);
    }
  }

  private unindexRecipient(r: Recipient): void {
    for (const k of this.keysOf(r)) if (this.recipientKeys.get(lower(k)) === r) this.recipientKeys.delete(lower(k));
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

  /**
   * The partnership's Name: `<DeviceType>§<DeviceId>` for ActiveSync; Outlook for iOS and
   * Android partnerships are `REST§Outlook§<id>` (ClientType REST) or `Hx§Outlook§<id>`
   * (ClientType Outlook, the Hx sync stack), as the reference says.
   */
  deviceName(d: Device): string {
    if (d.clientType === 'EAS') return `${d.deviceType}§${d.deviceId}`;
    return `${d.clientType === 'REST' ? 'REST' : 'Hx'}§${d.deviceType}§${d.deviceId}`;
  }

  /** `<mailbox Name>\ExchangeActiveSyncDevices\<object name>`, as EXO shows it: the Name is not escaped. */
  deviceIdentity(d: Device): string {
    return `${d.mailbox.name}\\${DEVICE_CONTAINER}\\${this.deviceName(d)}`;
  }

  deviceDistinguishedName(d: Device): string {
    return `CN=${this.deviceName(d)},CN=${DEVICE_CONTAINER},CN=${d.mailbox.name},OU=${this.domain},${FOREST_DN}`;
  }

  /**
   * The owner part of a device Identity: everything before the literal
   * `\ExchangeActiveSyncDevices\` (case-insensitive), or the CN after it in a DN; undefined
   * when the text is neither.
   */
  static splitDeviceIdentity(id: string): { owner: string; name: string } | undefined {
    const text = id.trim();
    const marker = `\\${lower(DEVICE_CONTAINER)}\\`;
    const at = lower(text).indexOf(marker);
    if (at > 0) return { owner: text.slice(0, at), name: text.slice(at + marker.length) };
    const dn = /^CN=([^,]+),CN=ExchangeActiveSyncDevices,CN=([^,]+),/i.exec(text);
    return dn ? { owner: dn[2], name: dn[1] } : undefined;
  }

  /** By Guid, Identity (`<mailbox>\ExchangeActiveSyncDevices\<name>`, any mailbox identity accepted) or DN. */
  findDevice(id: string): Device | undefined {
    const byGuid = this.devicesByGuid.get(lower(id.trim()));
    if (byGuid) return byGuid;
    const parts = Org.splitDeviceIdentity(id);
    if (!parts) return undefined;
    const mailbox = this.findMailbox(parts.owner);
    if (!mailbox) return undefined;
    for (const d of mailbox.devices) if (sameCi(this.deviceName(d), parts.name)) return d;
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
      // Outlook mobile wipes its own data whatever it is sent (device-actions.md), so it takes wipes.
      isRemoteWipeSupported: init.isRemoteWipeSupported ?? true,
      fullWipe: rules.noWipe(),
      accountOnlyWipe: rules.noWipe(),
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

  /** HasActiveSyncDevicePartnership as cmdlets report it (possibly stale). */
  hasPartnershipFlag(m: Mailbox): boolean {
    return m.partnershipFlag ?? m.devices.size > 0;
  }

  removeDevice(d: Device): void {
    this.devices.remove(d);
    d.mailbox.devices.remove(d);
    this.devicesByGuid.delete(lower(d.guid));
  }

  // ---- access and wipe (device-rules.ts) ----------------------------------------

  evaluateAccess = (d: Device): AccessDecision => rules.evaluateAccess(this, d);
  setDeviceLists = (mb: Mailbox, lists: { allowed?: string[]; blocked?: string[] }, now: number): void => rules.setDeviceLists(this, mb, lists, now);
  currentWipe = (d: Device): WipeTimes | null => rules.currentWipe(d);
  /** Get-MobileDeviceStatistics' Status (a wipe status only). */
  status = (d: Device): string => rules.wipeStatus(d);
  statusNote = (d: Device): string => rules.wipeStatusNote(d);
  requestWipe = (d: Device, o: { accountOnly: boolean; requestor: string; notify: string[]; now: number }): void => rules.requestWipe(d, o);
  cancelWipe = (d: Device, now: number, identity: string): void => rules.cancelWipe(d, now, identity);
  checkIn = (d: Device, now: number): void => rules.checkIn(this, d, now);

  // ---- policies and rules (configuration.ts) ------------------------------------

  addPolicy = (p: { name: string; isDefault?: boolean; settings?: Map<string, PolicyValue>; now: number }): MailboxPolicy => config.addPolicy(this, p);
  configurationDn = (cn: string): string => config.configurationDn(this, cn);
  policyDn = (name: string): string => config.policyDn(this, name);
  makeDefault = (policy: MailboxPolicy, now: number): void => config.makeDefault(this, policy, now);
  findPolicy = (id: string): MailboxPolicy | undefined => config.findPolicy(this, id);
  defaultPolicy = (): MailboxPolicy => config.defaultPolicy(this);
  effectivePolicy = (mb: Mailbox): MailboxPolicy => config.effectivePolicy(this, mb);
  removePolicy = (p: MailboxPolicy): void => config.removePolicy(this, p);
  addRule = (r: { queryString: string; characteristic: RuleCharacteristic; accessLevel: AccessLevel; now: number }): AccessRule => config.addRule(this, r);
  ruleDn = (name: string): string => config.ruleDn(this, name);
  findRule = (id: string): AccessRule | undefined => config.findRule(this, id);
  removeRule = (r: AccessRule): void => {
    this.accessRules.remove(r);
  };
}
