/** Device access rules (allow, block, quarantine by device characteristic) and the organization-wide ActiveSync settings. */
import type { InvokeOptions } from '../options';
import { run, single, type ExoDateText, type ExoInvoker, type Open } from './common';

export type AccessLevel = 'Allow' | 'Block' | 'Quarantine';
export type AccessRuleCharacteristic = 'DeviceType' | 'DeviceModel' | 'DeviceOS' | 'UserAgent' | 'XMSWLHeader';

/** Get-ActiveSyncDeviceAccessRule. */
export interface ActiveSyncDeviceAccessRule {
  Identity: string;
  Name?: string | null;
  AccessLevel: Open<AccessLevel>;
  Characteristic: Open<AccessRuleCharacteristic>;
  QueryString: string;
  Guid?: string | null;
  WhenChanged?: ExoDateText;
  WhenCreated?: ExoDateText;
}

/** Set-ActiveSyncOrganizationSettings parameters. */
export interface ActiveSyncOrganizationSettingsParameters {
  DefaultAccessLevel?: AccessLevel;
  AdminMailRecipients?: string[];
  /** Text added to the quarantine mail; at most 256 characters. */
  UserMailInsert?: string | null;
  OtaNotificationMailInsert?: string | null;
  AllowAccessForUnSupportedPlatform?: boolean;
}

/** Get-ActiveSyncOrganizationSettings. */
export interface ActiveSyncOrganizationSettings {
  Identity?: string | null;
  Name?: string | null;
  DefaultAccessLevel?: Open<AccessLevel> | null;
  AdminMailRecipients?: string[] | null;
  UserMailInsert?: string | null;
  OtaNotificationMailInsert?: string | null;
  AllowAccessForUnSupportedPlatform?: boolean | null;
  IsIntuneManaged?: boolean | null;
  WhenChanged?: ExoDateText;
}

export function getActiveSyncDeviceAccessRules(client: ExoInvoker, options: InvokeOptions = {}): Promise<ActiveSyncDeviceAccessRule[]> {
  return client.invoke<ActiveSyncDeviceAccessRule>('Get-ActiveSyncDeviceAccessRule', {}, options);
}

/** Creates a rule; returns it when Exchange answers with it (null otherwise). */
export async function newActiveSyncDeviceAccessRule(
  client: ExoInvoker,
  rule: { accessLevel: AccessLevel; characteristic: AccessRuleCharacteristic; queryString: string },
  options: InvokeOptions = {},
): Promise<ActiveSyncDeviceAccessRule | null> {
  const items = await client.invoke<ActiveSyncDeviceAccessRule>(
    'New-ActiveSyncDeviceAccessRule',
    { AccessLevel: rule.accessLevel, Characteristic: rule.characteristic, QueryString: rule.queryString },
    options,
  );
  return items[0] ?? null;
}

/** Set- changes only the access level; to change the query, remove the rule and create another. */
export function setActiveSyncDeviceAccessRule(client: ExoInvoker, identity: string, accessLevel: AccessLevel, options: InvokeOptions = {}): Promise<void> {
  return run(client, 'Set-ActiveSyncDeviceAccessRule', { Identity: identity, AccessLevel: accessLevel }, options);
}

export function removeActiveSyncDeviceAccessRule(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<void> {
  return run(client, 'Remove-ActiveSyncDeviceAccessRule', { Identity: identity, Confirm: false }, options);
}

export function getActiveSyncOrganizationSettings(client: ExoInvoker, options: InvokeOptions = {}): Promise<ActiveSyncOrganizationSettings> {
  return single(client, 'Get-ActiveSyncOrganizationSettings', {}, options);
}

export async function setActiveSyncOrganizationSettings(
  client: ExoInvoker,
  settings: ActiveSyncOrganizationSettingsParameters,
  options: InvokeOptions = {},
): Promise<void> {
  if (Object.keys(settings).length === 0) return;
  await run(client, 'Set-ActiveSyncOrganizationSettings', { ...settings }, options);
}
