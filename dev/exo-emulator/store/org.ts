/**
 * The emulated organisation: the facade the cmdlets, the seed and the control interface
 * use. Pure in-memory state; times come in as arguments so the emulator's clock stays
 * the only source of "now". Each concern lives beside it and the methods here delegate:
 * recipients and their identity index in recipients.ts, partnerships (and those
 * Remove-MobileDevice deleted) in partnerships.ts, names and DNs in identities.ts, access
 * in device-rules.ts, the wipe in wipe.ts, a device connecting in connection.ts, policies
 * and rules in configuration.ts. One sequence counter spans them all, so every listing pages in
 * creation order (seq-list.ts).
 */
import * as config from './configuration';
import { newOrgSettings } from './org-settings';
import { type CheckInOptions, checkIn, reconnect, type RemovedPartnership } from './connection';
import * as rules from './device-rules';
import type { AccessDecision, ReleasedFromLists } from './device-rules';
import * as names from './identities';
import type {
  AccessLevel,
  AccessRule,
  Device,
  DeviceInit,
  Group,
  Mailbox,
  MailboxInit,
  MailboxPolicy,
  OrgSettings,
  PolicyValue,
  Recipient,
  RuleCharacteristic,
  WipeTimes,
} from './model';
import * as wipes from './wipe';
import type { WipeKind, WipeNotice } from './wipe';
import { newDevice, Partnerships } from './partnerships';
import { RecipientDirectory, type GroupInit } from './recipients';
import { SeqList } from './seq-list';

export type { AccessDecision, CheckInOptions, ReleasedFromLists, RemovedPartnership, WipeNotice };

/** How many wipe notification mails the emulator keeps (control: wipeNotifications). */
const NOTIFICATION_LOG = 1000;
export type { DeviceInit, MailboxInit } from './model';
export { DEVICE_CONTAINER } from './identities';

const sameCi = (a: string, b: string) => a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());

export class Org {
  readonly domain: string;
  /** The "vanity" domain some users' primary SMTP addresses use instead of the onmicrosoft one. */
  readonly vanityDomain: string;
  private seqCounter = 0;
  private readonly directory: RecipientDirectory;
  private readonly partnerships = new Partnerships();
  private readonly notices: WipeNotice[] = [];

  readonly devices: SeqList<Device> = this.partnerships.devices;
  readonly mailboxes: SeqList<Mailbox>;
  readonly groups: SeqList<Group>;
  readonly recipients: SeqList<Recipient>;
  readonly policies = new SeqList<MailboxPolicy>();
  readonly accessRules = new SeqList<AccessRule>();
  readonly orgSettings: OrgSettings;
  /** Moves whenever the access rules change (device-rules.ts keeps an index keyed on it). */
  rulesVersion = 0;

  constructor(o: { domain: string; now: number; vanityDomain?: string }) {
    this.domain = o.domain.toLowerCase();
    this.vanityDomain =
      o.vanityDomain?.toLowerCase() ?? (this.domain.endsWith('.onmicrosoft.com') ? this.domain.replace(/\.onmicrosoft\.com$/, '.com') : `mail.${this.domain}`);
    this.directory = new RecipientDirectory(this.domain, () => this.nextSeq());
    this.mailboxes = this.directory.mailboxes;
    this.groups = this.directory.groups;
    this.recipients = this.directory.recipients;
    this.orgSettings = newOrgSettings(o.now);
    this.addPolicy({ name: 'Default', isDefault: true, now: o.now });
  }

  nextSeq(): number {
    return ++this.seqCounter;
  }

  // ---- names (identities.ts) ----------------------------------------------------

  distinguishedName(cn: string): string {
    return names.distinguishedName(this.domain, cn);
  }

  /** The canonical name EXO shows as a device's UserDisplayName (not the user's display name). */
  canonicalName(name: string): string {
    return names.canonicalName(this.domain, name);
  }

  deviceName(d: Device): string {
    return names.deviceName(d);
  }

  deviceIdentity(d: Device): string {
    return names.deviceIdentity(d);
  }

  deviceDistinguishedName(d: Device): string {
    return names.deviceDistinguishedName(this.domain, d);
  }

  static splitDeviceIdentity(id: string): { owner: string; name: string } | undefined {
    return names.splitDeviceIdentity(id);
  }

  // ---- recipients (recipients.ts) -----------------------------------------------

  addMailbox(m: MailboxInit): Mailbox {
    return this.directory.addMailbox(m);
  }

  addGroup(g: GroupInit): Group {
    return this.directory.addGroup(g);
  }

  addMember(group: Group, member: Recipient): void {
    this.directory.addMember(group, member);
  }

  /** Any recipient identity Exchange resolves: GUID, ExternalDirectoryObjectId, alias, Name, UPN, SMTP address, DN. */
  findRecipient(id: string): Recipient | undefined {
    return this.directory.find(id);
  }

  /** Deletes the mailbox, its partnerships and its group memberships; later lookups of it fail. */
  removeMailbox(mailbox: Mailbox): void {
    for (const d of [...mailbox.devices]) this.removeDevice(d);
    this.directory.removeMailbox(mailbox);
  }

  findMailbox(id: string): Mailbox | undefined {
    const r = this.findRecipient(id);
    return r?.kind === 'mailbox' ? r : undefined;
  }

  findGroup(id: string): Group | undefined {
    const r = this.findRecipient(id);
    return r?.kind === 'group' ? r : undefined;
  }

  // ---- devices (partnerships.ts) ------------------------------------------------

  /** By Guid, Identity (`<mailbox>\ExchangeActiveSyncDevices\<name>`, any mailbox identity accepted) or DN. */
  findDevice(id: string): Device | undefined {
    const byGuid = this.partnerships.findByGuid(id);
    if (byGuid) return byGuid;
    const parts = names.splitDeviceIdentity(id);
    if (!parts) return undefined;
    const mailbox = this.findMailbox(parts.owner);
    if (!mailbox) return undefined;
    for (const d of mailbox.devices) if (sameCi(names.deviceName(d), parts.name)) return d;
    return undefined;
  }

  /** For the control interface: also a DeviceId when exactly one partnership has it. */
  findDeviceLoosely(id: string): Device | undefined {
    return this.findDevice(id) ?? this.partnerships.onlyWithDeviceId(id);
  }

  /** A new partnership, its access evaluated as Exchange does at first sync unless the caller sets it. */
  addDevice(init: DeviceInit): Device {
    const device = newDevice(init, { nextSeq: () => this.nextSeq(), domain: this.domain });
    const access = init.access ?? this.evaluateAccess(device);
    device.accessState = access.state;
    device.accessStateReason = access.reason;
    device.accessControlRule = access.rule;
    this.partnerships.add(device);
    return device;
  }

  /** HasActiveSyncDevicePartnership as cmdlets report it (possibly stale). */
  hasPartnershipFlag(m: Mailbox): boolean {
    return m.partnershipFlag ?? m.devices.size > 0;
  }

  /** The partnership is gone for good (control: removeDevice; its mailbox was deleted). */
  removeDevice(d: Device): void {
    this.partnerships.remove(d);
  }

  /**
   * Remove-MobileDevice: deletes the partnership record only (its pending wipe goes with
   * it: Exchange 2013's RemoveMobileDevice deletes the device's sync state, where the wipe
   * lives). The user's device lists stay. The phone stays configured and re-creates a
   * partnership at its next check-in, unless it acknowledged a wipe (choice: a wiped phone
   * or mail account does not come back by itself).
   */
  removePartnership(d: Device, now: number): RemovedPartnership {
    const wipedBefore = this.currentWipe(d)?.ackTime != null;
    return this.partnerships.retire(d, now, !wipedBefore);
  }

  /** A partnership Remove-MobileDevice deleted, by its old Guid or (unique) DeviceId. */
  findRemoved(id: string): RemovedPartnership | undefined {
    return this.partnerships.findRemoved(id);
  }

  removedPartnerships(): RemovedPartnership[] {
    return this.partnerships.removed();
  }

  /** The removed partnership's phone connects: a new partnership, or null when it cannot come back. */
  reconnect = (r: RemovedPartnership, now: number): Device | null => reconnect(this, r, now);

  // ---- access and wipe (device-rules.ts) ----------------------------------------

  evaluateAccess = (d: Device): AccessDecision => rules.evaluateAccess(this, d);
  /** Re-evaluates every partnership (or those given) at once; returns how many changed (device-rules.ts). */
  reevaluateAccess = (now: number, only?: Iterable<Device>): number => rules.reevaluateAccess(this, now, only);
  setDeviceLists = (mb: Mailbox, lists: { allowed?: string[]; blocked?: string[] }, o: { now: number; released: ReleasedFromLists }): void =>
    rules.setDeviceLists(this, mb, lists, o);
  currentWipe = (d: Device): WipeTimes | null => wipes.currentWipe(d);
  wipePending = (d: Device): boolean => wipes.wipePending(d);
  /** Get-MobileDeviceStatistics' Status (a wipe status only). */
  status = (d: Device): string => wipes.wipeStatus(d);
  statusNote = (d: Device): string => wipes.wipeStatusNote(d);
  requestWipe = (d: Device, o: { kind: WipeKind; requestor: string; notify: string[]; now: number }): void => wipes.requestWipe(d, o);
  cancelWipe = (d: Device, o: { now: number; identity: string; afterPickUp: 'error' | 'warning' }): string | null => wipes.cancelWipe(d, o);
  checkIn = (d: Device, now: number, o?: CheckInOptions): boolean => checkIn(this, d, now, o);

  /** A wipe confirmation mail Exchange sends when a device acknowledges a wipe. */
  recordNotification(n: WipeNotice): void {
    this.notices.push(n);
    if (this.notices.length > NOTIFICATION_LOG * 2) this.notices.splice(0, this.notices.length - NOTIFICATION_LOG);
  }

  notifications(): readonly WipeNotice[] {
    return this.notices.slice(-NOTIFICATION_LOG);
  }

  // ---- policies and rules (configuration.ts) ------------------------------------

  addPolicy = (p: { name: string; isDefault?: boolean; settings?: Map<string, PolicyValue>; now: number }): MailboxPolicy => config.addPolicy(this, p);
  configurationDn = (cn: string): string => config.configurationDn(this, cn);
  policyDn = (name: string): string => config.policyDn(this, name);
  makeDefault = (policy: MailboxPolicy, now: number): void => config.makeDefault(this, policy, now);
  findPolicy = (id: string): MailboxPolicy | undefined => config.findPolicy(this, id);
  defaultPolicy = (): MailboxPolicy => config.defaultPolicy(this);
  effectivePolicy = (mb: Mailbox): MailboxPolicy => config.effectivePolicy(this, mb);
  removePolicy = (p: MailboxPolicy): Mailbox[] => config.removePolicy(this, p);
  assignedMailboxes = (p: MailboxPolicy): Mailbox[] => config.assignedMailboxes(this, p);
  addRule = (r: { queryString: string; characteristic: RuleCharacteristic; accessLevel: AccessLevel; now: number }): AccessRule => config.addRule(this, r);
  ruleDn = (name: string): string => config.ruleDn(this, name);
  findRule = (id: string): AccessRule | undefined => config.findRule(this, id);
  removeRule = (r: AccessRule): void => config.removeRule(this, r);
}
