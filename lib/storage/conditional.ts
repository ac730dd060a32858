import { ConcurrencyConflictError } from '../app/actions/ports';
import { ConcurrencyError, guard } from './errors';

/** A write If-Match on an ETag: a 412 is the use cases' ConcurrencyConflictError naming `what`. */
export async function conditionalWrite<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await guard(`write ${what}`, fn, what);
  } catch (e) {
    if (e instanceof ConcurrencyError) throw new ConcurrencyConflictError(what);
    throw e;
  }
}
