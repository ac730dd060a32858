/**
 * Which mailboxes a sync covers (SCOPE_MODE), and the users behind them.
 *
 * - organization: the directory read is Get-Recipient filtered on
 *   HasActiveSyncDevicePartnership -eq 'True' (Get-Mailbox and Get-User cannot filter on
 *   that property). The flag can be stale, so it only saves calls: a listed partnership
 *   whose owner is missing from the read is looked up by its owner's Name
 *   (Get-Mailbox -Identity; a mailbox's Identity equals its Name) and never dropped.
 * - filter: the administrator's filter alone, without the flag: the read is then exact
 *   (an owner missing from it does not match the filter), where adding the flag would
 *   leave stale-flag owners out of scope, or cost one lookup per out-of-scope owner.
 *   It reads the filter's recipients with or without devices: one paged listing.
 * - groups: the members of the groups, nested ones expanded (groups.ts): exact, no flag
 *   involved; an owner who is not a member is out of scope.
 * In every mode, members of SCOPE_EXCLUDE_GROUPS are out of scope.
 * Users carry the UPN (Get-Recipient's WindowsLiveID, Get-Mailbox's UserPrincipalName),
 * the primary SMTP address and the display name.
 */
import type { ScopeConfig } from '../../config';
import type { ExoInvoker, Mailbox, Recipient } from '../cmdlets';
import { ExoNotFoundError } from '../errors';
import { restFilter } from '../opath';
import type { Logger } from '../../log';
import { mailboxInfoOf, memberInfo } from './facts';
import { expandGroups, recipientKeys } from './groups';
import type { MailboxInfo } from '../../app/sync/ports';

export const WITH_PARTNERSHIP = "HasActiveSyncDevicePartnership -eq 'True'";

export interface Scope {
  /** Whether the directory read is the whole answer (groups, filter) rather than a head start (organization). */
  readonly scoped: boolean;
  /** Mailboxes in scope that the directory read found, by lower-cased Name. */
  directory(): Promise<Map<string, MailboxInfo>>;
  /** One mailbox by Name (organization scope); null when it does not exist or is excluded. */
  lookup(name: string): Promise<MailboxInfo | null>;
}

export function createScope(client: ExoInvoker, scope: ScopeConfig, o: { pageSize?: number; log?: Logger } = {}): Scope {
  let excluded: Promise<Set<string>> | null = null;
  /** Keys of the excluded members, read once per sync (a source lives for one run). */
  const excludedKeys = () => {
    if (!excluded) {
      const groups = scope.excludeGroups ?? [];
      excluded = groups.length ? expandGroups(client, 'SCOPE_EXCLUDE_GROUPS', groups, o).then((x) => x.keys) : Promise.resolve(new Set<string>());
      excluded.catch(() => undefined); // awaited by every caller
    }
    return excluded;
  };
  const isExcluded = (keys: Set<string>, m: MailboxInfo, more: string[] = []) =>
    keys.size > 0 && [m.name, m.upn, m.primarySmtp, ...more].some((k) => k !== null && keys.has(k.toLowerCase()));

  async function readRecipients(filter: string): Promise<Map<string, MailboxInfo>> {
    const keys = await excludedKeys();
    const out = new Map<string, MailboxInfo>();
    for await (const page of client.pages<Recipient>('Get-Recipient', { Filter: filter, ResultSize: 'Unlimited' }, { pageSize: o.pageSize })) {
      for (const r of page.items) {
        const info = memberInfo(r);
        if (info && !isExcluded(keys, info, recipientKeys(r))) out.set(info.name.toLowerCase(), info);
      }
    }
    return out;
  }

  return {
    scoped: scope.mode !== 'organization',

    async directory() {
      if (scope.mode === 'organization') return readRecipients(WITH_PARTNERSHIP);
      if (scope.mode === 'filter') return readRecipients(restFilter(scope.recipientFilter, 'SCOPE_RECIPIENT_FILTER'));
      const [members, keys] = await Promise.all([expandGroups(client, 'SCOPE_GROUPS', scope.groups, o), excludedKeys()]);
      const out = new Map<string, MailboxInfo>();
      for (const [k, info] of members.members) if (!isExcluded(keys, info)) out.set(k, info);
      return out;
    },

    async lookup(name) {
      const keys = await excludedKeys();
      // An excluded member's Name is known: no lookup needed to leave it out.
      if (keys.has(name.toLowerCase())) return null;
      let found: Mailbox[];
      try {
        found = await client.invoke<Mailbox>('Get-Mailbox', { Identity: name });
      } catch (e) {
        if (e instanceof ExoNotFoundError) return null;
        throw e;
      }
      const info = found.length ? mailboxInfoOf(found[0]) : null;
      if (!info) return null;
      return isExcluded(keys, info, recipientKeys(found[0])) ? null : info;
    },
  };
}
