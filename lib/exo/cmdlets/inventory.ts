/** The inventory: device partnerships (Get-MobileDevice) and their sync and wipe state (Get-MobileDeviceStatistics). */
import type { InvokeOptions } from '../options';
import type { ExoPage } from '../page';
import { mailboxAnchor, single, type ExoDateText, type ExoInvoker, type Open } from './common';

export type DeviceAccessState = Open<'Allowed' | 'Blocked' | 'Quarantined' | 'DeviceDiscovery' | 'Unknown'>;
export type DeviceAccessStateReason = Open<'Unknown' | 'Global' | 'Individual' | 'DeviceRule' | 'Policy' | 'Upgrade' | 'Compliance' | 'External' | 'ExternalCompliance' | 'ExternalEnrollment'>;
export type ClientType = Open<'EAS' | 'Outlook' | 'REST' | 'MOWA'>;
export type DeviceStatus = Open<
  | 'DeviceOk'
  | 'DeviceWipePending'
  | 'DeviceWipeSucceeded'
  | 'AccountOnlyDeviceWipePending'
  | 'AccountOnlyDeviceWipeSucceeded'
  | 'DeviceBlocked'
  | 'DeviceDiscovery'
  | 'Unknown'
>;

/** Get-MobileDevice: one device partnership. */
export interface MobileDevice {
  Identity: string;
  /** The partnership's stable key. */
  Guid: string;
  /** ActiveSync DeviceId. */
  DeviceId: string;
  Name?: string | null;
  DistinguishedName?: string | null;
  UserDisplayName?: string | null;
  FriendlyName?: string | null;
  DeviceType?: string | null;
  DeviceModel?: string | null;
  DeviceOS?: string | null;
  DeviceOSLanguage?: string | null;
  DeviceUserAgent?: string | null;
  DeviceImei?: string | null;
  DeviceMobileOperator?: string | null;
  DeviceTelephoneNumber?: string | null;
  DeviceActiveSyncVersion?: string | null;
  DeviceAccessState?: DeviceAccessState | null;
  DeviceAccessStateReason?: DeviceAccessStateReason | null;
  DeviceAccessControlRule?: string | null;
  ClientType?: ClientType | null;
  ClientVersion?: string | null;
  FirstSyncTime?: ExoDateText;
  WhenChanged?: ExoDateText;
  WhenCreated?: ExoDateText;
  WhenChangedUTC?: ExoDateText;
  WhenCreatedUTC?: ExoDateText;
  IsManaged?: boolean | null;
  IsCompliant?: boolean | null;
  IsDisabled?: boolean | null;
}

/**
 * Get-MobileDeviceStatistics: sync and wipe state of a device. Sync times are null for
 * Outlook mobile (ClientType REST/Outlook): unknown, not "never synced".
 */
export interface MobileDeviceStatistics {
  Identity: string;
  Guid?: string | null;
  DeviceId?: string | null;
  DeviceType?: string | null;
  DeviceModel?: string | null;
  DeviceOS?: string | null;
  DeviceUserAgent?: string | null;
  DeviceFriendlyName?: string | null;
  DeviceImei?: string | null;
  DeviceMobileOperator?: string | null;
  DeviceAccessState?: DeviceAccessState | null;
  DeviceAccessStateReason?: DeviceAccessStateReason | null;
  DeviceAccessControlRule?: string | null;
  ClientType?: ClientType | null;
  FirstSyncTime?: ExoDateText;
  LastSuccessSync?: ExoDateText;
  LastSyncAttemptTime?: ExoDateText;
  LastPolicyUpdateTime?: ExoDateText;
  LastPingHeartbeat?: number | string | null;
  DevicePolicyApplied?: string | null;
  DevicePolicyApplicationStatus?: string | null;
  Status?: DeviceStatus | null;
  StatusNote?: string | null;
  DeviceWipeRequestTime?: ExoDateText;
  DeviceWipeSentTime?: ExoDateText;
  DeviceWipeAckTime?: ExoDateText;
  AccountOnlyDeviceWipeRequestTime?: ExoDateText;
  AccountOnlyDeviceWipeSentTime?: ExoDateText;
  AccountOnlyDeviceWipeAckTime?: ExoDateText;
  LastDeviceWipeRequestor?: string | null;
  LastAccountOnlyDeviceWipeRequestor?: string | null;
  IsRemoteWipeSupported?: boolean | null;
  NumberOfFoldersSynced?: number | null;
}

/** Every device partnership of the organisation (or of one mailbox), page by page. */
export function listMobileDevices(
  client: ExoInvoker,
  query: { pageSize?: number; filter?: string; mailbox?: string } = {},
  options: InvokeOptions = {},
): AsyncIterable<ExoPage<MobileDevice>> {
  const parameters: Record<string, unknown> = { ResultSize: 'Unlimited' };
  if (query.filter) parameters.Filter = query.filter;
  if (query.mailbox) parameters.Mailbox = query.mailbox;
  return client.pages<MobileDevice>('Get-MobileDevice', parameters, { ...options, pageSize: query.pageSize ?? options.pageSize });
}

export function getMobileDevice(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<MobileDevice> {
  return single(client, 'Get-MobileDevice', { Identity: identity }, options);
}

/** Statistics of every device of one mailbox, in one call routed to that mailbox. */
export function getMobileDeviceStatisticsByMailbox(client: ExoInvoker, mailbox: string, options: InvokeOptions = {}): Promise<MobileDeviceStatistics[]> {
  return client.invoke<MobileDeviceStatistics>('Get-MobileDeviceStatistics', { Mailbox: mailbox }, mailboxAnchor(mailbox, options));
}

export function getMobileDeviceStatistics(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<MobileDeviceStatistics> {
  return single(client, 'Get-MobileDeviceStatistics', { Identity: identity }, options);
}
