/**
 * The connector's rule for groups: configuring any one setting of a group puts the whole
 * group under management, so its unset members are written with Exchange's defaults
 * (catalogue.ts), and a group left out is never touched.
 */
import { POLICY_GROUPS, type PolicyGroup, settingsOfGroup } from './catalogue';
import type { DesiredGroups, GroupSettings } from './validate';
import { copyValue, type PolicyValue } from './values';

export type CompleteGroups = Partial<Record<PolicyGroup, Record<string, PolicyValue>>>;

/** The whole group, in catalogue order: the given members, defaults for the rest; keys of other groups are ignored. */
export function completeGroup(group: PolicyGroup, partial: GroupSettings = {}): Record<string, PolicyValue> {
  const whole: Record<string, PolicyValue> = {};
  for (const s of settingsOfGroup(group)) {
    const given = partial[s.key];
    whole[s.key] = copyValue(given === undefined ? s.default : given);
  }
  return whole;
}

/** Every managed group completed; unmanaged groups stay absent. */
export function completeGroups(groups: DesiredGroups): CompleteGroups {
  const out: CompleteGroups = {};
  for (const group of POLICY_GROUPS) {
    const partial = groups[group];
    if (partial !== undefined) out[group] = completeGroup(group, partial);
  }
  return out;
}

export const managedGroups = (groups: DesiredGroups): PolicyGroup[] => POLICY_GROUPS.filter((g) => groups[g] !== undefined);
