/**
 * The install check, the cloud form of ConfigMgr's "flagged for installation" ->
 * "STATMSG: ID=1015": may the connector's app run every cmdlet it needs?
 * - each Get cmdlet is tried with a harmless read (any answer but 403 means allowed:
 *   "not found" proves the cmdlet ran);
 * - Set/New/Clear/Remove cmdlets are never run for this; instead the app's role
 *   assignments (Get-ManagementRoleAssignment) are compared with the roles that hold
 *   each cmdlet (Get-ManagementRoleEntry '*\<cmdlet>').
 * The outcome is the connector status: `installed` with message id 1015, or `failed`
 * naming every missing cmdlet; while not installed the check is repeated hourly.
 */
import { describeError } from '../errors';
import type { Logger } from '../log';
import { ExoBadParameterError, ExoNotFoundError, PermissionMissingError } from '../exo/errors';
import type { ExoInvoker } from '../exo/cmdlets';
import { REQUIRED_CMDLETS, getManagementRoleAssignments, getManagementRoleEntries } from '../exo/cmdlets';
import type { ConnectorStatus } from '../domain/connector-status';

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
  /** Interval of the retry while not installed (the seed: 60 minutes). */
  retryEveryMs?: number;
}

/** Harmless reads: parameters that make each Get cmdlet run and return little or nothing. */
const PROBES: Record<string, Record<string, unknown>> = {
  'Get-MobileDevice': { ResultSize: 1 },
  'Get-MobileDeviceStatistics': { Identity: 'exo-connector-install-check\\ExchangeActiveSyncDevices\\Probe§0' },
  'Get-MobileDeviceMailboxPolicy': {},
  'Get-ActiveSyncDeviceAccessRule': {},
  'Get-ActiveSyncOrganizationSettings': {},
  'Get-CASMailbox': { ResultSize: 1 },
  'Get-Mailbox': { ResultSize: 1 },
  'Get-Recipient': { ResultSize: 1 },
  'Get-User': { ResultSize: 1 },
};

async function mayRead(exo: ExoInvoker, cmdlet: string): Promise<boolean> {
  try {
    await exo.invoke(cmdlet, PROBES[cmdlet] ?? {}, { acceptTruncation: true });
    return true;
  } catch (e) {
    if (e instanceof PermissionMissingError) return false;
    // Not found, bad parameter and the like: the cmdlet ran, so the app may run it.
    if (e instanceof ExoNotFoundError || e instanceof ExoBadParameterError) return true;
    throw e;
  }
}

async function mayWrite(exo: ExoInvoker, cmdlet: string, assignedRoles: Set<string>): Promise<boolean> {
  const entries = await getManagementRoleEntries(exo, `*\\${cmdlet}`);
  return entries.some((e) => e.Role && assignedRoles.has(e.Role.toLowerCase()));
}

/** Which required cmdlets the app may not run (empty: all allowed). */
export async function findMissingCmdlets(deps: Pick<InstallCheckDeps, 'exo' | 'appId'>): Promise<string[]> {
  const assignments = await getManagementRoleAssignments(deps.exo, { roleAssignee: deps.appId });
  const assigned = new Set(assignments.filter((a) => a.Enabled !== false && a.Role).map((a) => a.Role!.toLowerCase()));
  const missing: string[] = [];
  for (const cmdlet of REQUIRED_CMDLETS) {
    const allowed = cmdlet.startsWith('Get-') ? await mayRead(deps.exo, cmdlet) : await mayWrite(deps.exo, cmdlet, assigned);
    if (!allowed) missing.push(cmdlet);
  }
  return missing;
}

/**
 * Runs the check when due (never checked, or not installed and the retry time has
 * come; `force` skips that test) and records the status. Returns the status in force.
 */
export async function runInstallCheck(deps: InstallCheckDeps, o: { force?: boolean } = {}): Promise<ConnectorStatus> {
  const now = deps.now?.() ?? new Date();
  const retryEveryMs = deps.retryEveryMs ?? 60 * 60_000;
  let current = await deps.status.getStatus(deps.tenantId);
  if (current && !o.force) {
    if (current.status.state === 'installed') return current.status;
    if (current.status.nextCheckAt && Date.parse(current.status.nextCheckAt) > now.getTime()) return current.status;
  }
  if (!current) {
    const flagged: ConnectorStatus = { state: 'flaggedForInstallation', messageId: null, missingCmdlets: [], checkedAt: now.toISOString(), nextCheckAt: now.toISOString(), detail: 'Waiting for the first permission check' };
    current = { status: flagged, etag: (await deps.status.saveStatus(deps.tenantId, flagged)).etag };
    deps.log.info(`Component ${COMPONENT} flagged for installation`, { tenantId: deps.tenantId });
  }

  let next: ConnectorStatus;
  try {
    const missing = await findMissingCmdlets(deps);
    if (missing.length === 0) {
      next = { state: 'installed', messageId: INSTALLED_MESSAGE_ID, missingCmdlets: [], checkedAt: now.toISOString(), nextCheckAt: null, detail: 'The app may run every cmdlet the connector needs' };
      deps.log.info(`STATMSG: ID=${INSTALLED_MESSAGE_ID}: component ${COMPONENT} installed for tenant ${deps.tenantId}`, { tenantId: deps.tenantId });
    } else {
      for (const cmdlet of missing) deps.log.error(`Invoking cmdlet ${cmdlet} failed: the app is not allowed to run it`, { tenantId: deps.tenantId, cmdlet });
      next = {
        state: 'failed',
        messageId: null,
        missingCmdlets: missing,
        checkedAt: now.toISOString(),
        nextCheckAt: new Date(now.getTime() + retryEveryMs).toISOString(),
        detail: `The app may not run ${missing.join(', ')}: add them to its Exchange role group (see README, "Point it at a real tenant")`,
      };
    }
  } catch (e) {
    next = {
      state: 'failed',
      messageId: null,
      missingCmdlets: current.status.missingCmdlets,
      checkedAt: now.toISOString(),
      nextCheckAt: new Date(now.getTime() + retryEveryMs).toISOString(),
      detail: `The permission check could not run: ${describeError(e)}`,
    };
    deps.log.error(`Install check failed: ${describeError(e)}; retrying at ${next.nextCheckAt}`, { tenantId: deps.tenantId });
  }
  await deps.status.saveStatus(deps.tenantId, next);
  if (current.status.state !== next.state) deps.log.info(`Connector status ${current.status.state} -> ${next.state}`, { tenantId: deps.tenantId, messageId: next.messageId });
  return next;
}
