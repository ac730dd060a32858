/**
 * Comparing the desired with what Exchange holds, and the change that repairs it.
 * Exchange answers in its own forms: an access level in any case, AdminMailRecipients as
 * SMTP addresses in any case and order, a cleared text as null or ''. Those are the same
 * value; a mail insert text is compared as written (a change of case is a change of the
 * mail's words).
 */
import { createHash } from 'node:crypto';
import type { DriftEntry, ExchangeRule, ManagedOrgSettings, OrgDesired, OrgSettingName, OrgSettingsChange, RuleDesired } from './ports';
import { ORG_SETTING_NAMES } from './ports';

/** How many drift entries a record keeps (the newest). */
export const DRIFT_KEPT = 20;

/** Exchange's setting names, for drift entries and the audit. */
export const EXCHANGE_NAME: Record<OrgSettingName, string> = {
  defaultAccessLevel: 'DefaultAccessLevel',
  adminMailRecipients: 'AdminMailRecipients',
  userMailInsert: 'UserMailInsert',
  otaNotificationMailInsert: 'OtaNotificationMailInsert',
};

const addressSet = (list: readonly string[]) => [...new Set(list.map((a) => a.trim().toLowerCase()).filter(Boolean))].sort();

export function sameSetting<K extends OrgSettingName>(name: K, a: ManagedOrgSettings[K], b: ManagedOrgSettings[K]): boolean {
  if (name === 'adminMailRecipients') return JSON.stringify(addressSet(a as string[])) === JSON.stringify(addressSet(b as string[]));
  if (name === 'defaultAccessLevel') return String(a).toLowerCase() === String(b).toLowerCase();
  return (a ?? '') === (b ?? '');
}

export interface SettingDifference {
  setting: string;
  desired: unknown;
  found: unknown;
}

/** The managed settings whose value in Exchange is not the desired one. */
export function orgDifferences(desired: Partial<ManagedOrgSettings>, found: ManagedOrgSettings): SettingDifference[] {
  const out: SettingDifference[] = [];
  for (const name of ORG_SETTING_NAMES) {
    const want = desired[name];
    if (want === undefined) continue;
    if (!sameSetting(name, want as never, found[name] as never)) out.push({ setting: name, desired: want, found: found[name] });
  }
  return out;
}

/**
 * The one Set-ActiveSyncOrganizationSettings that takes Exchange from `found` to the
 * desired: only the changed parameters, AdminMailRecipients as the add/remove of the
 * addresses that differ (so addresses added meanwhile by someone else stay, unless the
 * desired list is what they would change).
 */
export function orgChange(desired: Partial<ManagedOrgSettings>, found: ManagedOrgSettings): OrgSettingsChange {
  const change: OrgSettingsChange = {};
  for (const d of orgDifferences(desired, found)) {
    const name = d.setting as OrgSettingName;
    if (name === 'adminMailRecipients') {
      const want = new Set(addressSet(desired.adminMailRecipients!));
      const have = new Set(addressSet(found.adminMailRecipients));
      change.adminMailRecipients = {
        add: desired.adminMailRecipients!.filter((a, i, all) => !have.has(a.trim().toLowerCase()) && all.findIndex((x) => x.toLowerCase() === a.toLowerCase()) === i),
        remove: found.adminMailRecipients.filter((a) => !want.has(a.trim().toLowerCase())),
      };
    } else if (name === 'defaultAccessLevel') change.defaultAccessLevel = desired.defaultAccessLevel;
    else change[name] = desired[name] as string;
  }
  return change;
}

export const changedParameters = (c: OrgSettingsChange) => Object.keys(c).map((k) => EXCHANGE_NAME[k as OrgSettingName]);

/** A rule's differences: the access level (repairable by Set-), or the rule missing. */
export function ruleDifferences(desired: RuleDesired, found: ExchangeRule | undefined): SettingDifference[] {
  if (!found) return [{ setting: 'exists', desired: true, found: false }];
  if (found.accessLevel?.toLowerCase() !== desired.accessLevel.toLowerCase()) return [{ setting: 'accessLevel', desired: desired.accessLevel, found: found.accessLevel }];
  return [];
}

/** The drift log with this run's findings added (an open entry of the same setting and values is not repeated) and repairs marked. */
export function withDrift(log: readonly DriftEntry[], found: readonly { setting: string; desired: unknown; found: unknown }[], at: string, repaired: { requestId: string | null } | null): DriftEntry[] {
  const out = [...log];
  for (const f of found) {
    const same = (e: DriftEntry) => e.repairedAt === null && e.setting === f.setting && JSON.stringify(e.desired) === JSON.stringify(f.desired) && JSON.stringify(e.found) === JSON.stringify(f.found);
    let entry = out.find(same);
    if (!entry) {
      entry = { setting: f.setting, desired: f.desired, found: f.found, foundAt: at, repairedAt: null };
      out.push(entry);
    }
    if (repaired) Object.assign(entry, { repairedAt: at, requestId: repaired.requestId });
  }
  return out.slice(-DRIFT_KEPT);
}

/** Drift of `record` still open (found, not repaired). */
export const openDrift = (log: readonly DriftEntry[]) => log.filter((e) => e.repairedAt === null);

/** Open entries that no longer hold (Exchange shows the desired value again, repaired by someone else): closed. */
export function closeSettled(log: readonly DriftEntry[], stillDifferent: (setting: string) => boolean, at: string): DriftEntry[] {
  return log.map((e) => (e.repairedAt === null && !stillDifferent(e.setting) ? { ...e, repairedAt: at } : e));
}

/**
 * The ETag of the organization settings as a caller saw them: the desired record's
 * version and Exchange's managed values together, so that a change made in the
 * connector or by hand in Exchange both make an older ETag stale.
 */
export function organizationEtag(record: { version: string } | null, found: ManagedOrgSettings): string {
  const canonical = JSON.stringify([record?.version ?? '-', String(found.defaultAccessLevel).toLowerCase(), addressSet(found.adminMailRecipients), found.userMailInsert ?? '', found.otaNotificationMailInsert ?? '']);
  return `"${createHash('sha256').update(canonical).digest('base64url').slice(0, 27)}"`;
}

/** The ETag of one managed rule: its record's version and what Exchange holds of it. */
export function ruleEtag(version: string, found: ExchangeRule | undefined): string {
  const canonical = JSON.stringify([version, found?.identity.toLowerCase() ?? '-', found?.accessLevel ?? '-']);
  return `"${createHash('sha256').update(canonical).digest('base64url').slice(0, 27)}"`;
}

/** If-Match matches when it names the ETag (a weak form of the same tag too: W/ is ignored). */
export function etagMatches(ifMatch: string, etag: string): boolean {
  return ifMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag);
}

export const emptyOrgDesired = (tenantId: string, at: string): OrgDesired => ({ tenantId, managed: {}, drift: [], updatedBy: 'connector', updatedAt: at, outcomeUnknownAt: null });
