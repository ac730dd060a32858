/**
 * The tenant's mobile configuration objects: mobile device mailbox policies (one is the
 * default) and device access rules (named `<QueryString> (<Characteristic>)`), with
 * the distinguished names Exchange gives them in the configuration unit.
 */
import { randomUUID } from 'node:crypto';
import { cmdletErrors } from '../exchange-errors';
import type { AccessLevel, AccessRule, Mailbox, MailboxPolicy, PolicyValue, RuleCharacteristic } from './model';
import type { Org } from './org';
import { defaultPolicySettings } from './policy-settings';

const lower = (s: string) => s.toLowerCase();

/** DN of an object in the tenant's configuration unit. */
export function configurationDn(org: Org, cn: string): string {
  return `CN=${cn},CN=Configuration,CN=${org.domain},CN=ConfigurationUnits,DC=EURPR01A005,DC=PROD,DC=OUTLOOK,DC=COM`;
}

export const policyDn = (org: Org, name: string) => configurationDn(org, `${name},CN=Mobile Mailbox Policies`);
export const ruleDn = (org: Org, name: string) => configurationDn(org, `${name},CN=Mobile Mailbox Settings`);

export function addPolicy(org: Org, p: { name: string; isDefault?: boolean; settings?: Map<string, PolicyValue>; now: number }): MailboxPolicy {
  if (findPolicy(org, p.name)) throw cmdletErrors.alreadyExists(policyDn(org, p.name));
  const policy: MailboxPolicy = {
    seq: org.nextSeq(),
    guid: randomUUID(),
    name: p.name,
    isDefault: false,
    whenCreated: p.now,
    whenChanged: p.now,
    settings: p.settings ?? defaultPolicySettings(),
  };
  org.policies.add(policy);
  if (p.isDefault) makeDefault(org, policy, p.now);
  return policy;
}

export function makeDefault(org: Org, policy: MailboxPolicy, now: number): void {
  for (const p of org.policies) {
    if (p !== policy && p.isDefault) {
      p.isDefault = false;
      p.whenChanged = now;
    }
  }
  policy.isDefault = true;
  policy.whenChanged = now;
}

export function findPolicy(org: Org, id: string): MailboxPolicy | undefined {
  const key = lower(id.trim());
  for (const p of org.policies) {
    if (lower(p.name) === key || p.guid === key || lower(policyDn(org, p.name)) === key) return p;
  }
  return undefined;
}

export function defaultPolicy(org: Org): MailboxPolicy {
  for (const p of org.policies) if (p.isDefault) return p;
  // Exchange always has one; the emulator never removes the last default.
  return org.policies.view()[0];
}

export function effectivePolicy(org: Org, mb: Mailbox): MailboxPolicy {
  return mb.policy && org.policies.has(mb.policy) ? mb.policy : defaultPolicy(org);
}

/** The mailboxes explicitly assigned this policy (Exchange's AssociatedUsers back-link; the default's implicit users are not in it). */
export function assignedMailboxes(org: Org, p: MailboxPolicy): Mailbox[] {
  const out: Mailbox[] = [];
  for (const mb of org.mailboxes) if (mb.policy === p) out.push(mb);
  return out;
}

/** The policy is gone; its mailboxes "will not have an associated mailbox policy" (Exchange's warning), so the default applies to them. */
export function removePolicy(org: Org, p: MailboxPolicy): Mailbox[] {
  org.policies.remove(p);
  const orphaned = assignedMailboxes(org, p);
  for (const mb of orphaned) mb.policy = null;
  return orphaned;
}

/**
 * `<QueryString> (<Characteristic>)`, cut to Exchange's 64 characters: a longer name keeps
 * its start and ends in `<hash> (<Characteristic>)` (Exchange 2016's
 * NewActiveSyncDeviceAccessRule.BuildRuleName, MaxRuleNameLength 64). Exchange hashes with
 * .NET's String.GetHashCode, which differs per process; the emulator uses a stable hash (choice).
 */
export function ruleName(queryString: string, characteristic: RuleCharacteristic): string {
  const full = `${queryString} (${characteristic})`;
  if (full.length <= 64) return full;
  let h = 0;
  for (let i = 0; i < full.length; i++) h = (Math.imul(h, 31) + full.charCodeAt(i)) | 0;
  const tail = `${h} (${characteristic})`;
  return full.slice(0, 64 - tail.length) + tail;
}

export function addRule(org: Org, r: { queryString: string; characteristic: RuleCharacteristic; accessLevel: AccessLevel; now: number }): AccessRule {
  const name = ruleName(r.queryString, r.characteristic);
  if (findRule(org, name)) throw cmdletErrors.alreadyExists(ruleDn(org, name));
  const rule: AccessRule = {
    seq: org.nextSeq(),
    guid: randomUUID(),
    name,
    queryString: r.queryString,
    characteristic: r.characteristic,
    accessLevel: r.accessLevel,
    whenCreated: r.now,
    whenChanged: r.now,
  };
  org.accessRules.add(rule);
  org.rulesVersion++;
  return rule;
}

export function removeRule(org: Org, r: AccessRule): void {
  org.accessRules.remove(r);
  org.rulesVersion++;
}

export function findRule(org: Org, id: string): AccessRule | undefined {
  const key = lower(id.trim());
  for (const r of org.accessRules) {
    if (lower(r.name) === key || r.guid === key || lower(ruleDn(org, r.name)) === key) return r;
  }
  return undefined;
}
