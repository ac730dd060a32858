/**
 * Recipient objects as Exchange returns them: Get-Mailbox (with UserPrincipalName, its
 * Identity its Name), Get-Recipient and group members (WindowsLiveID, no
 * UserPrincipalName), Get-User, Get-CASMailbox, Get-Group, and the recipient -Filter
 * properties.
 */
import type { Group, Mailbox, Recipient } from '../store/model';
import type { Org } from '../store/org';
import { formatByteSize } from '../values';
import type { WireObject } from '../wire';
import type { FilterProperties } from './opath';
import { EXCHANGE_SERVER, guidProp, listProp, OBJECT_STATE, times } from './wire-shapes';

function recipientCore(o: WireObject, r: Recipient): void {
  o.Name = r.name;
  o.Alias = r.alias;
  o.DisplayName = r.displayName;
  o.PrimarySmtpAddress = r.primarySmtpAddress;
  listProp(o, 'EmailAddresses', r.kind === 'mailbox' ? r.emailAddresses : [`SMTP:${r.primarySmtpAddress}`]);
  o.ExternalDirectoryObjectId = r.externalDirectoryObjectId;
  guidProp(o, 'Guid', r.guid);
}

/** A Microsoft 365 group is RecipientType MailUniversalDistributionGroup, RecipientTypeDetails GroupMailbox. */
export function recipientType(r: Recipient): string {
  return r.kind === 'mailbox' ? 'UserMailbox' : r.recipientTypeDetails === 'MailUniversalSecurityGroup' ? 'MailUniversalSecurityGroup' : 'MailUniversalDistributionGroup';
}

export function recipientTypeDetails(r: Recipient): string {
  return r.kind === 'mailbox' ? 'UserMailbox' : r.recipientTypeDetails;
}

function recipientTail(o: WireObject, r: Recipient): void {
  o.DistinguishedName = r.distinguishedName;
  o.Identity = r.name;
  o.Id = r.name;
  times(o, r.whenCreated, r.whenChanged);
  o.OriginatingServer = EXCHANGE_SERVER;
  o.IsValid = true;
  o.ObjectState = OBJECT_STATE;
}

export function mailboxObject(m: Mailbox): WireObject {
  const o: WireObject = {};
  recipientCore(o, m);
  o.UserPrincipalName = m.upn;
  o.WindowsEmailAddress = m.primarySmtpAddress;
  guidProp(o, 'ExchangeGuid', m.guid);
  o.RecipientType = 'UserMailbox';
  o.RecipientTypeDetails = 'UserMailbox';
  o.IsMailboxEnabled = true;
  o.HiddenFromAddressListsEnabled = false;
  o.ProhibitSendQuota = formatByteSize(99 * 1024 ** 3);
  o.ProhibitSendReceiveQuota = formatByteSize(100 * 1024 ** 3);
  recipientTail(o, m);
  return o;
}

export function recipientObject(r: Recipient): WireObject {
  const o: WireObject = {};
  recipientCore(o, r);
  o.WindowsLiveID = r.kind === 'mailbox' ? r.upn : '';
  o.RecipientType = recipientType(r);
  o.RecipientTypeDetails = recipientTypeDetails(r);
  o.Department = r.kind === 'mailbox' ? r.department : null;
  o.HiddenFromAddressListsEnabled = false;
  recipientTail(o, r);
  return o;
}

export function userObject(m: Mailbox): WireObject {
  const o: WireObject = {
    Name: m.name,
    DisplayName: m.displayName,
    FirstName: m.firstName ?? '',
    LastName: m.lastName ?? '',
    UserPrincipalName: m.upn,
    WindowsEmailAddress: m.primarySmtpAddress,
    Department: m.department ?? '',
    Title: '',
    ExternalDirectoryObjectId: m.externalDirectoryObjectId,
  };
  guidProp(o, 'Guid', m.guid);
  o.RecipientType = 'UserMailbox';
  o.RecipientTypeDetails = 'UserMailbox';
  o.AccountDisabled = false;
  recipientTail(o, m);
  return o;
}

export function casMailboxObject(org: Org, m: Mailbox): WireObject {
  const o: WireObject = {
    Name: m.name,
    DisplayName: m.displayName,
    PrimarySmtpAddress: m.primarySmtpAddress,
    ExternalDirectoryObjectId: m.externalDirectoryObjectId,
  };
  guidProp(o, 'Guid', m.guid);
  Object.assign(o, {
    ActiveSyncEnabled: m.activeSyncEnabled,
    ActiveSyncMailboxPolicy: org.effectivePolicy(m).name,
    ActiveSyncMailboxPolicyIsDefaulted: m.policy === null,
    ActiveSyncDebugLogging: false,
    ActiveSyncSuppressReadReceipt: false,
    HasActiveSyncDevicePartnership: org.hasPartnershipFlag(m),
  });
  listProp(o, 'ActiveSyncAllowedDeviceIDs', m.allowedDeviceIds);
  listProp(o, 'ActiveSyncBlockedDeviceIDs', m.blockedDeviceIds);
  Object.assign(o, {
    OWAEnabled: true,
    OWAforDevicesEnabled: true,
    EwsEnabled: true,
    PopEnabled: true,
    ImapEnabled: true,
    MAPIEnabled: true,
    UniversalOutlookEnabled: true,
    OutlookMobileEnabled: true,
  });
  recipientTail(o, m);
  return o;
}

export function groupObject(g: Group): WireObject {
  const o: WireObject = {
    Name: g.name,
    DisplayName: g.displayName,
    WindowsEmailAddress: g.primarySmtpAddress,
    ExternalDirectoryObjectId: g.externalDirectoryObjectId,
  };
  guidProp(o, 'Guid', g.guid);
  o.RecipientType = recipientType(g);
  o.RecipientTypeDetails = g.recipientTypeDetails;
  o.GroupType = g.recipientTypeDetails === 'MailUniversalSecurityGroup' ? 'Universal, SecurityEnabled' : 'Universal';
  listProp(o, 'Members', g.members.view().map((m) => m.name));
  recipientTail(o, g);
  return o;
}

/**
 * The properties every recipient cmdlet's -Filter takes (the cmdlet reference's
 * filterable-properties page). Cmdlets add their own: HasActiveSyncDevicePartnership only
 * on Get-CASMailbox and Get-Recipient (reference), ActiveSyncEnabled on Get-CASMailbox
 * and Get-Recipient (choice: the CAS attribute is on the recipient). Any other name fails
 * with ParsingNonFilterablePropertyException.
 */
export function recipientFilterProperties(org: Org, extra: { activeSync?: boolean } = {}): FilterProperties<Recipient> {
  const mb = <T>(f: (m: Mailbox) => T, other: T) => (r: Recipient) => (r.kind === 'mailbox' ? f(r) : other);
  const props: FilterProperties<Recipient> = {
    Name: { get: (r) => r.name },
    Alias: { get: (r) => r.alias },
    DisplayName: { get: (r) => r.displayName },
    PrimarySmtpAddress: { get: (r) => r.primarySmtpAddress },
    WindowsEmailAddress: { get: (r) => r.primarySmtpAddress },
    EmailAddresses: { get: (r) => (r.kind === 'mailbox' ? r.emailAddresses : [`SMTP:${r.primarySmtpAddress}`]) },
    UserPrincipalName: { get: mb((m) => m.upn, null) },
    WindowsLiveID: { get: mb((m) => m.upn, null) },
    ExternalDirectoryObjectId: { get: (r) => r.externalDirectoryObjectId },
    Guid: { get: (r) => r.guid },
    DistinguishedName: { get: (r) => r.distinguishedName },
    RecipientType: { get: (r) => recipientType(r) },
    RecipientTypeDetails: { get: (r) => recipientTypeDetails(r) },
    Department: { get: mb((m) => m.department, null) },
    FirstName: { get: mb((m) => m.firstName, null) },
    LastName: { get: mb((m) => m.lastName, null) },
    WhenCreated: { get: (r) => r.whenCreated, date: true },
    WhenChanged: { get: (r) => r.whenChanged, date: true },
    // Exchange wants the group's DN; names and other identities are resolved for convenience.
    MemberOfGroup: {
      get: (r) => r.groups.map((g) => g.distinguishedName),
      resolve: (literal) => org.findGroup(literal)?.distinguishedName ?? literal,
    },
  };
  if (extra.activeSync) {
    props.ActiveSyncEnabled = { get: mb((m) => m.activeSyncEnabled, null) };
    props.HasActiveSyncDevicePartnership = { get: mb((m) => org.hasPartnershipFlag(m), null) };
  }
  return props;
}
