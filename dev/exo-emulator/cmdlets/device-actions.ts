/**
 * The device actions: Clear-MobileDevice (wipe, account-only wipe, cancel) and
 * Remove-MobileDevice (delete a partnership). Blocking and allowing one device is
 * Set-CASMailbox (recipients.ts). The wipe's state machine is in store/wipe.ts.
 *
 * Confirmation. Both cmdlets have a built-in pause (cmdlet reference: "This cmdlet has a
 * built-in pause, so use -Confirm:$false"; Exchange 2013's code declares both
 * ConfirmImpact High). Over the REST API nobody can answer a prompt, so a call without
 * `Confirm: false` (or with `Confirm: true`) fails, before anything changes, with
 * PowerShell's HostException text naming the prompt. Choice: public tools (CIPP's
 * Remove-CIPPMobileDevice) send Remove-MobileDevice over REST without Confirm, which
 * suggests Exchange Online may answer such calls as confirmed; the emulator is strict so a
 * client that forgets `Confirm: false` is caught here rather than in production. An
 * administrator at a console (control.invoke) answers the prompt, so it needs no Confirm.
 * `WhatIf: true` changes nothing and answers an empty value.
 */
import { cmdletErrors } from '../exchange-errors';
import type { Device } from '../store/model';
import { ACTION_LOOKUP, deviceByIdentity } from './mobile-devices';
import type { Args } from './params';
import { type CmdletContext, type CmdletDef, confirmParam, identityParam, ignoredParam, none, noneWith } from './types';

const SMTP = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Throws Exchange's answer to an unanswerable prompt unless the call says `Confirm: false`. */
function confirm(args: Args, ctx: CmdletContext, prompt: string): void {
  if (ctx.interactive || args.bool('Confirm') === false) return;
  throw cmdletErrors.confirmationRequired(prompt);
}

/**
 * -NotificationEmailAddresses, as Exchange 2013's MobileDeviceTaskHelper.ValidateAddresses:
 * the parameter takes any strings; an SMTP address must belong to a recipient of the
 * organisation, anything else is taken as the alias of a mailbox; each resolves to that
 * recipient's primary SMTP address, and one that does not resolve is dropped with a
 * warning, not an error (the wording of the warning is a choice). Exchange 2013 also added
 * the requesting administrator's own address; an app has no mailbox, so nothing is added.
 */
function notificationAddresses(ctx: CmdletContext, given: string[]): { addresses: string[]; warnings: string[] } {
  const addresses: string[] = [];
  const warnings: string[] = [];
  for (const text of given) {
    const r = ctx.org.findRecipient(text);
    const resolved = SMTP.test(text) ? r : r?.kind === 'mailbox' ? r : undefined;
    if (resolved) {
      if (!addresses.includes(resolved.primarySmtpAddress)) addresses.push(resolved.primarySmtpAddress);
    } else {
      warnings.push(`'${text}' isn't a valid SMTP address or alias of a recipient in this organization. No wipe confirmation message will be sent to it.`);
    }
  }
  return { addresses, warnings };
}

const ACTIVE_SYNC_16_1 = [16, 1];
const olderThan16_1 = (version: string | null) => {
  if (!version) return false;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < ACTIVE_SYNC_16_1[0] || (major === ACTIVE_SYNC_16_1[0] && minor < ACTIVE_SYNC_16_1[1]);
};

const clearMobileDevice: CmdletDef = {
  name: 'Clear-MobileDevice',
  role: 'Mail Recipients',
  params: {
    Identity: identityParam,
    AccountOnly: { kind: 'switch' },
    Cancel: { kind: 'switch' },
    NotificationEmailAddresses: { kind: 'multiValue' },
    Confirm: confirmParam,
    WhatIf: { kind: 'switch' },
    DomainController: ignoredParam,
  },
  mandatory: ['Identity'],
  run(args, ctx) {
    // Identity: a Guid (= ExchangeObjectId), the Identity or the DN (cmdlet reference).
    const identity = args.string('Identity')!;
    const device = deviceByIdentity(ctx, identity, ACTION_LOOKUP);
    const shown = ctx.org.deviceIdentity(device);
    const cancel = args.bool('Cancel') ?? false;
    const accountOnly = args.bool('AccountOnly') ?? false;
    if (!cancel && accountOnly && device.clientType === 'EAS' && olderThan16_1(device.activeSyncVersion)) {
      throw cmdletErrors.accountOnlyNotSupported(shown, device.activeSyncVersion!);
    }
    const mv = args.multi('NotificationEmailAddresses');
    const notify = notificationAddresses(ctx, mv ? [...(mv.replace ?? []), ...mv.add] : []);
    // The reference's prompt text for a wipe; the text for a cancellation is a choice.
    confirm(args, ctx, cancel ? `Canceling the remote wipe of mobile device "${shown}".` : 'This command will force all the data on the device to be permanently deleted. Do you want to continue?');
    if (args.bool('WhatIf')) return none;
    if (cancel) {
      const warning = ctx.org.cancelWipe(device, { now: ctx.now, identity: shown, afterPickUp: ctx.variants.cancelAfterPickUp });
      return noneWith(warning ? [warning] : []);
    }
    ctx.org.requestWipe(device, { kind: accountOnly ? 'accountOnly' : 'full', requestor: ctx.caller.displayName, notify: notify.addresses, now: ctx.now });
    return noneWith(notify.warnings);
  },
};

/** EasMaxDeviceDeletesPerMonth (Exchange 2013's RemoveMobileDevice checks it per mailbox and calendar month; off unless set). */
function countDelete(ctx: CmdletContext, device: Device, commit: boolean): void {
  const max = ctx.variants.maxDeviceDeletesPerMonth;
  if (max === null) return;
  const mb = device.mailbox;
  const period = new Date(ctx.now).toISOString().slice(0, 7);
  const count = mb.deletes?.period === period ? mb.deletes.count : 0;
  if (count >= max) throw cmdletErrors.maxDeviceDeletes(count, max);
  if (commit) mb.deletes = { period, count: count + 1 };
}

const removeMobileDevice: CmdletDef = {
  name: 'Remove-MobileDevice',
  role: 'Mail Recipients',
  params: { Identity: identityParam, Confirm: confirmParam, WhatIf: { kind: 'switch' }, DomainController: ignoredParam },
  mandatory: ['Identity'],
  run(args, ctx) {
    const device = deviceByIdentity(ctx, args.string('Identity')!, ACTION_LOOKUP);
    const shown = ctx.org.deviceIdentity(device);
    countDelete(ctx, device, false);
    // Exchange 2013 asks differently while a wipe is pending (and then removes it with the
    // partnership); the texts are a choice.
    const pending = ctx.org.wipePending(device);
    confirm(args, ctx, pending ? `A remote wipe of mobile device "${shown}" is pending. Removing the device removes the wipe request too. Remove it?` : `Removing mobile device "${shown}".`);
    if (args.bool('WhatIf')) return none;
    countDelete(ctx, device, true);
    ctx.org.removePartnership(device, ctx.now);
    return none;
  },
};

export const deviceActionCmdlets: CmdletDef[] = [removeMobileDevice, clearMobileDevice];
