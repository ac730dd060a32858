/**
 * Device actions in the `actions` table:
 * - the action: PartitionKey `<tenant>-<device guid>`, RowKey its time-ordered id, the
 *   record as JSON beside its state and kind; every update is If-Match on its ETag;
 * - the device's wipe slot: same partition, RowKey `wipe-slot`, naming the open wipe.
 *   Taking it is a create-if-absent, so of two concurrent wipe requests one wins;
 * - an index `<tenant>@index` (action id -> device, kind) for GET /api/actions/{id} and
 *   the wipes of the last hour, and `<tenant>@open` (the actions not final), which the
 *   follow-up reads in one query.
 * A step that fails half-way leaves at most a slot or an open row pointing at a final or
 * missing action; both are recognised and cleared by the next request or update.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { isFinal } from '../domain/device-action';
import { ConcurrencyConflictError, type ActionStore, type DeviceAction, type StoredAction } from '../app/actions/ports';
import { ConcurrencyError, getEntityOrNull, guard, statusOf } from './errors';
import { deviceKey, idKey, tenantKey } from './keys';

const SLOT = 'wipe-slot';
const devicePk = (t: string, guid: string) => `${tenantKey(t)}-${deviceKey(guid)}`;
const indexPk = (t: string) => `${tenantKey(t)}@index`;
const openPk = (t: string) => `${tenantKey(t)}@open`;

/** The RowKey prefix of actions requested at or after `iso` (action ids start with their compact time). */
export const actionIdAt = (iso: string) => new Date(iso).toISOString().replace(/[-:.]/g, '');

function fromEntity(e: Record<string, unknown> & { etag: string }): StoredAction {
  return { ...(JSON.parse(String(e.data)) as DeviceAction), version: e.etag };
}

function toEntity(a: DeviceAction) {
  const { version: _version, ...plain } = a as DeviceAction & { version?: string };
  return { partitionKey: devicePk(a.tenantId, a.deviceGuid), rowKey: idKey('actionId', a.actionId), state: a.state, kind: a.kind, data: JSON.stringify(plain) };
}

/** Deletes an entity (conditionally with `etag`); one already gone is fine. ConcurrencyError when it changed. */
async function deleteIfPresent(client: TableClient, pk: string, rk: string, operation: string, etag?: string): Promise<void> {
  await guard(operation, async () => {
    try {
      await client.deleteEntity(pk, rk, etag ? { etag } : undefined);
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  });
}

export function createActionRepository(client: TableClient): ActionStore {
  async function getByDevice(t: string, guid: string, id: string): Promise<StoredAction | null> {
    const e = await getEntityOrNull(client, devicePk(t, guid), idKey('actionId', id), 'read action');
    return e ? fromEntity(e) : null;
  }

  /** Takes the device's wipe slot; the open wipe holding it when taken. */
  async function claimSlot(a: DeviceAction): Promise<StoredAction | null> {
    const pk = devicePk(a.tenantId, a.deviceGuid);
    for (let round = 0; round < 3; round++) {
      try {
        await client.createEntity({ partitionKey: pk, rowKey: SLOT, actionId: a.actionId });
        return null;
      } catch (e) {
        if (statusOf(e) !== 409) throw e;
      }
      const slot = await getEntityOrNull(client, pk, SLOT, 'read wipe slot');
      if (!slot) continue;
      const holder = await getByDevice(a.tenantId, a.deviceGuid, String(slot.actionId));
      if (holder && !isFinal(holder.state)) return holder;
      // A slot left by an action that ended (or never got written): free it, conditionally.
      await deleteIfPresent(client, pk, SLOT, 'free wipe slot', slot.etag).catch((e) => {
        if (!(e instanceof ConcurrencyError)) throw e;
      });
    }
    throw new ConcurrencyConflictError(`The wipe slot of device ${a.deviceGuid}`);
  }

  async function afterWrite(a: DeviceAction): Promise<void> {
    const t = a.tenantId;
    if (!isFinal(a.state)) {
      await guard('mark action open', () => client.upsertEntity({ partitionKey: openPk(t), rowKey: a.actionId, deviceGuid: a.deviceGuid, state: a.state }, 'Replace'));
      return;
    }
    await deleteIfPresent(client, openPk(t), a.actionId, 'close action');
    if (a.kind === 'wipe') {
      const pk = devicePk(t, a.deviceGuid);
      const slot = await getEntityOrNull(client, pk, SLOT, 'read wipe slot');
      // Conditional: a new wipe may already hold the slot again.
      if (slot && slot.actionId === a.actionId) await deleteIfPresent(client, pk, SLOT, 'free wipe slot', slot.etag).catch((e) => {
        if (!(e instanceof ConcurrencyError)) throw e;
      });
    }
  }

  return {
    async begin(a) {
      if (a.kind === 'wipe' && !isFinal(a.state)) {
        const holder = await guard('take wipe slot', () => claimSlot(a));
        if (holder) return { begun: false, holder };
      }
      const created = await guard('write action', () => client.createEntity(toEntity(a)));
      await guard('index action', () => client.upsertEntity({ partitionKey: indexPk(a.tenantId), rowKey: a.actionId, deviceGuid: a.deviceGuid, kind: a.kind }, 'Replace'));
      await afterWrite(a);
      return { begun: true, action: { ...a, version: created.etag ?? '' } };
    },

    async update(a) {
      const { version, ...plain } = a;
      let etag: string | undefined;
      try {
        etag = (await guard('update action', () => client.updateEntity(toEntity(plain), 'Replace', { etag: version }), `Action ${a.actionId}`)).etag;
      } catch (e) {
        if (e instanceof ConcurrencyError) throw new ConcurrencyConflictError(`Action ${a.actionId}`);
        throw e;
      }
      await afterWrite(plain);
      return { ...plain, version: etag ?? version };
    },

    async get(t, id) {
      const ix = await getEntityOrNull(client, indexPk(t), idKey('actionId', id), 'read action index');
      return ix ? getByDevice(t, String(ix.deviceGuid), id) : null;
    },

    async forDevice(t, guid, o = {}) {
      const pk = devicePk(t, guid);
      const out: StoredAction[] = [];
      const rows = client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ne ${SLOT}` } });
      await guard('list device actions', async () => {
        for await (const e of rows) out.push(fromEntity(e as Record<string, unknown> & { etag: string }));
      });
      return out.reverse().slice(0, o.limit ?? 100);
    },

    async openWipe(t, guid) {
      const slot = await getEntityOrNull(client, devicePk(t, guid), SLOT, 'read wipe slot');
      if (!slot) return null;
      const a = await getByDevice(t, guid, String(slot.actionId));
      return a && !isFinal(a.state) ? a : null;
    },

    async open(t) {
      const rows: { id: string; guid: string }[] = [];
      await guard('list open actions', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${openPk(t)}` } })) rows.push({ id: String(e.rowKey), guid: String(e.deviceGuid) });
      });
      const found = await Promise.all(rows.map((r) => getByDevice(t, r.guid, r.id)));
      return found.filter((a): a is StoredAction => a !== null && !isFinal(a.state));
    },

    async wipesSince(t, since) {
      let n = 0;
      const from = actionIdAt(since);
      await guard('count recent wipes', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${indexPk(t)} and RowKey ge ${from} and kind eq 'wipe'` } })) if (e) n++;
      });
      return n;
    },
  };
}

/** The wipe actions the wipes report lists, and what reading them cost. */
export interface WipeListing {
  /** Newest first (action ids are time-ordered). */
  wipes: StoredAction[];
  /** Wipes beyond `limit`, not read. */
  more: number;
  /** Entities returned by the table: index and open rows, then one action each. */
  entitiesRead: number;
}

export interface WipeReader {
  /** The wipes still open (any age) and those requested at or after `since`. */
  openAndRecent(tenantId: string, since: string, limit: number): Promise<WipeListing>;
}

/**
 * Reads by key only: the `@open` partition (every action not final, of any kind: the
 * follow-up's work list, a few rows), the `@index` partition from the RowKey of `since`
 * on with `kind eq 'wipe'` (one row per action requested since, filtered within that key
 * range), then each wipe's own entity by PartitionKey and RowKey, newest first, at most
 * `limit` of them. Open non-wipe actions cost their point read (the open rows do not name
 * their kind) and are dropped.
 */
export function createWipeReader(client: TableClient): WipeReader {
  return {
    async openAndRecent(t, since, limit) {
      const ids = new Map<string, string>();
      let entitiesRead = 0;
      await guard('list open actions and recent wipes', async () => {
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${openPk(t)}` } })) {
          entitiesRead++;
          ids.set(String(e.rowKey), String(e.deviceGuid));
        }
        const from = actionIdAt(since);
        for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${indexPk(t)} and RowKey ge ${from} and kind eq 'wipe'` } })) {
          entitiesRead++;
          ids.set(String(e.rowKey), String(e.deviceGuid));
        }
      });
      const newest = [...ids].sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
      const wipes: StoredAction[] = [];
      let looked = 0;
      // A batch at a time, so `limit` wipes are read, not all of them.
      while (looked < newest.length && wipes.length < limit) {
        const batch = newest.slice(looked, looked + Math.min(32, limit - wipes.length));
        looked += batch.length;
        const found = await Promise.all(
          batch.map(async ([id, guid]) => {
            const e = await getEntityOrNull(client, devicePk(t, guid), idKey('actionId', id), 'read action');
            if (!e) return null;
            entitiesRead++;
            const a = fromEntity(e);
            return a.kind === 'wipe' ? a : null;
          }),
        );
        for (const a of found) if (a) wipes.push(a);
      }
      // Beyond the limit: counted from the keys, not read (an open action of another kind among them counts too).
      const more = newest.length - looked;
      return { wipes, more, entitiesRead };
    },
  };
}
