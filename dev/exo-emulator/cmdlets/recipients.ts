/**
 * Recipient cmdlets the connector uses to find the users behind devices and to scope by
 * group: Get-Mailbox, Get-Recipient, Get-User, Get-CASMailbox, Set-CASMailbox, Get-Group,
 * Get-DistributionGroupMember, Get-UnifiedGroupLinks. Only user mailboxes and groups
 * (distribution, mail-enabled security, Microsoft 365) are modelled.
 *
 * Shapes (reference, "Filters, recipients and identities"): Get-Recipient and group
 * member objects carry WindowsLiveID, not UserPrincipalName; Get-Mailbox's Identity is its
 * Name. Member listings are direct members only (nested groups appear as group objects,
 * never expanded). Get-DistributionGroupMember covers distribution and mail-enabled
 * security groups, Get-UnifiedGroupLinks Microsoft 365 groups; each answers the other
 * kind with ManagementObjectNotFoundException (choice: what Exchange says for an identity
 * of the wrong kind).
 */
import { cmdletErrors } from '../exchange-errors';
import { listing } from '../paging';
import type { Group, Mailbox, MailboxPolicy, Recipient } from '../store/model';
import { SeqList } from '../store/seq-list';
import type { WireObject } from '../wire';
import { compileFilter } from './opath';
import { type Args, applyMultiValue, type ParamKind } from './params';
import { casMailboxObject, groupObject, mailboxObject, recipientFilterProperties, recipientObject, recipientType, userObject } from './projections';
import { type CmdletContext, type CmdletDef, type CmdletOutput, confirmParam, identityParam, ignoredParam, none, objects, resultSizeParam } from './types';

const RECIPIENT_TYPE_DETAILS = [
  'UserMailbox',
  'SharedMailbox',
  'RoomMailbox',
  'EquipmentMailbox',
  'MailUser',
  'GuestMailUser',
  'MailContact',
  'User',
  'MailUniversalDistributionGroup',
  'MailUniversalSecurityGroup',
  'DynamicDistributionGroup',
  'GroupMailbox',
] as const;
const RECIPIENT_TYPES = ['UserMailbox', 'MailUser', 'MailContact', 'User', 'MailUniversalDistributionGroup', 'MailUniversalSecurityGroup', 'DynamicDistributionGroup'] as const;

const recipientTypeDetailsParam: ParamKind = {
  kind: 'enumList',
  values: RECIPIENT_TYPE_DETAILS,
  typeName: 'Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails[]',
};

const listingParams: Record<string, ParamKind> = {
  Identity: identityParam,
  Filter: { kind: 'string' },
  ResultSize: resultSizeParam,
  DomainController: ignoredParam,
};

function typeOf(r: Recipient): string {
  return r.kind === 'mailbox' ? 'UserMailbox' : r.recipientTypeDetails;
}

/** -Identity gives one object (or ManagementObjectNotFoundException); otherwise a filtered, paged listing. */
function recipientQuery<T extends Recipient>(
  args: Args,
  ctx: CmdletContext,
  o: { list: SeqList<T>; find: (id: string) => T | undefined; project: (r: T) => WireObject; filterParam?: string; activeSyncFilter?: boolean },
): CmdletOutput {
  const identity = args.string('Identity');
  if (identity !== undefined) {
    const found = o.find(identity);
    if (!found) throw cmdletErrors.notFound(identity);
    return objects([o.project(found)]);
  }
  const tests: ((r: T) => boolean)[] = [];
  for (const param of ['Filter', o.filterParam]) {
    const text = param ? args.string(param) : undefined;
    if (text !== undefined) tests.push(compileFilter<Recipient>(text, recipientFilterProperties(ctx.org, { activeSync: o.activeSyncFilter })));
  }
  const details = args.get('RecipientTypeDetails') as string[] | undefined;
  if (details) tests.push((r) => details.includes(typeOf(r)));
  const types = args.get('RecipientType') as string[] | undefined;
  if (types) tests.push((r) => types.includes(recipientType(r)));
  const match = tests.length === 0 ? undefined : (r: T) => tests.every((t) => t(r));
  return { kind: 'listing', listing: listing(o.list, o.project, match), resultSize: args.resultSize(1000) };
}

const ROLE = 'Mail Recipients';

const getMailbox: CmdletDef = {
  name: 'Get-Mailbox',
  role: ROLE,
  params: { ...listingParams, RecipientTypeDetails: recipientTypeDetailsParam },
  run: (args, ctx) => recipientQuery(args, ctx, { list: ctx.org.mailboxes, find: (id) => ctx.org.findMailbox(id), project: mailboxObject }),
};

const getRecipient: CmdletDef = {
  name: 'Get-Recipient',
  role: ROLE,
  params: {
    ...listingParams,
    RecipientPreviewFilter: { kind: 'string' },
    RecipientTypeDetails: recipientTypeDetailsParam,
    RecipientType: { kind: 'enumList', values: RECIPIENT_TYPES, typeName: 'Microsoft.Exchange.Data.Directory.Recipient.RecipientType[]' },
  },
  run: (args, ctx) =>
    recipientQuery(args, ctx, {
      list: ctx.org.recipients,
      find: (id) => ctx.org.findRecipient(id),
      project: recipientObject,
      filterParam: 'RecipientPreviewFilter',
      activeSyncFilter: true,
    }),
};

const getUser: CmdletDef = {
  name: 'Get-User',
  role: ROLE,
  params: { ...listingParams, RecipientTypeDetails: recipientTypeDetailsParam },
  run: (args, ctx) => recipientQuery(args, ctx, { list: ctx.org.mailboxes, find: (id) => ctx.org.findMailbox(id), project: userObject }),
};

const getCasMailbox: CmdletDef = {
  name: 'Get-CASMailbox',
  role: ROLE,
  alsoInRoles: ['Organization Client Access', 'Recipient Policies', 'View-Only Recipients'],
  params: listingParams,
  run: (args, ctx) =>
    recipientQuery(args, ctx, { list: ctx.org.mailboxes, find: (id) => ctx.org.findMailbox(id), project: (m) => casMailboxObject(ctx.org, m), activeSyncFilter: true }),
};

const setCasMailbox: CmdletDef = {
  name: 'Set-CASMailbox',
  role: ROLE,
  alsoInRoles: ['Organization Client Access'],
  params: {
    Identity: identityParam,
    ActiveSyncEnabled: { kind: 'bool' },
    ActiveSyncMailboxPolicy: { kind: 'string', nullable: true },
    ActiveSyncAllowedDeviceIDs: { kind: 'multiValue' },
    ActiveSyncBlockedDeviceIDs: { kind: 'multiValue' },
    RecalculateHasActiveSyncDevicePartnership: { kind: 'switch' },
    Confirm: confirmParam,
    DomainController: ignoredParam,
  },
  mandatory: ['Identity'],
  run(args, ctx) {
    const { org } = ctx;
    const identity = args.string('Identity')!;
    // One map lookup by any mailbox identity (store/recipients.ts): bulk blocks of thousands of mailboxes never scan.
    const mailbox: Mailbox | undefined = org.findMailbox(identity);
    if (!mailbox) throw cmdletErrors.notFound(identity);
    // Everything is checked before anything changes: a refused call leaves the mailbox as it was.
    let policy: MailboxPolicy | null | undefined;
    if (args.has('ActiveSyncMailboxPolicy')) {
      const policyId = args.get('ActiveSyncMailboxPolicy') as string | null;
      // null resets the mailbox to the default policy (Exchange 2016's SetCASMailboxBase sets the link to null).
      policy = policyId === null ? null : org.findPolicy(policyId);
      if (policy === undefined) throw cmdletErrors.mobilePolicyNotFound(policyId!);
    }
    // The device lists (store/device-rules.ts, setDeviceLists): a plain list overwrites, a
    // GenericHashTable adds/removes, null clears; both in one call move a device from one
    // list to the other; the mailbox's partnerships follow at once.
    const allowed = args.multi('ActiveSyncAllowedDeviceIDs');
    const blocked = args.multi('ActiveSyncBlockedDeviceIDs');
    org.setDeviceLists(
      mailbox,
      {
        allowed: allowed && applyMultiValue(mailbox.allowedDeviceIds, allowed),
        blocked: blocked && applyMultiValue(mailbox.blockedDeviceIds, blocked),
      },
      { now: ctx.now, released: ctx.variants.releasedFromLists },
    );
    const policyBefore = org.effectivePolicy(mailbox);
    if (policy !== undefined) mailbox.policy = policy;
    if (args.bool('RecalculateHasActiveSyncDevicePartnership')) mailbox.partnershipFlag = null;
    const enabled = args.bool('ActiveSyncEnabled');
    const enabling = enabled === true && !mailbox.activeSyncEnabled;
    if (enabled !== undefined) mailbox.activeSyncEnabled = enabled;
    // Another policy (its compliance) or ActiveSync enabled again shows on the partnerships at
    // once, like a rule change (store/device-rules.ts); disabling leaves their state as it is.
    if (enabling || org.effectivePolicy(mailbox) !== policyBefore) org.reevaluateAccess(ctx.now, [...mailbox.devices]);
    return none;
  },
};

const getGroup: CmdletDef = {
  name: 'Get-Group',
  role: 'Distribution Groups',
  params: { ...listingParams, RecipientTypeDetails: recipientTypeDetailsParam },
  run: (args, ctx) => recipientQuery(args, ctx, { list: ctx.org.groups, find: (id) => ctx.org.findGroup(id), project: groupObject }),
};

const isUnified = (g: Group) => g.recipientTypeDetails === 'GroupMailbox';

const getDistributionGroupMember: CmdletDef = {
  name: 'Get-DistributionGroupMember',
  role: 'Distribution Groups',
  params: { Identity: identityParam, ResultSize: resultSizeParam, DomainController: ignoredParam },
  mandatory: ['Identity'],
  run(args, ctx) {
    const identity = args.string('Identity')!;
    const group: Group | undefined = ctx.org.findGroup(identity);
    if (!group || isUnified(group)) throw cmdletErrors.notFound(identity);
    return { kind: 'listing', listing: listing(group.members, recipientObject), resultSize: args.resultSize(1000) };
  },
};

const LINK_TYPES = ['Members', 'Owners', 'Subscribers', 'Aggregators', 'EventSubscribers'] as const;

const getUnifiedGroupLinks: CmdletDef = {
  name: 'Get-UnifiedGroupLinks',
  role: 'Mail Recipients',
  params: {
    Identity: identityParam,
    LinkType: { kind: 'enum', values: LINK_TYPES, typeName: 'Microsoft.Exchange.Management.RecipientTasks.LinkType' },
    ResultSize: resultSizeParam,
    DomainController: ignoredParam,
  },
  mandatory: ['Identity', 'LinkType'],
  run(args, ctx) {
    const identity = args.string('Identity')!;
    const group: Group | undefined = ctx.org.findGroup(identity);
    if (!group || !isUnified(group)) throw cmdletErrors.notFound(identity);
    // Only members are modelled; owners, subscribers... are empty lists (choice).
    const members = args.string('LinkType') === 'Members' ? group.members : new SeqList<Recipient>();
    return { kind: 'listing', listing: listing(members, recipientObject), resultSize: args.resultSize(1000) };
  },
};

export const recipientCmdlets: CmdletDef[] = [getMailbox, getRecipient, getUser, getCasMailbox, setCasMailbox, getGroup, getDistributionGroupMember, getUnifiedGroupLinks];
