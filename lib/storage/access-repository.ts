/**
 * The desired access state in the `policies` table: the organization settings the
 * connector manages in partition `<tenant>@org` (RowKey `settings`), each managed device
 * access rule in `<tenant>@rule` (RowKey its connector id). The record is JSON beside a
 * few plain columns; every write is conditional (If-Match on the ETag read, or
 * create-if-absent), so two administrators never overwrite each other unseen.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { ConcurrencyConflictError } from '../app/actions/ports';
import type { AccessStore, OrgDesired, RuleDesired, Versioned } from '../app/access/ports';
import { getEntityOrNull, guard, statusOf, toStorageError } from './errors';
import { idKey, tenantKey } from './keys';

const orgPk = (t: string) => `${tenantKey(t)}@org`;
const rulePk = (t: string) => `${tenantKey(t)}@rule`;
const ORG_ROW = 'settings';

function read<T>(e: Record<string, unknown> & { etag: string }): Versioned<T> {
  return { value: JSON.parse(String(e.data)) as T, version: e.etag };
}

/** Creates (version null) or replaces over `version`; a lost race is ConcurrencyConflictError. */
async function write(client: TableClient, entity: { partitionKey: string; rowKey: string } & Record<string, unknown>, version: string | null, what: string): Promise<string> {
  try {
    if (version === null) return (await client.createEntity(entity)).etag ?? '';
    return (await client.updateEntity(entity, 'Replace', { etag: version })).etag ?? '';
  } catch (e) {
    // 409 EntityAlreadyExists on create, 412 on a stale ETag: someone else wrote first.
    if (statusOf(e) === 409 || statusOf(e) === 412) throw new ConcurrencyConflictError(what);
    throw toStorageError(e, version === null ? `create ${what}` : `update ${what}`, what);
  }
}

export function createAccessRepository(client: TableClient): AccessStore {
  return {
    async organization(t) {
      const e = await getEntityOrNull(client, orgPk(t), ORG_ROW, 'read desired organization settings');
      return e ? read<OrgDesired>(e) : null;
    },

    async saveOrganization(record, version) {
      const entity = { partitionKey: orgPk(record.tenantId), rowKey: ORG_ROW, updatedAt: record.updatedAt, data: JSON.stringify(record) };
      return { value: record, version: await write(client, entity, version, 'The desired organization settings') };
    },

    async rules(t) {
      const out: Versioned<RuleDesired>[] = [];
      await guard('list desired access rules', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${rulePk(t)}` } })) out.push(read<RuleDesired>(e as Record<string, unknown> & { etag: string }));
      });
      return out;
    },

    async rule(t, id) {
      const e = await getEntityOrNull(client, rulePk(t), idKey('ruleId', id), 'read desired access rule');
      return e ? read<RuleDesired>(e) : null;
    },

    async saveRule(record, version) {
      const entity = { partitionKey: rulePk(record.tenantId), rowKey: idKey('ruleId', record.id), identity: record.identity, present: record.present, data: JSON.stringify(record) };
      return { value: record, version: await write(client, entity, version, `Access rule ${record.id}`) };
    },

    async deleteRule(t, id, version) {
      try {
        await client.deleteEntity(rulePk(t), idKey('ruleId', id), { etag: version });
      } catch (e) {
        if (statusOf(e) === 404) return;
        if (statusOf(e) === 412) throw new ConcurrencyConflictError(`Access rule ${id}`);
        throw toStorageError(e, 'delete desired access rule');
      }
    },
  };
}
