/**
 * The connector's install status, the cloud form of ConfigMgr's status messages:
 * `flaggedForInstallation` until the first permission check, then `installed` (message
 * id 1015) or `failed`.
 *
 * `installed` means the sync works: every cmdlet of the `sync` feature may run (and of
 * `groupScope` when the scope names groups). A
 * missing write-side feature (device actions, access rules, organization settings,
 * mailbox policies) does not fail the install: the inventory and every other feature keep
 * working, so the status stays `installed`/1015 and `features` names what is unavailable
 * and which cmdlets it lacks (the check is then repeated hourly, so a role added later shows).
 */
export type FeatureState = 'available' | 'unavailable';

export interface FeatureStatus {
  /** A feature of lib/exo/cmdlets/features.ts FEATURES: sync, groupScope, deviceActions, accessRules, organizationSettings, mailboxPolicies. */
  feature: string;
  state: FeatureState;
  /** The cmdlets the app may not run (empty when available). */
  missingCmdlets: string[];
}

export interface ConnectorStatus {
  state: 'flaggedForInstallation' | 'installed' | 'failed';
  messageId: number | null;
  /** Every cmdlet the app may not run, all features together. */
  missingCmdlets: string[];
  /** Per feature, from the last check that ran; empty before the first one. */
  features: FeatureStatus[];
  checkedAt: string;
  nextCheckAt: string | null;
  detail: string;
}
