/** The feature -> cmdlet table the install check verifies, and the seed's names of those cmdlets. */

/**
 * What the connector can invoke, by feature: the install check verifies exactly this
 * table, and a unit test (test/unit/cmdlet-coverage.test.ts) fails when code in lib/
 * invokes a cmdlet the table does not hold. A feature whose cmdlets the app may not run
 * is reported unavailable; the others keep working.
 */
export const FEATURES = {
  sync: {
    description: 'inventory sync (full and delta): the listing, statistics and the users behind devices',
    cmdlets: ['Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Get-Recipient', 'Get-Mailbox'],
  },
  /** Needed by the sync only when SCOPE_MODE=groups or SCOPE_EXCLUDE_GROUPS is set. */
  groupScope: {
    description: 'group scope (SCOPE_GROUPS, SCOPE_EXCLUDE_GROUPS): members of distribution, security and Microsoft 365 groups',
    cmdlets: ['Get-Recipient', 'Get-DistributionGroupMember', 'Get-UnifiedGroupLinks'],
  },
  deviceActions: {
    description: 'wipe, account-only wipe, remove, block and allow a device',
    cmdlets: ['Get-MobileDevice', 'Get-MobileDeviceStatistics', 'Clear-MobileDevice', 'Remove-MobileDevice', 'Get-CASMailbox', 'Set-CASMailbox'],
  },
  /** Get-CASMailbox: the impact preview leaves out devices of users whose ActiveSync is disabled (the top of the precedence). */
  accessRules: {
    description: 'device access rules (allow, block, quarantine by type, model, OS, user agent)',
    cmdlets: ['Get-ActiveSyncDeviceAccessRule', 'New-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncDeviceAccessRule', 'Remove-ActiveSyncDeviceAccessRule', 'Get-CASMailbox'],
  },
  organizationSettings: {
    description: 'organization-wide ActiveSync access level and notifications',
    cmdlets: ['Get-ActiveSyncOrganizationSettings', 'Set-ActiveSyncOrganizationSettings', 'Get-CASMailbox'],
  },
  mailboxPolicies: {
    description: 'mobile device mailbox policies and their assignment to mailboxes',
    cmdlets: ['Get-MobileDeviceMailboxPolicy', 'Set-MobileDeviceMailboxPolicy', 'New-MobileDeviceMailboxPolicy', 'Remove-MobileDeviceMailboxPolicy', 'Get-CASMailbox', 'Set-CASMailbox'],
  },
} as const satisfies Record<string, { description: string; cmdlets: readonly string[] }>;

export type Feature = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as Feature[];

/**
 * The install check's own reads: Set/New/Clear/Remove cmdlets are never run to test a
 * permission; the app's role assignments are compared with the roles holding each one.
 */
export const INSTALL_CHECK_CMDLETS = ['Get-ManagementRoleAssignment', 'Get-ManagementRoleEntry'] as const;

/** Every cmdlet a feature invokes (Exchange Online names), once each. */
export const REQUIRED_CMDLETS = [...new Set(Object.values(FEATURES).flatMap((f) => f.cmdlets))] as RequiredCmdlet[];

export type RequiredCmdlet = (typeof FEATURES)[Feature]['cmdlets'][number];

/**
 * The seed's on-premises name of each cmdlet (null: not in the seed's list; the connector
 * needs it because an access rule's query can only change by remove + recreate, or
 * because Exchange Online needs it for group scope). The seed's Get-ExchangeServer and
 * Set-ADServerSettings have no Exchange Online counterpart, and its Get-User is not
 * needed: Get-Recipient carries the user's UPN (WindowsLiveID).
 */
export const SEED_CMDLET_NAMES: Record<RequiredCmdlet, string | null> = {
  'Get-MobileDevice': 'Get-ActiveSyncDevice',
  'Get-MobileDeviceStatistics': 'Get-ActiveSyncDeviceStatistics',
  'Clear-MobileDevice': 'Clear-ActiveSyncDevice',
  'Remove-MobileDevice': 'Remove-ActiveSyncDevice',
  'Get-MobileDeviceMailboxPolicy': 'Get-ActiveSyncMailboxPolicy',
  'Set-MobileDeviceMailboxPolicy': 'Set-ActiveSyncMailboxPolicy',
  'New-MobileDeviceMailboxPolicy': 'New-ActiveSyncMailboxPolicy',
  'Remove-MobileDeviceMailboxPolicy': 'Remove-ActiveSyncMailboxPolicy',
  'Get-ActiveSyncDeviceAccessRule': 'Get-ActiveSyncDeviceAccessRule',
  'New-ActiveSyncDeviceAccessRule': 'New-ActiveSyncDeviceAccessRule',
  'Set-ActiveSyncDeviceAccessRule': 'Set-ActiveSyncDeviceAccessRule',
  'Remove-ActiveSyncDeviceAccessRule': null,
  'Get-ActiveSyncOrganizationSettings': 'Get-ActiveSyncOrganizationSettings',
  'Set-ActiveSyncOrganizationSettings': 'Set-ActiveSyncOrganizationSettings',
  'Get-CASMailbox': 'Get-CasMailbox',
  'Set-CASMailbox': 'Set-CASMailbox',
  'Get-Mailbox': 'Get-Mailbox',
  'Get-Recipient': 'Get-Recipient',
  'Get-DistributionGroupMember': null,
  'Get-UnifiedGroupLinks': null,
};
