/**
 * Get-/New-/Set-/Remove-ActiveSyncDeviceAccessRule and Get-/Set-ActiveSyncOrganizationSettings.
 * Rules and the default access level take effect when a device next connects
 * (control: checkIn), as in Exchange.
 */
import { cmdletErrors } from '../exchange-errors';
import type { AccessLevel, AccessRule, RuleCharacteristic } from '../store/model';
import { applyMultiValue, type MultiValue, type ParamKind } from './params';
import { smtpAddressItem } from './mobile-devices';
import { accessRuleObject, orgSettingsObject } from './projections';
import { type CmdletContext, type CmdletDef, confirmParam, identityParam, ignoredParam, none, objects } from './types';

const ROLE = 'Organization Client Access';
const ACCESS_LEVELS = ['Allow', 'Block', 'Quarantine'] as const;
const CHARACTERISTICS = ['DeviceType', 'DeviceModel', 'DeviceOS', 'UserAgent', 'XMSWLHeader'] as const;
const accessLevelParam: ParamKind = { kind: 'enum', values: ACCESS_LEVELS, typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessLevel' };

function ruleByIdentity(ctx: CmdletContext, identity: string): AccessRule {
  const r = ctx.org.findRule(identity);
  if (!r) throw cmdletErrors.notFound(identity);
  return r;
}

export const accessSettingsCmdlets: CmdletDef[] = [
  {
    name: 'Get-ActiveSyncDeviceAccessRule',
    role: ROLE,
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
      Characteristic: { kind: 'enum', values: CHARACTERISTICS, typeName: 'Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessCharacteristic' },
      AccessLevel: accessLevelParam,
      Confirm: confirmParam,
      DomainController: ignoredParam,
    },
    mandatory: ['QueryString', 'Characteristic', 'AccessLevel'],
    run(args, ctx) {
      const queryString = args.string('QueryString')!;
      if (queryString.trim() === '') throw cmdletErrors.validation('QueryString', 'The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.');
      ctx.org.addRule({
        queryString,
        characteristic: args.string('Characteristic') as RuleCharacteristic,
        accessLevel: args.string('AccessLevel') as AccessLevel,
        now: ctx.now,
      });
      return none;
    },
  },
  {
    // Set- changes only AccessLevel; a rule's query is changed by removing and recreating it.
    name: 'Set-ActiveSyncDeviceAccessRule',
    role: ROLE,
    params: { Identity: identityParam, AccessLevel: accessLevelParam, Confirm: confirmParam, DomainController: ignoredParam },
    mandatory: ['Identity'],
    run(args, ctx) {
      const rule = ruleByIdentity(ctx, args.string('Identity')!);
      const level = args.string('AccessLevel') as AccessLevel | undefined;
      if (level !== undefined) rule.accessLevel = level;
      rule.whenChanged = ctx.now;
      return none;
    },
  },
  {
    name: 'Remove-ActiveSyncDeviceAccessRule',
    role: ROLE,
    params: { Identity: identityParam, Confirm: confirmParam, DomainController: ignoredParam },
    mandatory: ['Identity'],
    run(args, ctx) {
      ctx.org.removeRule(ruleByIdentity(ctx, args.string('Identity')!));
      return none;
    },
  },
  {
    name: 'Get-ActiveSyncOrganizationSettings',
    role: ROLE,
    params: { Identity: identityParam, DomainController: ignoredParam },
    run(_args, ctx) {
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
      // Exchange caps the text added to quarantine notices at 256 characters.
      UserMailInsert: { kind: 'string', maxLength: 256, nullable: true },
      OtaNotificationMailInsert: { kind: 'string', nullable: true },
      AllowAccessForUnSupportedPlatform: { kind: 'bool' },
      Confirm: confirmParam,
      DomainController: ignoredParam,
    },
    run(args, ctx) {
      const s = ctx.org.orgSettings;
      const level = args.string('DefaultAccessLevel') as AccessLevel | undefined;
      if (level !== undefined) s.defaultAccessLevel = level;
      const admins = args.multi('AdminMailRecipients');
      if (admins) s.adminMailRecipients = applyMultiValue(s.adminMailRecipients, admins as MultiValue);
      if (args.has('UserMailInsert')) s.userMailInsert = (args.get('UserMailInsert') as string | null) ?? null;
      if (args.has('OtaNotificationMailInsert')) s.otaNotificationMailInsert = (args.get('OtaNotificationMailInsert') as string | null) ?? null;
      const unsupported = args.bool('AllowAccessForUnSupportedPlatform');
      if (unsupported !== undefined) s.allowAccessForUnSupportedPlatform = unsupported;
      s.whenChanged = ctx.now;
      return none;
    },
  },
];
