/**
 * Idempotency keys in the `actions` table, partition `<tenant>@idem`, RowKey a hash of
 * the key as given (a caller's key, scoped by the use case): the first request claims
 * it with a create-if-absent, so two retries racing each other cannot both run; its
 * answer is stored for every later retry. A claim older than the key's lifetime (24 h)
 * is taken as new.
 */
import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { IdempotencyStore } from '../app/actions/ports';
import { systemClock, type Clock } from '../clock';
import { ConcurrencyError, getEntityOrNull, guard, statusOf, toStorageError } from './errors';
import { tenantKey } from './keys';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** Answers above this are not kept (Table Storage holds at most 64 KiB a property); retries then get 409. */
const MAX_ANSWER_CHARS = 30_000;

const pk = (t: string) => `${tenantKey(t)}@idem`;
const rk = (key: string) => createHash('sha256').update(key).digest('hex');

export function createIdempotencyRepository(client: TableClient, o: { clock?: Clock } = {}): IdempotencyStore {
  const clock = o.clock ?? systemClock;
  const now = () => clock.now();
  return {
    async claim(t, key, bodyHash, at) {
      const row = { partitionKey: pk(t), rowKey: rk(key), bodyHash, state: 'inProgress', at };
      for (let round = 0; round < 3; round++) {
        try {
          await client.createEntity(row);
          return { state: 'new' };
        } catch (e) {
          if (statusOf(e) !== 409) throw toStorageError(e, 'claim idempotency key');
        }
        const e = await getEntityOrNull(client, row.partitionKey, row.rowKey, 'read idempotency key');
        if (!e) continue;
        if (now() - Date.parse(String(e.at)) > IDEMPOTENCY_TTL_MS) {
          try {
            await guard('renew idempotency key', () => client.updateEntity(row, 'Replace', { etag: e.etag }));
            return { state: 'new' };
          } catch (x) {
            if (x instanceof ConcurrencyError) continue;
            throw x;
          }
        }
        if (e.state === 'answered' && typeof e.answer === 'string') return { state: 'answered', bodyHash: String(e.bodyHash), answer: JSON.parse(e.answer) };
        return { state: 'inProgress', bodyHash: String(e.bodyHash) };
      }
      return { state: 'inProgress', bodyHash };
    },

    async answer(t, key, answer) {
      const json = JSON.stringify(answer);
      if (json.length > MAX_ANSWER_CHARS) return;
      await guard('store idempotent answer', () => client.updateEntity({ partitionKey: pk(t), rowKey: rk(key), state: 'answered', answer: json }, 'Merge'));
    },

    async release(t, key) {
      await guard('release idempotency key', async () => {
        try {
          await client.deleteEntity(pk(t), rk(key));
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
      });
    },
  };
}
