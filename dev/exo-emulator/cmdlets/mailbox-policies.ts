/**
 * Get-/New-/Set-/Remove-MobileDeviceMailboxPolicy, with every setting of
 * store/policy-settings.ts. Exchange's behaviour, from Exchange 2016's NewMobilePolicy,
 * SetMobilePolicy, RemoveMobilePolicy and RemoveMailboxPolicyBase
 * (github.com/evilashz/exchange-server-27065, Microsoft.Exchange.Management/.../Tasks/) and
 * the cmdlet reference:
 * - exactly one default: IsDefault true on one policy clears it on the others;
 * - a duplicate name is ADObjectAlreadyExistsException (the policy's DN exists);
 * - Set- with PasswordEnabled false and no other password setting puts every password
 *   setting back to its default;
 * - Remove- has a built-in pause (ConfirmImpact High). While mailboxes are assigned the
 *   policy it also asks "The mailbox policy '<name>' has users associated with it..."
 *   (ShouldContinue, which Confirm does not answer): over REST that fails unless Force is
 *   given ("If any users are assigned to the policy when you remove it, the ... cmdlet
 *   fails"; Force "bypasses any warning"). Their mailboxes then have no policy: the default applies.
 * Choices, where Exchange 2016's code is laxer and the reference says "exactly one
 * default": the default policy can be neither removed nor set IsDefault false (Exchange
 * 2016 asks "Removing the default Mobile Device mailbox policy..." and goes on).
 */
import { cmdletErrors } from '../exchange-errors';
import type { MailboxPolicy, PolicyValue } from '../store/model';
import {
  defaultPolicySettings,
  PASSWORD_SETTINGS,
  POLICY_SETTING_ALIASES,
  SETTING_PARAMETERS,
  settingDefault,
  STORED_SETTINGS,
} from '../store/policy-settings';
import { type Args, applyMultiValue, type MultiValue, type ParamKind } from './params';
import { mailboxPolicyObject } from './projections';
import { type CmdletContext, type CmdletDef, confirmParam, identityParam, ignoredParam, none, objects, requireConfirmation } from './types';

const settingParams: Record<string, ParamKind> = Object.fromEntries([
  ...SETTING_PARAMETERS.map((s) => [s.name, s.spec] as const),
  ...Object.entries(POLICY_SETTING_ALIASES).map(([alias, target]) => [alias, STORED_SETTINGS.find((s) => s.name === target)!.spec] as const),
]);

const ROLE = 'Recipient Policies';
const GET_ALSO_IN = ['Mail Recipients', 'Mail Recipient Creation', 'View-Only Configuration', 'View-Only Recipients'];
/** Settings that decide whether a device is compliant (store/device-rules.ts): a change re-evaluates access. */
const ACCESS_SETTINGS = new Set(['AllowNonProvisionableDevices', 'AllowExternalDeviceManagement']);

function policyByIdentity(ctx: CmdletContext, identity: string): MailboxPolicy {
  const p = ctx.org.findPolicy(identity);
  if (!p) throw cmdletErrors.notFound(identity);
  return p;
}

/** The settings a call gives, by stored name, checked before anything changes; throws Exchange's error for an over-long application list. */
function givenSettings(current: ReadonlyMap<string, PolicyValue>, args: Args): Map<string, PolicyValue> {
  const out = new Map<string, PolicyValue>();
  for (const given of args.names()) {
    const name = POLICY_SETTING_ALIASES[given] ?? given;
    const setting = STORED_SETTINGS.find((s) => s.name === name);
    if (!setting) continue;
    const value = args.get(given);
    if (setting.spec.kind !== 'stringList') {
      out.set(name, value as PolicyValue);
      continue;
    }
    const list = applyMultiValue((current.get(name) as string[] | null) ?? [], value as MultiValue);
    const { total, each } = setting.spec;
    if (total !== undefined && each !== undefined && (list.some((x) => x.length > each) || list.reduce((n, x) => n + x.length, 0) > total)) {
      throw cmdletErrors.applicationListTooLong(total, each);
    }
    out.set(name, list);
  }
  return out;
}

const touchesAccess = (changes: Map<string, PolicyValue>) => [...changes.keys()].some((k) => ACCESS_SETTINGS.has(k));

const nameParam: ParamKind = { kind: 'string', maxLength: 64 };

function checkName(name: string): void {
  if (name.trim() === '') throw cmdletErrors.validation('Name', 'The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.');
}

export const mailboxPolicyCmdlets: CmdletDef[] = [
  {
    name: 'Get-MobileDeviceMailboxPolicy',
    role: ROLE,
    alsoInRoles: GET_ALSO_IN,
    params: { Identity: identityParam, DomainController: ignoredParam },
    run(args, ctx) {
      const identity = args.string('Identity');
      if (identity !== undefined) return objects([mailboxPolicyObject(ctx.org, policyByIdentity(ctx, identity))]);
      return objects(ctx.org.policies.view().map((p) => mailboxPolicyObject(ctx.org, p)));
    },
  },
  {
    name: 'New-MobileDeviceMailboxPolicy',
    role: ROLE,
    params: { Name: nameParam, IsDefault: { kind: 'bool' }, Confirm: confirmParam, WhatIf: { kind: 'switch' }, DomainController: ignoredParam, ...settingParams },
    mandatory: ['Name'],
    run(args, ctx) {
      const { org } = ctx;
      const name = args.string('Name')!;
      checkName(name);
      if (org.findPolicy(name)) throw cmdletErrors.alreadyExists(org.policyDn(name));
      const settings = defaultPolicySettings();
      const changes = givenSettings(settings, args);
      if (args.bool('WhatIf')) return none;
      for (const [k, v] of changes) settings.set(k, v);
      const isDefault = args.bool('IsDefault') ?? false;
      const policy = org.addPolicy({ name, isDefault, settings, now: ctx.now });
      // A new default changes the policy of every mailbox that has none assigned.
      if (isDefault) org.reevaluateAccess(ctx.now);
      return objects([mailboxPolicyObject(org, policy)]);
    },
  },
  {
    name: 'Set-MobileDeviceMailboxPolicy',
    role: ROLE,
    params: { Identity: identityParam, Name: nameParam, IsDefault: { kind: 'bool' }, Confirm: confirmParam, WhatIf: { kind: 'switch' }, DomainController: ignoredParam, ...settingParams },
    mandatory: ['Identity'],
    run(args, ctx) {
      const { org } = ctx;
      const policy = policyByIdentity(ctx, args.string('Identity')!);
      const rename = args.string('Name');
      if (rename !== undefined) checkName(rename);
      if (rename !== undefined && rename.toLowerCase() !== policy.name.toLowerCase() && org.findPolicy(rename)) {
        throw cmdletErrors.alreadyExists(org.policyDn(rename));
      }
      const isDefault = args.bool('IsDefault');
      if (isDefault === false && policy.isDefault) {
        throw cmdletErrors.invalidOperation(`The default policy '${policy.name}' can't stop being the default. Make another policy the default instead.`);
      }
      const changes = givenSettings(policy.settings, args);
      if (changes.get('PasswordEnabled') === false && !PASSWORD_SETTINGS.some((s) => changes.has(s))) {
        for (const s of PASSWORD_SETTINGS) changes.set(s, settingDefault(s));
      }
      if (args.bool('WhatIf')) return none;
      for (const [k, v] of changes) policy.settings.set(k, v);
      if (rename !== undefined) policy.name = rename;
      const becomesDefault = isDefault === true && !policy.isDefault;
      if (isDefault === true) org.makeDefault(policy, ctx.now);
      policy.whenChanged = ctx.now;
      if (becomesDefault) org.reevaluateAccess(ctx.now);
      else if (touchesAccess(changes)) {
        org.reevaluateAccess(ctx.now, [...org.devices].filter((d) => org.effectivePolicy(d.mailbox) === policy));
      }
      return none;
    },
  },
  {
    name: 'Remove-MobileDeviceMailboxPolicy',
    role: ROLE,
    params: { Identity: identityParam, Force: { kind: 'switch' }, Confirm: confirmParam, WhatIf: { kind: 'switch' }, DomainController: ignoredParam },
    mandatory: ['Identity'],
    run(args, ctx) {
      const { org } = ctx;
      const policy = policyByIdentity(ctx, args.string('Identity')!);
      if (policy.isDefault) throw cmdletErrors.invalidOperation(`The default mobile device mailbox policy '${policy.name}' can't be removed.`);
      requireConfirmation(args, ctx, `Removing mobile device mailbox policy "${policy.name}".`);
      const assigned = org.assignedMailboxes(policy);
      if (assigned.length > 0 && !args.bool('Force')) {
        requireConfirmation(
          args,
          ctx,
          `The mailbox policy '${policy.name}' has users associated with it. If you remove the mailbox policy, none of these users will have an associated mailbox policy. Are you sure you want to remove this policy?`,
          { shouldContinue: true },
        );
      }
      if (args.bool('WhatIf')) return none;
      const orphaned = org.removePolicy(policy);
      if (orphaned.length > 0) org.reevaluateAccess(ctx.now, orphaned.flatMap((mb) => [...mb.devices]));
      return none;
    },
  },
];
