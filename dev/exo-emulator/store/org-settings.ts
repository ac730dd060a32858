/**
 * The organisation's ActiveSync settings object (`Mobile Mailbox Settings`), as
 * Get-ActiveSyncOrganizationSettings shows it. Defaults: DefaultAccessLevel Allow
 * (cmdlet reference); UserMailInsert and OtaNotificationMailInsert are empty strings, not
 * null (Exchange 2016's ActiveSyncOrganizationSettingsSchema: string.Empty defaults);
 * AllowAccessForUnSupportedPlatform false (a ProvisioningFlags bit, 0 by default, same
 * source); AllowRMSSupportForUnenlightenedApps false (cmdlet reference). Choices where no
 * source gives a value: EnableMobileMailboxPolicyWhenCAInplace false, TenantAdminPreference
 * null (its enum's names are not published), IsIntuneManaged and
 * HasAzurePremiumSubscription false.
 */
import { randomUUID } from 'node:crypto';
import type { OrgSettings } from './model';

export const ORG_SETTINGS_NAME = 'Mobile Mailbox Settings';

export function newOrgSettings(now: number): OrgSettings {
  return {
    guid: randomUUID(),
    defaultAccessLevel: 'Allow',
    adminMailRecipients: [],
    userMailInsert: '',
    otaNotificationMailInsert: '',
    allowAccessForUnSupportedPlatform: false,
    allowRMSSupportForUnenlightenedApps: false,
    enableMobileMailboxPolicyWhenCAInplace: false,
    tenantAdminPreference: null,
    isIntuneManaged: false,
    hasAzurePremiumSubscription: false,
    whenCreated: now,
    whenChanged: now,
  };
}
