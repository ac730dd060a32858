/**
 * Views for the API and reports: which settings are managed, with what value, and whether
 * each still has an effect (relevance), so a policy is not read as protecting a phone
 * through a setting the phone ignores.
 */
import { AppError } from '../../errors';
import {
  ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF,
  POLICY_GROUPS,
  POLICY_SETTINGS,
  type PolicyGroup,
  type PolicyParameterDef,
  type Relevance,
  settingByKey,
  settingsOfGroup,
} from './catalogue';
import type { PolicyDrift } from './diff';
import type { DesiredGroups } from './validate';
import { copyValue, type PolicyValue } from './values';

export interface SettingDescription {
  group: PolicyGroup | null;
  key: string;
  parameter: string;
  label: string;
  allowed: string;
  default: PolicyValue;
  relevance: Relevance;
  relevanceNote: string;
}

export interface ManagedSettingView extends SettingDescription {
  value: PolicyValue;
  /** The administrator gave this value; otherwise the group rule wrote the default. */
  explicit: boolean;
}

export interface DriftView extends SettingDescription {
  desired: PolicyDrift['desired'];
  found: PolicyDrift['found'];
}

const describeSetting = (group: PolicyGroup | null, def: PolicyParameterDef): SettingDescription => ({
  group,
  key: def.key,
  parameter: def.parameter,
  label: def.label,
  allowed: def.allowed,
  default: copyValue(def.default),
  relevance: def.relevance,
  relevanceNote: def.relevanceNote,
});

/** Every setting the connector can manage, groups first, then AllowExternalDeviceManagement. */
export function catalogueView(): SettingDescription[] {
  return [...POLICY_SETTINGS.map((s) => describeSetting(s.group, s)), describeSetting(null, ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF)];
}

/**
 * Each managed setting of the desired groups as the administrator gave them (partial):
 * every member of a managed group, with its value after the group rule.
 */
export function settingsView(groups: DesiredGroups, allowExternalDeviceManagement?: boolean): ManagedSettingView[] {
  const view: ManagedSettingView[] = [];
  for (const group of POLICY_GROUPS) {
    const given = groups[group];
    if (given === undefined) continue;
    for (const def of settingsOfGroup(group)) {
      const explicit = given[def.key] !== undefined;
      view.push({ ...describeSetting(group, def), value: copyValue(explicit ? (given[def.key] as PolicyValue) : def.default), explicit });
    }
  }
  if (allowExternalDeviceManagement !== undefined) {
    view.push({ ...describeSetting(null, ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF), value: allowExternalDeviceManagement, explicit: true });
  }
  return view;
}

/** Drift with each setting's label and relevance: an impact preview, or a drift report. */
export function driftView(drift: readonly PolicyDrift[]): DriftView[] {
  return drift.map((d) => {
    const def = d.group === null ? ALLOW_EXTERNAL_DEVICE_MANAGEMENT_DEF : settingByKey(d.key);
    if (!def) throw new AppError('UnknownPolicySetting', `Drift names a setting the catalogue does not have: ${d.key}`);
    return { ...describeSetting(d.group, def), desired: copyValue(d.desired), found: d.found };
  });
}
