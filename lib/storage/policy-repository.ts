/**
 * Desired mailbox policies in the `policies` table: PartitionKey `<tenant>@policy`,
 * RowKey the policy name lowercased and percent-encoded (Exchange compares names without
 * case; `/ \ # ?` are not allowed in a RowKey), the record as JSON. Every change is
 * If-Match on the ETag read, so two administrators never overwrite each other silently.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { ConcurrencyConflictError } from '../app/actions/ports';
import type { ManagedPolicy, PolicyStore, StoredPolicy } from '../app/policies/ports';
import { getEntityOrNull, guard, statusOf, toStorageError } from './errors';
import { conditionalWrite } from './conditional';
import { tenantKey } from './keys';

const pk = (t: string) => `${tenantKey(t)}@policy`;
const rk = (name: string) => encodeURIComponent(name.trim().toLowerCase()).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const toEntity = (t: string, p: ManagedPolicy) => {
  const { version: _v, ...plain } = p as StoredPolicy;
  return { partitionKey: pk(t), rowKey: rk(p.name), name: p.name, data: JSON.stringify(plain) };
};
const fromEntity = (e: Record<string, unknown> & { etag: string }): StoredPolicy => ({ ...(JSON.parse(String(e.data)) as ManagedPolicy), version: e.etag });

export function createPolicyRepository(client: TableClient): PolicyStore {
  return {
    async get(t, name) {
      const e = await getEntityOrNull(client, pk(t), rk(name), 'read desired policy');
      return e ? fromEntity(e) : null;
    },
    async list(t) {
      const out: StoredPolicy[] = [];
      await guard('list desired policies', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk(t)}` } })) out.push(fromEntity(e as Record<string, unknown> & { etag: string }));
      });
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async create(t, p) {
      try {
        const r = await client.createEntity(toEntity(t, p));
        return { ...p, version: r.etag ?? '' };
      } catch (e) {
        if (statusOf(e) === 409) throw new ConcurrencyConflictError(`Policy ${p.name}`);
        throw toStorageError(e, 'create desired policy');
      }
    },
    async update(t, p) {
      const r = await conditionalWrite(`Policy ${p.name}`, () => client.updateEntity(toEntity(t, p), 'Replace', { etag: p.version }));
      return { ...p, version: r.etag ?? p.version };
    },
    async remove(t, p) {
      await conditionalWrite(`Policy ${p.name}`, () => client.deleteEntity(pk(t), rk(p.name), { etag: p.version }));
    },
  };
}
