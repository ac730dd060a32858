/**
 * The control operations around the tenant's mobile configuration: what decided each
 * partnership's access, policies, rules and organisation settings read directly, the same
 * changed "by hand" (an administrator in the admin center, bypassing the connector, with
 * Exchange's own validation), planned failures of one cmdlet, and the app's role
 * assignments. Part of the control interface (control.ts).
 */
import { ValidationError } from '../../lib/errors';
import { rolesOf } from './cmdlets/rbac';
import { mailboxPolicyObject } from './cmdlets/projections';
import type { EmulatorCore } from './core';
import { keptBecause } from './store/device-rules';
import type { AccessRule, MailboxPolicy } from './store/model';
import { ORG_SETTINGS_NAME } from './store/org-settings';
import type { AccessStateView, EmulatorControl, OrganizationSettingsView, PolicyView, RuleView } from './types';
import { invokeAsAdministrator } from './control-admin';

type ConfigControl = Pick<
  EmulatorControl,
  | 'accessStates'
  | 'listPolicies'
  | 'getPolicy'
  | 'listRules'
  | 'getOrganizationSettings'
  | 'setPolicySettingsByHand'
  | 'setPolicySettingByHand'
  | 'setRuleByHand'
  | 'removeRuleByHand'
  | 'setOrganizationSettingsByHand'
  | 'setOrganizationFlags'
  | 'failNext'
  | 'setAssignedRoles'
  | 'assignedRoles'
>;

const iso = (ms: number) => new Date(ms).toISOString();

/** Exchange's display forms, without the OData annotations and the directory tail. */
function policyView(core: EmulatorCore, p: MailboxPolicy): PolicyView {
  const wire = mailboxPolicyObject(core.org, p);
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wire)) {
    if (k === 'AdminDisplayName') break;
    if (!k.includes('@')) settings[k] = v;
  }
  delete settings.IsDefault;
  return {
    name: p.name,
    guid: p.guid,
    isDefault: p.isDefault,
    settings,
    assignedMailboxes: core.org.assignedMailboxes(p).map((m) => m.upn),
    whenCreated: iso(p.whenCreated),
    whenChanged: iso(p.whenChanged),
  };
}

const ruleView = (r: AccessRule): RuleView => ({
  name: r.name,
  guid: r.guid,
  queryString: r.queryString,
  characteristic: r.characteristic,
  accessLevel: r.accessLevel,
  whenCreated: iso(r.whenCreated),
  whenChanged: iso(r.whenChanged),
});

export function configControl(core: EmulatorCore): ConfigControl {
  const settingsView = (): OrganizationSettingsView => {
    const s = core.org.orgSettings;
    return {
      identity: ORG_SETTINGS_NAME,
      defaultAccessLevel: s.defaultAccessLevel,
      adminMailRecipients: [...s.adminMailRecipients],
      userMailInsert: s.userMailInsert,
      otaNotificationMailInsert: s.otaNotificationMailInsert,
      allowAccessForUnSupportedPlatform: s.allowAccessForUnSupportedPlatform,
      allowRMSSupportForUnenlightenedApps: s.allowRMSSupportForUnenlightenedApps,
      enableMobileMailboxPolicyWhenCAInplace: s.enableMobileMailboxPolicyWhenCAInplace,
      tenantAdminPreference: s.tenantAdminPreference,
      isIntuneManaged: s.isIntuneManaged,
      hasAzurePremiumSubscription: s.hasAzurePremiumSubscription,
      whenChanged: iso(s.whenChanged),
    };
  };
  const policy = (identity: string): MailboxPolicy => {
    const p = typeof identity === 'string' ? core.org.findPolicy(identity) : undefined;
    if (!p) throw ValidationError.of('policy', `no mobile device mailbox policy '${identity}'`);
    return p;
  };

  const control: ConfigControl = {
    accessStates() {
      const { org } = core;
      return org.devices.view().map((d): AccessStateView => ({
        guid: d.guid,
        identity: org.deviceIdentity(d),
        deviceId: d.deviceId,
        deviceType: d.deviceType,
        clientType: d.clientType,
        mailbox: d.mailbox.upn,
        accessState: d.accessState,
        accessStateReason: d.accessStateReason,
        accessControlRule: d.accessControlRule,
        decidedBy: keptBecause(d) ?? org.evaluateAccess(d).decidedBy ?? 'default',
      }));
    },

    listPolicies: () => core.org.policies.view().map((p) => policyView(core, p)),

    getPolicy(identity) {
      const p = typeof identity === 'string' ? core.org.findPolicy(identity) : undefined;
      return p ? policyView(core, p) : undefined;
    },

    listRules: () => core.org.accessRules.view().map(ruleView),

    getOrganizationSettings: settingsView,

    setPolicySettingsByHand(identity, settings) {
      const p = policy(identity);
      if (!settings || typeof settings !== 'object' || Array.isArray(settings)) throw ValidationError.of('settings', 'an object of Set-MobileDeviceMailboxPolicy parameters');
      invokeAsAdministrator(core, 'Set-MobileDeviceMailboxPolicy', { ...settings, Identity: p.guid });
      return policyView(core, p);
    },

    setPolicySettingByHand(identity, parameter, value) {
      if (typeof parameter !== 'string' || parameter === '') throw ValidationError.of('parameter', 'a Set-MobileDeviceMailboxPolicy parameter name');
      return control.setPolicySettingsByHand(identity, { [parameter]: value });
    },

    setRuleByHand(rule) {
      if (!rule || typeof rule.queryString !== 'string' || typeof rule.characteristic !== 'string') throw ValidationError.of('rule', '{queryString, characteristic, accessLevel}');
      const existing = core.org.accessRules.view().find((r) => r.queryString.toLowerCase() === rule.queryString.toLowerCase() && r.characteristic.toLowerCase() === rule.characteristic.toLowerCase());
      if (existing) {
        invokeAsAdministrator(core, 'Set-ActiveSyncDeviceAccessRule', { Identity: existing.guid, AccessLevel: rule.accessLevel });
        return ruleView(existing);
      }
      invokeAsAdministrator(core, 'New-ActiveSyncDeviceAccessRule', { QueryString: rule.queryString, Characteristic: rule.characteristic, AccessLevel: rule.accessLevel });
      return ruleView(core.org.accessRules.view().at(-1)!);
    },

    removeRuleByHand(identity) {
      invokeAsAdministrator(core, 'Remove-ActiveSyncDeviceAccessRule', { Identity: identity });
    },

    setOrganizationSettingsByHand(settings) {
      if (!settings || typeof settings !== 'object' || Array.isArray(settings)) throw ValidationError.of('settings', 'an object of Set-ActiveSyncOrganizationSettings parameters');
      invokeAsAdministrator(core, 'Set-ActiveSyncOrganizationSettings', settings);
      return settingsView();
    },

    setOrganizationFlags(flags) {
      const s = core.org.orgSettings;
      for (const k of ['isIntuneManaged', 'hasAzurePremiumSubscription'] as const) {
        const v = flags?.[k];
        if (v === undefined) continue;
        if (typeof v !== 'boolean') throw ValidationError.of(k, 'true or false');
        s[k] = v;
      }
      s.whenChanged = core.now();
      return settingsView();
    },

    failNext(cmdletName, count, o) {
      const def = core.registry.get(String(cmdletName).toLowerCase());
      if (!def) throw ValidationError.of('cmdlet', `'${cmdletName}' is not an emulated cmdlet`);
      core.faults.failNext(def.name, count, o ?? {});
    },

    setAssignedRoles(roles) {
      if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) throw ValidationError.of('roles', 'a list of management role names');
      const known = new Set([...core.registry.values()].flatMap(rolesOf));
      const unknown = roles.filter((r) => !known.has(r));
      if (unknown.length > 0) throw ValidationError.of('roles', `no emulated cmdlet is in ${unknown.map((r) => `'${r}'`).join(', ')}`);
      core.assignedRoles = [...new Set(roles)];
    },

    assignedRoles: () => [...core.assignedRoles],
  };
  return control;
}
