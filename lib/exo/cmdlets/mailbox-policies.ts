/** Mobile device mailbox policies, and which policy a mailbox gets (Set-CASMailbox). */
import type { InvokeOptions } from '../options';
import { mailboxAnchor, run, single, type ExoDateText, type ExoInvoker } from './common';

export type Unlimited = 'Unlimited';

/**
 * Set-/New-MobileDeviceMailboxPolicy parameters (see shared/reference/device-policy-settings.md).
 * Time spans are `d.hh:mm:ss` / `hh:mm:ss` strings or 'Unlimited'.
 */
export interface MobileDeviceMailboxPolicySettings {
  // General
  AllowDesktopSync?: boolean;
  AllowInternetSharing?: boolean;
  AllowNonProvisionableDevices?: boolean;
  DevicePolicyRefreshInterval?: string;
  // Password
  PasswordEnabled?: boolean;
  MinPasswordLength?: number | null;
  AlphanumericPasswordRequired?: boolean;
  MinPasswordComplexCharacters?: number;
  AllowSimplePassword?: boolean;
  PasswordExpiration?: string;
  PasswordHistory?: number;
  MaxPasswordFailedAttempts?: number | Unlimited;
  MaxInactivityTimeLock?: string;
  PasswordRecoveryEnabled?: boolean;
  // Email management
  AllowConsumerEmail?: boolean;
  MaxEmailAgeFilter?: 'All' | 'OneDay' | 'ThreeDays' | 'OneWeek' | 'TwoWeeks' | 'OneMonth';
  MaxCalendarAgeFilter?: 'All' | 'TwoWeeks' | 'OneMonth' | 'ThreeMonths' | 'SixMonths';
  RequireManualSyncWhenRoaming?: boolean;
  AllowHTMLEmail?: boolean;
  AttachmentsEnabled?: boolean;
  MaxEmailBodyTruncationSize?: number | Unlimited;
  MaxEmailHTMLBodyTruncationSize?: number | Unlimited;
  MaxAttachmentSize?: number | string;
  // Security
  AllowRemoteDesktop?: boolean;
  AllowStorageCard?: boolean;
  AllowCamera?: boolean;
  AllowIrDA?: boolean;
  AllowBrowser?: boolean;
  AllowTextMessaging?: boolean;
  AllowWiFi?: boolean;
  AllowBluetooth?: 'Allow' | 'Disable' | 'HandsfreeOnly';
  RequireStorageCardEncryption?: boolean;
  RequireDeviceEncryption?: boolean;
  // Application
  AllowUnsignedApplications?: boolean;
  AllowUnsignedInstallationPackages?: boolean;
  UnapprovedInROMApplicationList?: string[];
  // Policy level
  AllowExternalDeviceManagement?: boolean;
  IsDefault?: boolean;
  AllowApplePushNotifications?: boolean;
  AllowSMIMESoftCerts?: boolean;
  RequireSignedSMIMEMessages?: boolean;
  RequireEncryptedSMIMEMessages?: boolean;
}

/** As read back, a setting may come in Exchange's display form (`"Unlimited"`, `"10 MB (10,485,760 bytes)"`, `"8"`). */
export type MobileDeviceMailboxPolicyValues = {
  [K in keyof MobileDeviceMailboxPolicySettings]?: MobileDeviceMailboxPolicySettings[K] | string | number | null;
};

/** Get-MobileDeviceMailboxPolicy. */
export interface MobileDeviceMailboxPolicy extends MobileDeviceMailboxPolicyValues {
  Identity: string;
  Name: string;
  Guid?: string | null;
  WhenChanged?: ExoDateText;
  WhenCreated?: ExoDateText;
}

/** ActiveSync on/off for a mailbox, and which mailbox policy it gets. */
export async function setCasMailboxActiveSync(
  client: ExoInvoker,
  identity: string,
  change: { enabled?: boolean; mailboxPolicy?: string },
  options: InvokeOptions = {},
): Promise<void> {
  const parameters: Record<string, unknown> = { Identity: identity };
  if (change.enabled !== undefined) parameters.ActiveSyncEnabled = change.enabled;
  if (change.mailboxPolicy !== undefined) parameters.ActiveSyncMailboxPolicy = change.mailboxPolicy;
  if (Object.keys(parameters).length === 1) return;
  await run(client, 'Set-CASMailbox', parameters, mailboxAnchor(identity, options));
}

export function getMobileDeviceMailboxPolicies(client: ExoInvoker, options: InvokeOptions = {}): Promise<MobileDeviceMailboxPolicy[]> {
  return client.invoke<MobileDeviceMailboxPolicy>('Get-MobileDeviceMailboxPolicy', {}, options);
}

export function getMobileDeviceMailboxPolicy(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<MobileDeviceMailboxPolicy> {
  return single(client, 'Get-MobileDeviceMailboxPolicy', { Identity: identity }, options);
}

/** One Set- call with exactly the given parameters; none when there are none. */
export async function setMobileDeviceMailboxPolicy(
  client: ExoInvoker,
  identity: string,
  settings: MobileDeviceMailboxPolicySettings,
  options: InvokeOptions = {},
): Promise<void> {
  if (Object.keys(settings).length === 0) return;
  await run(client, 'Set-MobileDeviceMailboxPolicy', { ...settings, Identity: identity }, options);
}

/** Creates a policy; returns it when Exchange answers with it (null otherwise). */
export async function newMobileDeviceMailboxPolicy(
  client: ExoInvoker,
  name: string,
  settings: MobileDeviceMailboxPolicySettings = {},
  options: InvokeOptions = {},
): Promise<MobileDeviceMailboxPolicy | null> {
  const items = await client.invoke<MobileDeviceMailboxPolicy>('New-MobileDeviceMailboxPolicy', { ...settings, Name: name }, options);
  return items[0] ?? null;
}
