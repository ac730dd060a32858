/**
 * What every access change does alike: one state-changing Exchange call whose three
 * outcomes (done, refused, unknown) are told apart and never retried here, and the audit
 * entry of the change (who, what, before, after, Exchange's request id).
 */
import { describeError } from '../../errors';
import { ConcurrencyConflictError } from '../actions/ports';
import { ExchangeOutcomeUnknownError, ExchangeRefusedError, PreconditionFailedError, type AccessDeps, type CallReceipt } from './ports';

export const CONNECTOR = 'connector';

export const nowIso = (deps: Pick<AccessDeps, 'clock'>) => new Date(deps.clock.now()).toISOString();

export type Outcome<R extends CallReceipt = CallReceipt> =
  | { outcome: 'done'; receipt: R }
  | { outcome: 'refused'; error: ExchangeRefusedError }
  | { outcome: 'outcomeUnknown'; error: ExchangeOutcomeUnknownError };

/**
 * Runs one state-changing call. Anything but a clear refusal is an unknown outcome: the
 * call may have reached Exchange, so it is not sent again; the reconcile reads the truth.
 */
export async function attempt<R extends CallReceipt>(deps: Pick<AccessDeps, 'log'>, cmdlet: string, run: () => Promise<R>): Promise<Outcome<R>> {
  try {
    return { outcome: 'done', receipt: await run() };
  } catch (e) {
    if (e instanceof ExchangeRefusedError) return { outcome: 'refused', error: e };
    if (e instanceof ExchangeOutcomeUnknownError) return { outcome: 'outcomeUnknown', error: e };
    deps.log.error(`${cmdlet} ended in an unclassified error; its outcome is unknown`, { error: describeError(e) });
    return { outcome: 'outcomeUnknown', error: new ExchangeOutcomeUnknownError(cmdlet, `${describeError(e)}; it was not sent again, and the next reconcile reads what Exchange holds`) };
  }
}

export const requestIdOf = (o: Outcome) => (o.outcome === 'done' ? o.receipt.requestId : o.outcome === 'refused' ? o.error.requestId : null);

export async function audit(deps: Pick<AccessDeps, 'tenantId' | 'audit' | 'clock'>, actor: string, action: string, target: string, outcome: string, details: Record<string, unknown>): Promise<void> {
  await deps.audit.append({ tenantId: deps.tenantId, at: nowIso(deps), actor, action, target, outcome, details });
}

/** A storage write lost to someone else's: for the caller, the version it read is stale (412). */
export async function guarded<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (e instanceof ConcurrencyConflictError) throw new PreconditionFailedError(what);
    throw e;
  }
}
