/** The directory: mailboxes, recipients (the users behind devices, scoping by OPATH filter) and users. */
import type { InvokeOptions } from '../options';
import type { ExoPage } from '../page';
import { single, type ExoDateText, type ExoInvoker } from './common';

/** Get-Mailbox. */
export interface Mailbox {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  Alias?: string | null;
  UserPrincipalName?: string | null;
  PrimarySmtpAddress?: string | null;
  EmailAddresses?: string[] | null;
  Guid?: string | null;
  ExchangeGuid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  RecipientType?: string | null;
  RecipientTypeDetails?: string | null;
  WhenCreated?: ExoDateText;
  WhenChanged?: ExoDateText;
}

/** Get-Recipient. */
export interface Recipient {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  Alias?: string | null;
  PrimarySmtpAddress?: string | null;
  EmailAddresses?: string[] | null;
  WindowsLiveID?: string | null;
  Guid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  RecipientType?: string | null;
  RecipientTypeDetails?: string | null;
  Department?: string | null;
  Company?: string | null;
  MemberOfGroup?: string | null;
}

/** Get-User. */
export interface User {
  Identity: string;
  Name?: string | null;
  DisplayName?: string | null;
  UserPrincipalName?: string | null;
  WindowsEmailAddress?: string | null;
  FirstName?: string | null;
  LastName?: string | null;
  Department?: string | null;
  Title?: string | null;
  Company?: string | null;
  Office?: string | null;
  City?: string | null;
  CountryOrRegion?: string | null;
  Manager?: string | null;
  Guid?: string | null;
  ExternalDirectoryObjectId?: string | null;
  RecipientType?: string | null;
  RecipientTypeDetails?: string | null;
  AccountDisabled?: boolean | null;
}

export function getMailbox(client: ExoInvoker, identity: string, options: InvokeOptions = {}): Promise<Mailbox> {
  return single(client, 'Get-Mailbox', { Identity: identity }, options);
}

/** Recipients matching an OPATH filter (scoping rules), page by page. */
export function listRecipients(
  client: ExoInvoker,
  query: { filter?: string; recipientTypeDetails?: string[]; pageSize?: number } = {},
  options: InvokeOptions = {},
): AsyncIterable<ExoPage<Recipient>> {
  const parameters: Record<string, unknown> = { ResultSize: 'Unlimited' };
  if (query.filter) parameters.Filter = query.filter;
  if (query.recipientTypeDetails?.length) parameters.RecipientTypeDetails = query.recipientTypeDetails;
  return client.pages<Recipient>('Get-Recipient', parameters, { ...options, pageSize: query.pageSize ?? options.pageSize });
}
