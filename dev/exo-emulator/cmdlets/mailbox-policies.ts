/** Get-/New-/Set-/Remove-MobileDeviceMailboxPolicy, with every setting of policy-settings.ts. */
import { cmdletErrors } from '../exchange-errors';
import type { MailboxPolicy, PolicyValue } from '../store/model';
import { defaultPolicySettings, POLICY_SETTING_ALIASES, POLICY_SETTINGS } from '../store/policy-settings';
import { type Args, applyMultiValue, type MultiValue, type ParamKind } from './params';
import { mailboxPolicyObject } from './projections';
import { type CmdletContext, type CmdletDef, confirmParam, identityParam, ignoredParam, none, objects } from './types';

const settingParams: Record<string, ParamKind> = Object.fromEntries([
  ...POLICY_SETTINGS.map((s) => [s.name, s.spec] as const),
  ...Object.entries(POLICY_SETTING_ALIASES).map(([alias, target]) => [alias, POLICY_SETTINGS.find((s) => s.name === target)!.spec] as const),
]);

const ROLE = 'Organization Client Access';

function policyByIdentity(ctx: CmdletContext, identity: string): MailboxPolicy {
  const p = ctx.org.findPolicy(identity);
  if (!p) throw cmdletErrors.notFound(identity);
  return p;
}

function applySettings(settings: Map<string, PolicyValue>, args: Args): void {
  for (const given of args.names()) {
    const name = POLICY_SETTING_ALIASES[given] ?? given;
    const setting = POLICY_SETTINGS.find((s) => s.name === name);
    if (!setting) continue;
    const value = args.get(given);
    if (setting.spec.kind === 'stringList') settings.set(name, applyMultiValue((settings.get(name) as string[] | null) ?? [], value as MultiValue));
    else settings.set(name, value as PolicyValue);
  }
}

const nameParam: ParamKind = { kind: 'string', maxLength: 64 };

export const mailboxPolicyCmdlets: CmdletDef[] = [
  {
    name: 'Get-MobileDeviceMailboxPolicy',
    role: ROLE,
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
    params: { Name: nameParam, IsDefault: { kind: 'switch' }, Confirm: confirmParam, DomainController: ignoredParam, ...settingParams },
    mandatory: ['Name'],
    run(args, ctx) {
      const settings = defaultPolicySettings();
      applySettings(settings, args);
      ctx.org.addPolicy({ name: args.string('Name')!, isDefault: args.bool('IsDefault') ?? false, settings, now: ctx.now });
      return none;
    },
  },
  {
    name: 'Set-MobileDeviceMailboxPolicy',
    role: ROLE,
    params: { Identity: identityParam, Name: nameParam, IsDefault: { kind: 'bool' }, Confirm: confirmParam, DomainController: ignoredParam, ...settingParams },
    mandatory: ['Identity'],
    run(args, ctx) {
      const { org } = ctx;
      const policy = policyByIdentity(ctx, args.string('Identity')!);
      const rename = args.string('Name');
      if (rename !== undefined && rename.toLowerCase() !== policy.name.toLowerCase() && org.findPolicy(rename)) {
        throw cmdletErrors.alreadyExists(org.policyDn(rename));
      }
      const isDefault = args.bool('IsDefault');
      if (isDefault === false && policy.isDefault) {
        throw cmdletErrors.invalidOperation(`The default policy '${policy.name}' can't stop being the default. Make another policy the default instead.`);
      }
      applySettings(policy.settings, args);
      if (rename !== undefined) policy.name = rename;
      if (isDefault === true) org.makeDefault(policy, ctx.now);
      policy.whenChanged = ctx.now;
      return none;
    },
  },
  {
    name: 'Remove-MobileDeviceMailboxPolicy',
    role: ROLE,
    params: { Identity: identityParam, Confirm: confirmParam, DomainController: ignoredParam },
    mandatory: ['Identity'],
    run(args, ctx) {
      const policy = policyByIdentity(ctx, args.string('Identity')!);
      if (policy.isDefault) throw cmdletErrors.invalidOperation(`The default mobile device mailbox policy '${policy.name}' can't be removed.`);
      ctx.org.removePolicy(policy);
      return none;
    },
  },
];
