/**
 * The install check, the cloud form of ConfigMgr's "flagged for installation" ->
 * "STATMSG: ID=1015": may the connector's app run every cmdlet it can invoke? What it may
 * run comes from a PermissionProbe, per feature of lib/exo/cmdlets/features.ts FEATURES
 * (lib/exo/permission-probe.ts asks Exchange without changing anything).
 * The outcome is the connector status: `installed` with message id 1015 when the sync
 * works (the `sync` feature, and `groupScope` when the scope names groups; the others
 * are listed per feature, and one missing does not stop the rest), or `failed` naming
 * what the sync lacks. While anything is missing the check
 * is repeated hourly.
 */
import { describeError } from '../errors';
import type { Logger } from '../log';
import type { ConnectorStatus, FeatureStatus } from '../domain/connector-status';
import type { ScopeConfig } from '../config';

export const INSTALLED_MESSAGE_ID = 1015;
export const COMPONENT = 'SMS_EXCHANGE_CONNECTOR';

export interface StatusStore {
  getStatus(tenantId: string): Promise<{ status: ConnectorStatus; etag: string } | null>;
  saveStatus(tenantId: string, status: ConnectorStatus, expectedEtag?: string): Promise<{ etag: string }>;
}

export interface PermissionReport {
  /** Every cmdlet the app may not run (or the role cmdlet that could not verify it), sorted. */
  missing: string[];
  features: FeatureStatus[];
}

/** What the app may run, per feature. */
export interface PermissionProbe {
  /** Throws when Exchange cannot tell (throttled, down, no token): the check is inconclusive then. */
  check(): Promise<PermissionReport>;
}

export interface InstallCheckDeps {
  tenantId: string;
  /** The permissions of the connector's app. */
  permissions: PermissionProbe;
  status: StatusStore;
  log: Logger;
  now?: () => Date;
  /** The sync's scope: with groups (SCOPE_GROUPS or SCOPE_EXCLUDE_GROUPS) the group cmdlets are needed to be installed. */
  scope?: ScopeConfig;
  /** Interval of the retry while not installed (the seed: 60 minutes). */
  retryEveryMs?: number;
}

const usesGroups = (scope: ScopeConfig | undefined) => !!scope && (scope.mode === 'groups' || (scope.excludeGroups?.length ?? 0) > 0);

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
    const { missing, features } = await deps.permissions.check();
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
