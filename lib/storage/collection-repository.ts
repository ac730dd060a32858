/** Saved collections in the `state` table: PartitionKey `<tenant>@collection`, RowKey the name (a lowercase slug). */
import { odata, type TableClient } from '@azure/data-tables';
import type { Collection, CollectionStore } from '../app/collections/collections';
import { getEntityOrNull, guard, statusOf } from './errors';
import { idKey, tenantKey } from './keys';

const pk = (t: string) => `${tenantKey(t)}@collection`;

export function createCollectionRepository(client: TableClient): CollectionStore {
  return {
    async get(t, name) {
      const e = await getEntityOrNull(client, pk(t), idKey('collection', name), 'read collection');
      return e ? (JSON.parse(String(e.data)) as Collection) : null;
    },
    async list(t) {
      const out: Collection[] = [];
      await guard('list collections', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk(t)}` } })) out.push(JSON.parse(String(e.data)) as Collection);
      });
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async put(t, c) {
      await guard('save collection', () => client.upsertEntity({ partitionKey: pk(t), rowKey: idKey('collection', c.name), data: JSON.stringify(c) }, 'Replace'));
    },
    async remove(t, name) {
      return guard('delete collection', async () => {
        try {
          await client.deleteEntity(pk(t), idKey('collection', name));
          return true;
        } catch (e) {
          if (statusOf(e) === 404) return false;
          throw e;
        }
      });
    },
  };
}
