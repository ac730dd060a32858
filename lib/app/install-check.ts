/**
 * The install check, the cloud form of ConfigMgr's "flagged for installation" ->
 * "STATMSG: ID=1015": may the connector's app run every cmdlet it can invoke? The
 * cmdlets come from one table, lib/exo/cmdlets/features.ts FEATURES, and are reported per feature.
 * - each Get cmdlet is tried with a harmless read (any answer but a missing permission
 *   means allowed: "not found" proves the cmdlet ran); a numeric ResultSize makes it one
 *   call;
 * - Set/New/Clear/Remove cmdlets are never run for this; instead the app's role
 *   assignments (Get-ManagementRoleAssignment) are compared with the roles that hold
 *   each cmdlet (Get-ManagementRoleEntry '*\<cmdlet>'). If the app may not read roles,
 *   those cmdlets count as missing, naming the role cmdlet it lacks.
 * The outcome is the connector status: `installed` with message id 1015 when the sync
 * works (the `sync` feature, and `groupScope` when the scope names groups; the others
 * are listed per feature, and one missing does not stop the rest), or `failed` naming
 * what the sync lacks. While anything is missing the check
 * is repeated hourly.
 */
import { describeError } from '../errors';
import type { Logger } from '../log';
import { ExoAuthError, ExoCancelledError, ExoError, ExoThrottledError, ExoTimeoutError, ExoTransientError, PermissionMissingError } from '../exo/errors';
import type { ExoInvoker } from '../exo/cmdlets';
import { FEATURES, FEATURE_NAMES, REQUIRED_CMDLETS, getManagementRoleAssignments, getManagementRoleEntries } from '../exo/cmdlets';
import type { ConnectorStatus, FeatureStatus } from '../domain/connector-status';
import type { ScopeConfig } from '../config';

export const INSTALLED_MESSAGE_ID = 1015;
export const COMPONENT = 'SMS_EXCHANGE_CONNECTOR';

export interface StatusStore {
  getStatus(tenantId: string): Promise<{ status: ConnectorStatus; etag: string } | null>;
  saveStatus(tenantId: string, status: ConnectorStatus, expectedEtag?: string): Promise<{ etag: string }>;
}

export interface InstallCheckDeps {
  tenantId: string;
  /** The app (client) id whose Exchange role assignments are checked. */
  appId: string;
  exo: ExoInvoker;
  status: StatusStore;
  log: Logger;
  now?: () => Date;
  /** The sync's scope: with groups (SCOPE_GROUPS or SCOPE_EXCLUDE_GROUPS) the group cmdlets are needed to be installed. */
  scope?: ScopeConfig;
  /** Interval of the retry while not installed (the seed: 60 minutes). */
  retryEveryMs?: number;
}

const usesGroups = (scope: ScopeConfig | undefined) => !!scope && (scope.mode === 'groups' || (scope.excludeGroups?.length ?? 0) > 0);

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

export interface PermissionReport {
  /** Every cmdlet the app may not run (or the role cmdlet that could not verify it), sorted. */
  missing: string[];
  features: FeatureStatus[];
}

/** Which cmdlets of the feature table the app may not run, per feature. */
export async function checkPermissions(deps: Pick<InstallCheckDeps, 'exo' | 'appId'>): Promise<PermissionReport> {
  const roles = REQUIRED_CMDLETS.some((c) => !c.startsWith('Get-')) ? await assignedRoles(deps.exo, deps.appId) : new Set<string>();
  const missingOf = new Map<string, string | null>();
  for (const cmdlet of REQUIRED_CMDLETS) {
    if (cmdlet.startsWith('Get-')) missingOf.set(cmdlet, (await mayRead(deps.exo, cmdlet)) ? null : cmdlet);
    else {
      const r = await mayWrite(deps.exo, cmdlet, roles);
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

/** Which cmdlets the app may not run (empty: all allowed). */
export async function findMissingCmdlets(deps: Pick<InstallCheckDeps, 'exo' | 'appId'>): Promise<string[]> {
  return (await checkPermissions(deps)).missing;
}

/**
 * Runs the check when due (never checked, or not installed and the retry time has
 * come; `force` skips that test) and records the status. Returns the status in force.
 */
export async function runInstallCheck(deps: InstallCheckDeps, o: { force?: boolean } = {}): Promise<ConnectorStatus> {
  const now = deps.now?.() ?? new Date();
  const retryEveryMs = deps.retryEveryMs ?? 60 * 60_000;
  const retryAt = new Date(now.getTime() + retryEveryMs).toISOString();
  let current = await deps.status.getStatus(deps.tenantId);
  if (current && !o.force) {
    // Installed with every feature: nothing to check again. Otherwise when the retry is due.
    if (current.status.state === 'installed' && current.status.nextCheckAt === null) return current.status;
    if (current.status.nextCheckAt && Date.parse(current.status.nextCheckAt) > now.getTime()) return current.status;
  }
  if (!current) {
    const flagged: ConnectorStatus = { state: 'flaggedForInstallation', messageId: null, missingCmdlets: [], features: [], checkedAt: now.toISOString(), nextCheckAt: now.toISOString(), detail: 'Waiting for the first permission check' };
    current = { status: flagged, etag: (await deps.status.saveStatus(deps.tenantId, flagged)).etag };
    deps.log.info(`Component ${COMPONENT} flagged for installation`, { tenantId: deps.tenantId });
  }

  let next: ConnectorStatus;
  try {
    const { missing, features } = await checkPermissions(deps);
    for (const cmdlet of missing) deps.log.error(`Invoking cmdlet ${cmdlet} failed: the app is not allowed to run it`, { tenantId: deps.tenantId, cmdlet });
    const unavailable = features.filter((f) => f.state === 'unavailable');
    const lacking = unavailable.map((f) => `${f.feature} (missing ${f.missingCmdlets.join(', ')})`).join('; ');
    const howToFix = 'add the cmdlets to its Exchange role group (see README, "Point it at a real tenant")';
    // The sync needs the group cmdlets only when its scope names groups.
    const needed = usesGroups(deps.scope) ? ['sync', 'groupScope'] : ['sync'];
    const syncWorks = features.every((f) => !needed.includes(f.feature) || f.state === 'available');
    if (syncWorks) {
      next = {
        state: 'installed',
        messageId: INSTALLED_MESSAGE_ID,
        missingCmdlets: missing,
        features,
        checkedAt: now.toISOString(),
        nextCheckAt: unavailable.length ? retryAt : null,
        detail: unavailable.length ? `The sync works; unavailable: ${lacking}: ${howToFix}` : 'The app may run every cmdlet the connector needs',
      };
      deps.log.info(`STATMSG: ID=${INSTALLED_MESSAGE_ID}: component ${COMPONENT} installed for tenant ${deps.tenantId}`, { tenantId: deps.tenantId });
      for (const f of unavailable) deps.log.warn(`Feature ${f.feature} is unavailable: the app may not run ${f.missingCmdlets.join(', ')}`, { tenantId: deps.tenantId, feature: f.feature });
    } else {
      next = { state: 'failed', messageId: null, missingCmdlets: missing, features, checkedAt: now.toISOString(), nextCheckAt: retryAt, detail: `The app may not run ${missing.join(', ')}; unavailable: ${lacking}: ${howToFix}` };
    }
  } catch (e) {
    // Inconclusive (throttled, outage): an installed connector stays installed with its last result.
    next = {
      state: current.status.state === 'installed' ? 'installed' : 'failed',
      messageId: current.status.state === 'installed' ? current.status.messageId : null,
      missingCmdlets: current.status.missingCmdlets,
      features: current.status.features,
      checkedAt: now.toISOString(),
      nextCheckAt: retryAt,
      detail: `The permission check could not run: ${describeError(e)}`,
    };
    deps.log.error(`Install check failed: ${describeError(e)}; retrying at ${next.nextCheckAt}`, { tenantId: deps.tenantId });
  }
  await deps.status.saveStatus(deps.tenantId, next);
  if (current.status.state !== next.state) deps.log.info(`Connector status ${current.status.state} -> ${next.state}`, { tenantId: deps.tenantId, messageId: next.messageId });
  return next;
}
