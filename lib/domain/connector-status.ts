/**
 * The connector's install status, the cloud form of ConfigMgr's status messages:
 * `flaggedForInstallation` until the first permission check, then `installed` (message
 * id 1015) or `failed` with every cmdlet the app may not run.
 */
export interface ConnectorStatus {
  state: 'flaggedForInstallation' | 'installed' | 'failed';
  messageId: number | null;
  missingCmdlets: string[];
  checkedAt: string;
  nextCheckAt: string | null;
  detail: string;
}
