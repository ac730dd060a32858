/**
 * Get-MobileDevice and Get-MobileDeviceStatistics (Remove- and Clear-MobileDevice: device-actions.ts).
 *
 * Statistics of a mailbox that went away (reference): `-Mailbox` naming no recipient, or
 * an `-Identity` whose owner part names none, answer RecipientNotFoundException; a
 * recipient that is not a mailbox (a group) RecipientNotValidException; a mailbox with no
 * partnership an empty value. A partnership that is not there is
 * ManagementObjectNotFoundException, which from the statistics, Remove- and Clear- comes
 * with code InternalServerError (choice: the reference says a not-found can).
 */
import { cmdletErrors } from '../exchange-errors';
import { listing } from '../paging';
import type { ClientType, Device, Mailbox } from '../store/model';
import { Org } from '../store/org';
import { compileFilter } from './opath';
import { type Args, type ParamKind } from './params';
import { deviceFilterProperties, mobileDeviceObject, mobileDeviceStatisticsObject } from './projections';
import { type CmdletContext, type CmdletDef, identityParam, ignoredParam, objects, resultSizeParam } from './types';

const SMTP = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const smtpAddressItem = (value: string, param: string) => {
  if (!SMTP.test(value)) throw cmdletErrors.conversion(param, value, 'Microsoft.Exchange.Data.SmtpAddress', `"${value}" isn't a valid SMTP address.`);
};

/** -ActiveSync / -RestApi / -UniversalOutlook narrow a listing to those client types. */
const clientSwitches = {
  ActiveSync: { kind: 'switch' },
  RestApi: { kind: 'switch' },
  UniversalOutlook: { kind: 'switch' },
  OWAforDevices: { kind: 'switch' },
} satisfies Record<string, ParamKind>;

function clientTypeFilter(args: Args): ((d: Device) => boolean) | undefined {
  const wanted = new Set<ClientType>();
  if (args.bool('ActiveSync')) wanted.add('EAS');
  if (args.bool('RestApi')) wanted.add('REST');
  if (args.bool('UniversalOutlook')) wanted.add('Outlook');
  if (args.bool('OWAforDevices')) return () => false; // OWA for Devices is retired: no such partnerships.
  return wanted.size === 0 ? undefined : (d) => wanted.has(d.clientType);
}

export function deviceByIdentity(ctx: CmdletContext, identity: string, o: { internalServerError?: boolean; recipientErrors?: boolean } = {}): Device {
  const d = ctx.org.findDevice(identity);
  if (d) return d;
  const owner = Org.splitDeviceIdentity(identity)?.owner;
  if (o.recipientErrors && owner !== undefined) mailboxOf(ctx, owner);
  throw cmdletErrors.notFound(identity, o.internalServerError ? { code: 'InternalServerError' } : {});
}

/** The mailbox a -Mailbox (or an Identity's owner part) names, with Exchange's recipient errors. */
function mailboxOf(ctx: CmdletContext, id: string): Mailbox {
  const r = ctx.org.findRecipient(id);
  if (!r) throw cmdletErrors.recipientNotFound(id);
  if (r.kind !== 'mailbox') throw cmdletErrors.recipientNotValid(id);
  return r;
}

export const ACTION_LOOKUP = { internalServerError: true };

const getMobileDevice: CmdletDef = {
  name: 'Get-MobileDevice',
  role: 'Mail Recipients',
  alsoInRoles: ['View-Only Recipients'],
  params: {
    Identity: identityParam,
    Mailbox: identityParam,
    Filter: { kind: 'string' },
    ResultSize: resultSizeParam,
    SortBy: { kind: 'string' },
    DomainController: ignoredParam,
    ...clientSwitches,
  },
  run(args, ctx) {
    const { org } = ctx;
    if (args.has('Identity') && args.has('Mailbox')) throw cmdletErrors.parameterSet();
    if (args.has('SortBy')) {
      // Sorting would break the stable order paging relies on; the connector never sorts server-side.
      throw cmdletErrors.invalidOperation('The emulator does not implement -SortBy.');
    }
    const identity = args.string('Identity');
    if (identity !== undefined) return objects([mobileDeviceObject(org, deviceByIdentity(ctx, identity))]);
    const mailboxId = args.string('Mailbox');
    const mailbox = mailboxId === undefined ? undefined : org.findMailbox(mailboxId);
    if (mailboxId !== undefined && !mailbox) {
      if (org.findRecipient(mailboxId)) throw cmdletErrors.recipientNotValid(mailboxId);
      throw cmdletErrors.notFound(mailboxId);
    }
    const filterText = args.string('Filter');
    const filter = filterText === undefined ? undefined : compileFilter(filterText, deviceFilterProperties(org));
    const clients = clientTypeFilter(args);
    const match = filter && clients ? (d: Device) => clients(d) && filter(d) : (filter ?? clients);
    return {
      kind: 'listing',
      listing: listing(mailbox ? mailbox.devices : org.devices, (d) => mobileDeviceObject(org, d), match),
      // Exchange's default ResultSize for Get-MobileDevice is 1000.
      resultSize: args.resultSize(1000),
    };
  },
};

const getMobileDeviceStatistics: CmdletDef = {
  name: 'Get-MobileDeviceStatistics',
  role: 'Mail Recipients',
  alsoInRoles: ['View-Only Recipients'],
  params: {
    Identity: identityParam,
    Mailbox: identityParam,
    ShowRecoveryPassword: { kind: 'switch' },
    GetMailboxLog: { kind: 'switch' },
    NotificationEmailAddresses: { kind: 'multiValue', item: smtpAddressItem },
    DomainController: ignoredParam,
    ...clientSwitches,
  },
  run(args, ctx) {
    const { org } = ctx;
    const identity = args.string('Identity');
    const mailboxId = args.string('Mailbox');
    if (identity !== undefined && mailboxId !== undefined) throw cmdletErrors.parameterSet();
    if (identity !== undefined) {
      return objects([mobileDeviceStatisticsObject(org, deviceByIdentity(ctx, identity, { ...ACTION_LOOKUP, recipientErrors: true }))]);
    }
    // No (or an empty) Identity and no Mailbox: every partnership's statistics, so a client
    // that sends an empty Identity by mistake sees the whole tenant (choice).
    const devices = mailboxId === undefined ? org.devices : mailboxOf(ctx, mailboxId).devices;
    return { kind: 'listing', listing: listing(devices, (d) => mobileDeviceStatisticsObject(org, d), clientTypeFilter(args)), resultSize: Infinity };
  },
};

export const mobileDeviceCmdlets: CmdletDef[] = [getMobileDevice, getMobileDeviceStatistics];
