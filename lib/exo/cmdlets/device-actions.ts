/**
 * Device actions: wipe (full or account only) and removal of a partnership, and blocking or
 * allowing a device by its DeviceId on the mailbox's lists (Get-/Set-CASMailbox).
 */
import type { InvokeOptions } from '../options';
import { genericHashTable } from '../values';
import { mailboxAnchor, run, single, type ExoInvoker } from './common';

/** Get-CASMailbox: a mailbox's client access settings, ActiveSync part. */
export interface CASMailbox {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  PrimarySmtpAddress?: string | null;
  Guid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  ActiveSyncEnabled?: boolean | null;
  ActiveSyncMailboxPolicy?: string | null;
  ActiveSyncMailboxPolicyIsDefaulted?: boolean | null;
  ActiveSyncAllowedDeviceIDs?: string[] | null;
  ActiveSyncBlockedDeviceIDs?: string[] | null;
  HasActiveSyncDevicePartnership?: boolean | null;
}

/**
 * Requests a wipe (full, or of the mail account only) or, with `cancel`, cancels one the
 * device has not picked up yet. Exchange only records the request: the device gets it when
 * it next connects.
 */
export function clearMobileDevice(
  client: ExoInvoker,
  identity: string,
  request: { accountOnly?: boolean; cancel?: boolean; notificationEmailAddresses?: string[] } = {},
  options: InvokeOptions = {},
): Promise<void> {
  const parameters: Record<string, unknown> = { Identity: identity, Confirm: false };
  if (request.accountOnly) parameters.AccountOnly = true;
  if (request.cancel) parameters.Cancel = true;
  if (request.notificationEmailAddresses?.length) parameters.NotificationEmailAddresses = request.notificationEmailAddresses;
  return run(client, 'Clear-MobileDevice', parameters, options);
}

export function removeMobileDevice(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<void> {
  return run(client, 'Remove-MobileDevice', { Identity: identity, Confirm: false }, options);
}

export function getCasMailbox(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<CASMailbox> {
  return single(client, 'Get-CASMailbox', { Identity: identity }, mailboxAnchor(identity, options));
}

/**
 * Adds/removes DeviceIds on the mailbox's allowed and blocked lists (blocking one device =
 * adding its DeviceId to the blocked list). Sends only the sides that change; no call at
 * all when nothing changes.
 */
export async function setCasMailboxDeviceIds(
  client: ExoInvoker,
  identity: string,
  change: { allowed?: { add?: string[]; remove?: string[] }; blocked?: { add?: string[]; remove?: string[] } },
  options: InvokeOptions = {},
): Promise<void> {
  const allowed = genericHashTable(change.allowed);
  const blocked = genericHashTable(change.blocked);
  if (!allowed && !blocked) return;
  const parameters: Record<string, unknown> = { Identity: identity };
  if (allowed) parameters.ActiveSyncAllowedDeviceIDs = allowed;
  if (blocked) parameters.ActiveSyncBlockedDeviceIDs = blocked;
  await run(client, 'Set-CASMailbox', parameters, mailboxAnchor(identity, options));
}
