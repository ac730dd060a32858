/**
 * Get-/New-/Set-/Remove-ActiveSyncDeviceAccessRule and Get-/Set-ActiveSyncOrganizationSettings.
 * Exchange 2016's tasks (github.com/evilashz/exchange-server-27065,
 * Microsoft.Exchange.Management/.../Tasks/): New- names the rule `<QueryString>
 * (<Characteristic>)` (a second rule with the same pair is ADObjectAlreadyExistsException:
 * its DN exists); Set- has AccessLevel as its only setting, so a QueryString or
 * Characteristic on Set- is an unknown parameter; Remove- has a built-in pause
 * (ConfirmImpact High). Set-ActiveSyncOrganizationSettings' parameters are the cmdlet
 * reference's; DeviceFiltering, IsIntuneManaged and HasAzurePremiumSubscription are shown
 * but are no parameter, so setting them is refused as an unknown parameter.
 * AdminMailRecipients is a MultiValuedProperty<SmtpAddress>: any well-formed address is
 * taken, no recipient needs to exist (ActiveSyncOrganizationSettingsSchema types it
 * SmtpAddress and checks nothing more).
 *
 * Every change of a rule or of DefaultAccessLevel shows on the partnerships at once
 * (store/device-rules.ts, reevaluateAccess: the reference's reading; real Exchange may
 * only re-evaluate a device at its next connection).
 */
import { cmdletErrors } from '../exchange-errors';
import type { AccessLevel, AccessRule, RuleCharacteristic } from '../store/model';
import { ORG_SETTINGS_NAME } from '../store/org-settings';
import { applyMultiValue, type MultiValue, type ParamKind } from './params';
import { smtpAddressItem } from './mobile-devices';
import { accessRuleObject, orgSettingsObject } from './projections';
import { type CmdletContext, type CmdletDef, confirmParam, identityParam, ignoredParam, none, objects, requireConfirmation } from './types';

const ROLE = 'Organization Client Access';
const GET_ALSO_IN = ['View-Only Configuration'];
const NS = 'Microsoft.Exchange.Data.Directory.SystemConfiguration';
const ACCESS_LEVELS = ['Allow', 'Block', 'Quarantine'] as const;
const CHARACTERISTICS = ['DeviceType', 'DeviceModel', 'DeviceOS', 'UserAgent', 'XMSWLHeader'] as const;
const accessLevelParam: ParamKind = { kind: 'enum', values: ACCESS_LEVELS, typeName: `${NS}.DeviceAccessLevel` };
/** "The maximum length is 256 characters" (cmdlet reference, UserMailInsert and OtaNotificationMailInsert). */
const mailInsertParam: ParamKind = { kind: 'string', maxLength: 256, nullable: true };

function ruleByIdentity(ctx: CmdletContext, identity: string): AccessRule {
  const r = ctx.org.findRule(identity);
  if (!r) throw cmdletErrors.notFound(identity);
  return r;
}

/** Identity `Mobile Mailbox Settings`, its Guid or its DN; anything else is not found. */
function checkSettingsIdentity(ctx: CmdletContext, identity: string | undefined): void {
  if (identity === undefined) return;
  const key = identity.trim().toLowerCase();
  const s = ctx.org.orgSettings;
  if ([ORG_SETTINGS_NAME.toLowerCase(), s.guid, ctx.org.configurationDn(ORG_SETTINGS_NAME).toLowerCase()].includes(key)) return;
  throw cmdletErrors.notFound(identity);
}

export const accessSettingsCmdlets: CmdletDef[] = [
  {
    name: 'Get-ActiveSyncDeviceAccessRule',
    role: ROLE,
    alsoInRoles: GET_ALSO_IN,
    params: { Identity: identityParam, DomainController: ignoredParam },
    run(args, ctx) {
      const identity = args.string('Identity');
      if (identity !== undefined) return objects([accessRuleObject(ctx.org, ruleByIdentity(ctx, identity))]);
      return objects(ctx.org.accessRules.view().map((r) => accessRuleObject(ctx.org, r)));
    },
  },
  {
    name: 'New-ActiveSyncDeviceAccessRule',
    role: ROLE,
    params: {
      QueryString: { kind: 'string' },
      Characteristic: { kind: 'enum', values: CHARACTERISTICS, typeName: `${NS}.DeviceAccessCharacteristic` },
      AccessLevel: accessLevelParam,
      Confirm: confirmParam,
      WhatIf: { kind: 'switch' },
      DomainController: ignoredParam,
    },
    mandatory: ['QueryString', 'Characteristic', 'AccessLevel'],
    run(args, ctx) {
      const queryString = args.string('QueryString')!;
      if (queryString.trim() === '') throw cmdletErrors.validation('QueryString', 'The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.');
      const characteristic = args.string('Characteristic') as RuleCharacteristic;
      if (args.bool('WhatIf')) return none;
      const rule = ctx.org.addRule({ queryString, characteristic, accessLevel: args.string('AccessLevel') as AccessLevel, now: ctx.now });
      ctx.org.reevaluateAccess(ctx.now);
      return objects([accessRuleObject(ctx.org, rule)]);
    },
  },
  {
    name: 'Set-ActiveSyncDeviceAccessRule',
    role: ROLE,
    params: { Identity: identityParam, AccessLevel: accessLevelParam, Confirm: confirmParam, WhatIf: { kind: 'switch' }, DomainController: ignoredParam },
    mandatory: ['Identity'],
    run(args, ctx) {
      const rule = ruleByIdentity(ctx, args.string('Identity')!);
      const level = args.string('AccessLevel') as AccessLevel | undefined;
      if (args.bool('WhatIf')) return none;
      if (level !== undefined && level !== rule.accessLevel) {
        rule.accessLevel = level;
        ctx.org.reevaluateAccess(ctx.now);
      }
      rule.whenChanged = ctx.now;
      return none;
    },
  },
  {
    name: 'Remove-ActiveSyncDeviceAccessRule',
    role: ROLE,
    params: { Identity: identityParam, Confirm: confirmParam, WhatIf: { kind: 'switch' }, DomainController: ignoredParam },
    mandatory: ['Identity'],
    run(args, ctx) {
      const rule = ruleByIdentity(ctx, args.string('Identity')!);
      requireConfirmation(args, ctx, `Removing Exchange ActiveSync device access rule "${rule.name}".`);
      if (args.bool('WhatIf')) return none;
      ctx.org.removeRule(rule);
      ctx.org.reevaluateAccess(ctx.now);
      return none;
    },
  },
  {
    name: 'Get-ActiveSyncOrganizationSettings',
    role: ROLE,
    alsoInRoles: GET_ALSO_IN,
    params: { Identity: identityParam, DomainController: ignoredParam },
    run(args, ctx) {
      checkSettingsIdentity(ctx, args.string('Identity'));
      return objects([orgSettingsObject(ctx.org, ctx.org.orgSettings)]);
    },
  },
  {
    name: 'Set-ActiveSyncOrganizationSettings',
    role: ROLE,
    params: {
      Identity: identityParam,
      DefaultAccessLevel: accessLevelParam,
      AdminMailRecipients: { kind: 'multiValue', item: smtpAddressItem },
      UserMailInsert: mailInsertParam,
      OtaNotificationMailInsert: mailInsertParam,
      AllowAccessForUnSupportedPlatform: { kind: 'bool' },
      AllowRMSSupportForUnenlightenedApps: { kind: 'bool' },
      EnableMobileMailboxPolicyWhenCAInplace: { kind: 'bool' },
      // The enum's names are not published (cmdlet reference: "{{ Fill TenantAdminPreference Description }}"): any text is taken (choice).
      TenantAdminPreference: { kind: 'string', nullable: true },
      Confirm: confirmParam,
      WhatIf: { kind: 'switch' },
      DomainController: ignoredParam,
    },
    run(args, ctx) {
      checkSettingsIdentity(ctx, args.string('Identity'));
      if (args.bool('WhatIf')) return none;
      const s = ctx.org.orgSettings;
      const level = args.string('DefaultAccessLevel') as AccessLevel | undefined;
      const admins = args.multi('AdminMailRecipients');
      if (admins) s.adminMailRecipients = applyMultiValue(s.adminMailRecipients, admins as MultiValue);
      // null clears a text to Exchange's empty default.
      if (args.has('UserMailInsert')) s.userMailInsert = (args.get('UserMailInsert') as string | null) ?? '';
      if (args.has('OtaNotificationMailInsert')) s.otaNotificationMailInsert = (args.get('OtaNotificationMailInsert') as string | null) ?? '';
      for (const [param, key] of [
        ['AllowAccessForUnSupportedPlatform', 'allowAccessForUnSupportedPlatform'],
        ['AllowRMSSupportForUnenlightenedApps', 'allowRMSSupportForUnenlightenedApps'],
        ['EnableMobileMailboxPolicyWhenCAInplace', 'enableMobileMailboxPolicyWhenCAInplace'],
      ] as const) {
        const v = args.bool(param);
        if (v !== undefined) s[key] = v;
      }
      if (args.has('TenantAdminPreference')) s.tenantAdminPreference = (args.get('TenantAdminPreference') as string | null) ?? null;
      s.whenChanged = ctx.now;
      if (level !== undefined && level !== s.defaultAccessLevel) {
        s.defaultAccessLevel = level;
        ctx.org.reevaluateAccess(ctx.now);
      }
      return none;
    },
  },
];
