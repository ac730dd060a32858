/**
 * Which cmdlets of the feature table (cmdlets/features.ts FEATURES) the app may run, asked
 * of Exchange without changing anything: the PermissionProbe of the install check
 * (lib/app/install-check.ts).
 * - each Get cmdlet is tried with a harmless read (any answer but a missing permission
 *   means allowed: "not found" proves the cmdlet ran); a numeric ResultSize makes it one
 *   call;
 * - Set/New/Clear/Remove cmdlets are never run for this; instead the app's role
 *   assignments (Get-ManagementRoleAssignment) are compared with the roles that hold
 *   each cmdlet (Get-ManagementRoleEntry '*\<cmdlet>'). If the app may not read roles,
 *   those cmdlets count as missing, naming the role cmdlet it lacks.
 */
import type { FeatureStatus } from '../domain/connector-status';
import type { PermissionProbe, PermissionReport } from '../app/install-check';
import { ExoAuthError, ExoCancelledError, ExoError, ExoThrottledError, ExoTimeoutError, ExoTransientError, PermissionMissingError } from './errors';
import { FEATURES, FEATURE_NAMES, REQUIRED_CMDLETS, getManagementRoleAssignments, getManagementRoleEntries, type ExoInvoker } from './cmdlets';

/** A group name no tenant has: its member cmdlets answer "not found", which proves they ran. */
const PROBE_NAME = 'exo-connector-install-check';

/** Harmless reads: parameters that make each Get cmdlet run and return little or nothing. */
const PROBES: Record<string, Record<string, unknown>> = {
  'Get-MobileDevice': { ResultSize: 1 },
  'Get-MobileDeviceStatistics': { Identity: `${PROBE_NAME}\\ExchangeActiveSyncDevices\\Probe§0` },
  'Get-MobileDeviceMailboxPolicy': {},
  'Get-ActiveSyncDeviceAccessRule': {},
  'Get-ActiveSyncOrganizationSettings': {},
  'Get-CASMailbox': { ResultSize: 1 },
  'Get-Mailbox': { ResultSize: 1 },
  'Get-Recipient': { ResultSize: 1 },
  'Get-DistributionGroupMember': { Identity: PROBE_NAME, ResultSize: 1 },
  'Get-UnifiedGroupLinks': { Identity: PROBE_NAME, LinkType: 'Members', ResultSize: 1 },
};

/** Failures that say nothing about a permission: the check cannot conclude and runs again later. */
const INCONCLUSIVE = [ExoThrottledError, ExoTransientError, ExoTimeoutError, ExoAuthError, ExoCancelledError];

async function mayRead(exo: ExoInvoker, cmdlet: string): Promise<boolean> {
  try {
    await exo.invoke(cmdlet, PROBES[cmdlet] ?? {}, { acceptTruncation: true });
    return true;
  } catch (e) {
    if (e instanceof PermissionMissingError) return false;
    // Not found, bad parameter, an odd answer: Exchange ran the cmdlet, so the app may run it.
    if (e instanceof ExoError && !INCONCLUSIVE.some((c) => e instanceof c)) return true;
    throw e;
  }
}

/** The roles assigned to the app, or the role cmdlet it may not run. */
async function assignedRoles(exo: ExoInvoker, appId: string): Promise<Set<string> | { missing: string }> {
  try {
    const assignments = await getManagementRoleAssignments(exo, { roleAssignee: appId });
    return new Set(assignments.filter((a) => a.Enabled !== false && a.Role).map((a) => a.Role!.toLowerCase()));
  } catch (e) {
    if (e instanceof PermissionMissingError) return { missing: 'Get-ManagementRoleAssignment' };
    throw e;
  }
}

/** Whether the app may run a cmdlet that changes state, or the role cmdlet that could not tell. */
async function mayWrite(exo: ExoInvoker, cmdlet: string, roles: Set<string> | { missing: string }): Promise<true | string> {
  if (!(roles instanceof Set)) return roles.missing;
  try {
    const entries = await getManagementRoleEntries(exo, `*\\${cmdlet}`);
    return entries.some((e) => e.Role && roles.has(e.Role.toLowerCase())) ? true : cmdlet;
  } catch (e) {
    if (e instanceof PermissionMissingError) return 'Get-ManagementRoleEntry';
    throw e;
  }
}

/** Which cmdlets of the feature table the app `appId` may not run, per feature. */
export async function checkPermissions(exo: ExoInvoker, appId: string): Promise<PermissionReport> {
  const roles = REQUIRED_CMDLETS.some((c) => !c.startsWith('Get-')) ? await assignedRoles(exo, appId) : new Set<string>();
  const missingOf = new Map<string, string | null>();
  for (const cmdlet of REQUIRED_CMDLETS) {
    if (cmdlet.startsWith('Get-')) missingOf.set(cmdlet, (await mayRead(exo, cmdlet)) ? null : cmdlet);
    else {
      const r = await mayWrite(exo, cmdlet, roles);
      missingOf.set(cmdlet, r === true ? null : r);
    }
  }
  const features: FeatureStatus[] = FEATURE_NAMES.map((feature) => {
    const missing = [...new Set(FEATURES[feature].cmdlets.map((c) => missingOf.get(c)).filter((m): m is string => !!m))];
    return { feature, state: missing.length ? 'unavailable' : 'available', missingCmdlets: missing };
  });
  const missing = [...new Set([...missingOf.values()].filter((m): m is string => !!m))].sort();
  return { missing, features };
}

/** The install check's port over Exchange: the permissions of the app `appId`, asked through `exo`. */
export function createPermissionProbe(exo: ExoInvoker, appId: string): PermissionProbe {
  return { check: () => checkPermissions(exo, appId) };
}
