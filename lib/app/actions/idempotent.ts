/**
 * Idempotency-Key: a retried request (same caller, same key) gets the first answer and
 * makes no second Exchange call; the same key with another request is refused (422).
 * A claim is freed only when the first request was refused before Exchange was asked
 * (an answer below 500); after anything else a retry waits for the key to expire rather
 * than risk sending the call twice.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../errors';
import type { ActionDeps, IdempotentAnswer } from './ports';

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export interface IdempotentRequest {
  callerId: string;
  key: string | undefined;
  /** What makes two requests the same: route, parameters and body. */
  request: unknown;
  /** What retries get, when the first answer is too large to keep (a bulk's results: where to read them). */
  stored?: (answer: IdempotentAnswer) => IdempotentAnswer;
}

export async function idempotent(deps: Pick<ActionDeps, 'tenantId' | 'idempotency' | 'clock'>, r: IdempotentRequest, run: () => Promise<IdempotentAnswer>): Promise<IdempotentAnswer> {
  if (r.key === undefined) return run();
  const key = `${r.callerId}\n${r.key}`;
  const bodyHash = createHash('sha256').update(JSON.stringify(r.request)).digest('base64url');
  const claim = await deps.idempotency.claim(deps.tenantId, key, bodyHash, new Date(deps.clock.now()).toISOString());
  if (claim.state !== 'new' && claim.bodyHash !== bodyHash) {
    throw new AppError('IdempotencyKeyReused', 'This Idempotency-Key was used for another request: use a new key for a new request', 422, { header: 'Idempotency-Key' });
  }
  if (claim.state === 'answered') return { ...claim.answer, headers: { ...claim.answer.headers, 'idempotent-replayed': 'true' } };
  if (claim.state === 'inProgress') {
    throw new AppError('IdempotentRequestInProgress', 'The first request with this Idempotency-Key has not finished (or ended without an answer); its outcome is on the device\'s actions', 409, { header: 'Idempotency-Key' });
  }
  let answer: IdempotentAnswer;
  try {
    answer = await run();
  } catch (e) {
    if (e instanceof AppError && e.status < 500) {
      // Refused before Exchange was asked: the key is free, and the refusal is not kept.
      await deps.idempotency.release(deps.tenantId, key);
    }
    throw e;
  }
  await deps.idempotency.answer(deps.tenantId, key, r.stored ? r.stored(answer) : answer);
  return answer;
}
