/**
 * Group scope: the mailboxes that are members of groups, nested groups expanded.
 * Exchange Online has two member cmdlets and neither expands nesting:
 * - Get-DistributionGroupMember: distribution and mail-enabled security groups;
 * - Get-UnifiedGroupLinks -LinkType Members: Microsoft 365 groups (RecipientTypeDetails
 *   GroupMailbox), which Get-DistributionGroupMember does not know.
 * A configured group's kind is read with Get-Recipient -Identity; a nested group's kind
 * comes with the member object (RecipientTypeDetails), so it costs no extra call.
 * Expansion is breadth first with a cycle guard (group A in B in A is read once) and a
 * bound on depth and groups read: past the bound the membership would be incomplete, and
 * an incomplete membership would mark in-scope devices removed (or keep excluded ones),
 * so the run stops with ScopeGroupsTooLargeError instead of guessing.
 */
import { AppError } from '../../errors';
import { ExoNotFoundError } from '../errors';
import type { ExoInvoker, Recipient } from '../cmdlets';
import type { Logger } from '../../log';
import type { MailboxInfo } from '../../app/sync/ports';
import { memberInfo, text } from './facts';

export const MAX_GROUP_DEPTH = 10;
export const MAX_GROUPS = 1000;

/** Expansion hit its bound (or a group cannot be expanded): the scope is unknown, the run stops. */
export class ScopeGroupsError extends AppError {
  constructor(setting: string, message: string, details: Record<string, unknown> = {}) {
    super('ScopeGroups', `${setting}: ${message}`, 500, { setting, ...details });
  }
}

type GroupKind = 'distribution' | 'unified';

/** The group kinds Exchange can list members of; any other type is a member, not a group. */
function kindOf(recipientTypeDetails: string | null | undefined): GroupKind | 'dynamic' | null {
  switch (recipientTypeDetails) {
    case 'GroupMailbox':
      return 'unified';
    case 'MailUniversalDistributionGroup':
    case 'MailUniversalSecurityGroup':
    case 'MailNonUniversalGroup':
    case 'RoomList':
      return 'distribution';
    case 'DynamicDistributionGroup':
      return 'dynamic';
    default:
      return null;
  }
}

/** The group types Get-Recipient is asked for (RecipientTypeDetails values). */
const GROUP_TYPES = ['MailUniversalDistributionGroup', 'MailUniversalSecurityGroup', 'GroupMailbox', 'DynamicDistributionGroup'];

/** Whether a recipient is the one `id` names (Name, alias, display name, an address, a GUID). */
function namedBy(r: Recipient, id: string): boolean {
  const want = id.toLowerCase().replace(/^smtp:/, '');
  const names = [r.Name, r.Alias, r.DisplayName, r.PrimarySmtpAddress, r.Guid, r.ExternalDirectoryObjectId, r.Identity, (r as { DistinguishedName?: unknown }).DistinguishedName];
  const addresses = (r.EmailAddresses ?? []).map((a) => String(a).replace(/^smtp:/i, ''));
  return [...names, ...addresses].some((v) => typeof v === 'string' && v.toLowerCase() === want);
}

/** Every way a recipient may be named (lower case): to match an excluded member however it is found. */
export function recipientKeys(m: { Name?: unknown; PrimarySmtpAddress?: unknown; WindowsLiveID?: unknown; ExternalDirectoryObjectId?: unknown; Guid?: unknown }): string[] {
  return [m.Name, m.PrimarySmtpAddress, m.WindowsLiveID, m.ExternalDirectoryObjectId, m.Guid].map(text).filter((v): v is string => v !== null).map((v) => v.toLowerCase());
}

export interface GroupExpansion {
  /** Non-group members by lower-cased Name. */
  members: Map<string, MailboxInfo>;
  /** Every key (Name, SMTP, WindowsLiveID, object id, Guid) of those members, lower case. */
  keys: Set<string>;
  groupsRead: number;
}

/** The members of `groups` (named as configured in `setting`), nested groups expanded. */
export async function expandGroups(
  client: ExoInvoker,
  setting: string,
  groups: readonly string[],
  o: { pageSize?: number; log?: Logger; maxDepth?: number; maxGroups?: number } = {},
): Promise<GroupExpansion> {
  const maxDepth = o.maxDepth ?? MAX_GROUP_DEPTH;
  const maxGroups = o.maxGroups ?? MAX_GROUPS;
  const out: GroupExpansion = { members: new Map(), keys: new Set(), groupsRead: 0 };
  const visited = new Set<string>();
  let level: { identity: string; kind: GroupKind; path: string[] }[] = [];

  for (const g of groups) {
    let found: Recipient[];
    try {
      // Get-Recipient leaves Microsoft 365 groups out unless RecipientTypeDetails names
      // GroupMailbox (cmdlet reference, Get-Recipient description), so the group types are named.
      found = await client.invoke<Recipient>('Get-Recipient', { Identity: g, RecipientTypeDetails: GROUP_TYPES });
    } catch (e) {
      if (e instanceof ExoNotFoundError) found = [];
      else throw e;
    }
    // One object that is the group asked for: the reference warns that a null Identity
    // lists every object, so anything else is not taken for the group.
    const r = found.length === 1 && namedBy(found[0], g) ? found[0] : undefined;
    if (!r) throw new ScopeGroupsError(setting, `the group "${g}" does not exist in Exchange (no distribution, security or Microsoft 365 group has that name, alias or SMTP address)`, { group: g, found: found.length });
    const kind = kindOf(r.RecipientTypeDetails);
    if (kind === null) throw new ScopeGroupsError(setting, `"${g}" is not a group (RecipientTypeDetails ${String(r.RecipientTypeDetails ?? 'none')})`, { group: g });
    if (kind === 'dynamic') throw new ScopeGroupsError(setting, `"${g}" is a dynamic distribution group, whose members Exchange computes from a filter: use SCOPE_MODE=filter with that filter instead`, { group: g });
    const id = text(r.Guid) ?? text(r.Identity) ?? g;
    if (visited.has(id.toLowerCase())) continue;
    visited.add(id.toLowerCase());
    level.push({ identity: id, kind, path: [g] });
  }

  for (let depth = 0; level.length > 0; depth++) {
    if (depth >= maxDepth) {
      throw new ScopeGroupsError(setting, `groups are nested more than ${maxDepth} levels deep (e.g. ${level[0].path.join(' > ')}); the membership would be incomplete, so the sync stops: flatten the nesting`, { maxDepth, path: level[0].path });
    }
    const nextLevel: typeof level = [];
    for (const g of level) {
      if (++out.groupsRead > maxGroups) {
        throw new ScopeGroupsError(setting, `expanding the groups reads more than ${maxGroups} groups (at ${g.path.join(' > ')}); the membership would be incomplete, so the sync stops: name fewer or flatter groups`, { maxGroups, path: g.path });
      }
      const [cmdlet, parameters] =
        g.kind === 'unified'
          ? (['Get-UnifiedGroupLinks', { Identity: g.identity, LinkType: 'Members', ResultSize: 'Unlimited' }] as const)
          : (['Get-DistributionGroupMember', { Identity: g.identity, ResultSize: 'Unlimited' }] as const);
      for await (const page of client.pages<Recipient>(cmdlet, parameters, { pageSize: o.pageSize })) {
        for (const m of page.items) {
          const kind = kindOf(m.RecipientTypeDetails);
          if (kind === 'dynamic') {
            // Neither member cmdlet expands it: the membership would be incomplete.
            const path = [...g.path, String(m.Name)];
            throw new ScopeGroupsError(setting, `${path.join(' > ')} is a dynamic distribution group, whose members these cmdlets cannot list; the membership would be incomplete, so the sync stops: name its filter with SCOPE_MODE=filter or use a static group`, { path });
          }
          if (kind !== null) {
            const id = text(m.Guid) ?? text(m.Identity) ?? text(m.Name);
            if (!id || visited.has(id.toLowerCase())) continue; // cycle, or met by another path
            visited.add(id.toLowerCase());
            nextLevel.push({ identity: id, kind, path: [...g.path, text(m.Name) ?? id] });
            continue;
          }
          const info = memberInfo(m);
          if (!info) continue;
          out.members.set(info.name.toLowerCase(), info);
          for (const k of recipientKeys(m)) out.keys.add(k);
        }
      }
    }
    level = nextLevel;
  }
  return out;
}
