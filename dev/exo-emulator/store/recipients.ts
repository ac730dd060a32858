/**
 * The organisation's recipients: mailboxes and mail-enabled groups, with the one index
 * every cmdlet's -Identity resolves through. Exchange resolves a recipient by any of its
 * identities (GUID, ExternalDirectoryObjectId, alias, Name, UPN, SMTP address, DN), case
 * insensitively; the first recipient to claim a key keeps it.
 */
import { randomUUID } from 'node:crypto';
import { cmdletErrors } from '../exchange-errors';
import { distinguishedName } from './identities';
import type { Device, Group, GroupTypeDetails, Mailbox, MailboxInit, Recipient } from './model';
import { SeqList } from './seq-list';

const lower = (s: string) => s.toLowerCase();

export interface GroupInit {
  name: string;
  alias?: string;
  recipientTypeDetails: GroupTypeDetails;
  guid?: string;
  externalDirectoryObjectId?: string;
  now: number;
}

export class RecipientDirectory {
  readonly mailboxes = new SeqList<Mailbox>();
  readonly groups = new SeqList<Group>();
  readonly recipients = new SeqList<Recipient>();
  private readonly keys = new Map<string, Recipient>();

  constructor(
    private readonly domain: string,
    private readonly nextSeq: () => number,
  ) {}

  addMailbox(m: MailboxInit): Mailbox {
    const upn = (m.upn ?? `${m.alias}@${this.domain}`).toLowerCase();
    const primary = m.primarySmtpAddress ?? upn;
    const name = m.name ?? m.alias;
    if (this.find(m.alias) || this.find(name) || this.find(upn) || this.find(primary)) {
      throw cmdletErrors.alreadyExists(distinguishedName(this.domain, name));
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
      distinguishedName: distinguishedName(this.domain, name),
      department: m.department ?? null,
      whenCreated: m.whenCreated,
      whenChanged: m.whenCreated,
      activeSyncEnabled: true,
      policy: null,
      allowedDeviceIds: [],
      blockedDeviceIds: [],
      partnershipFlag: null,
      deletes: null,
      devices: new SeqList<Device>(),
      groups: [],
    };
    this.mailboxes.add(mailbox);
    this.recipients.add(mailbox);
    this.index(mailbox);
    return mailbox;
  }

  /** Drops the mailbox and its group memberships (its partnerships are the Org's to remove first). */
  removeMailbox(mailbox: Mailbox): void {
    for (const g of mailbox.groups) g.members.remove(mailbox);
    mailbox.groups.length = 0;
    this.mailboxes.remove(mailbox);
    this.recipients.remove(mailbox);
    this.unindex(mailbox);
  }

  addGroup(g: GroupInit): Group {
    const alias = g.alias ?? g.name.replace(/[^A-Za-z0-9]/g, '');
    const primary = `${alias.toLowerCase()}@${this.domain}`;
    if (this.find(alias) || this.find(g.name) || this.find(primary)) throw cmdletErrors.alreadyExists(distinguishedName(this.domain, g.name));
    const group: Group = {
      kind: 'group',
      seq: this.nextSeq(),
      guid: g.guid ?? randomUUID(),
      externalDirectoryObjectId: g.externalDirectoryObjectId ?? randomUUID(),
      name: g.name,
      displayName: g.name,
      alias,
      primarySmtpAddress: primary,
      distinguishedName: distinguishedName(this.domain, g.name),
      recipientTypeDetails: g.recipientTypeDetails,
      whenCreated: g.now,
      whenChanged: g.now,
      members: new SeqList<Recipient>(),
      groups: [],
    };
    this.groups.add(group);
    this.recipients.add(group);
    this.index(group);
    return group;
  }

  /** A direct member (mailbox or nested group). Loops through nesting are allowed, as in Exchange; a group never holds itself. */
  addMember(group: Group, member: Recipient): void {
    if (member === group) throw cmdletErrors.invalidOperation(`The group '${group.name}' can't be a member of itself.`);
    if (group.members.has(member)) return;
    group.members.add(member);
    member.groups.push(group);
  }

  /** Any recipient identity Exchange resolves: GUID, ExternalDirectoryObjectId, alias, Name, UPN, SMTP address, DN. */
  find(id: string): Recipient | undefined {
    return this.keys.get(lower(id.trim()));
  }

  private keysOf(r: Recipient): string[] {
    const common = [r.guid, r.externalDirectoryObjectId, r.alias, r.name, r.primarySmtpAddress, r.distinguishedName];
    return r.kind === 'mailbox' ? [...common, r.upn] : common;
  }

  private index(r: Recipient): void {
    for (const k of this.keysOf(r)) {
      const key = lower(k);
      if (!this.keys.has(key)) this.keys.set(key, r);
    }
  }

  private unindex(r: Recipient): void {
    for (const k of this.keysOf(r)) if (this.keys.get(lower(k)) === r) this.keys.delete(lower(k));
  }
}
