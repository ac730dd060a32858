/**
 * How the write-side adapters (device actions, policies, access) call Exchange: Exchange's
 * errors turned into the two outcomes a use case tells apart. ExoOutcomeUnknownError
 * (sent, no answer: the client never resends a state-changing call) stays unknown; any
 * other Exchange error means Exchange did not act (it refused, throttled before running
 * it, or the app lacks the role) and is a refusal naming the cmdlet and Exchange's words.
 */
import { ExchangeOutcomeUnknownError, ExchangeRefusedError, type CallReceipt } from '../app/actions/ports';
import type { ExoClient } from './client';
import { mailboxAnchor } from './cmdlets/common';
import { ExoError, ExoOutcomeUnknownError } from './errors';

export function translateExoError(e: unknown, cmdlet: string): unknown {
  if (e instanceof ExoOutcomeUnknownError) return new ExchangeOutcomeUnknownError(cmdlet, e.exchangeMessage ?? e.message);
  if (e instanceof ExoError) return new ExchangeRefusedError(cmdlet, e.exchangeMessage ?? e.message, e.requestId, e.code);
  return e;
}

/** One state-changing call; its receipt carries Exchange's request id. */
export async function changeCall(client: ExoClient, cmdlet: string, parameters: Record<string, unknown>, anchor?: string): Promise<CallReceipt> {
  let requestId: string | null = null;
  try {
    for await (const page of client.pages(cmdlet, parameters, anchor ? mailboxAnchor(anchor, {}) : {})) requestId = page.requestId ?? requestId;
  } catch (e) {
    throw translateExoError(e, cmdlet);
  }
  return { requestId };
}

/** A read whose Exchange errors are refusals naming the cmdlet. */
export async function readCall<T>(cmdlet: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw translateExoError(e, cmdlet);
  }
}
