/** What every cmdlet wrapper shares: the client it needs, Exchange's value shapes, and the call helpers. */
import type { ExoClient } from '../client';
import { ExoNotFoundError } from '../errors';
import type { InvokeOptions } from '../options';

/** What the wrappers need of a client; an ExoClient, or a fake in a use case's tests. */
export type ExoInvoker = Pick<ExoClient, 'invoke' | 'pages'>;

/** A closed set Exchange may still extend: known values for the reader, any string accepted. */
export type Open<T extends string> = T | (string & {});

/** Exchange date-time as sent (`2022-06-29T17:57:03.0000000+00:00`), or null. */
export type ExoDateText = string | null;

/** A UPN or SMTP address routes the call to that mailbox's server; anything else stays org-wide. */
export function mailboxAnchor(identity: string, options: InvokeOptions): InvokeOptions {
  return options.anchorMailbox === undefined && /^[^\\/@\s]+@[^\\/@\s]+$/.test(identity) ? { ...options, anchorMailbox: identity } : options;
}

export async function single<T>(client: ExoInvoker, cmdlet: string, parameters: Record<string, unknown>, options: InvokeOptions): Promise<T> {
  const items = await client.invoke<T>(cmdlet, parameters, options);
  if (items.length === 0) {
    throw new ExoNotFoundError({ cmdlet, exchangeMessage: `Exchange returned no object for '${String(parameters.Identity ?? '')}'` });
  }
  return items[0];
}

export async function run(client: ExoInvoker, cmdlet: string, parameters: Record<string, unknown>, options: InvokeOptions): Promise<void> {
  await client.invoke(cmdlet, parameters, options);
}
