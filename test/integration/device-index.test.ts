/**
 * The inventory's secondary indexes on Azurite (lib/storage/device-index-store.ts): the
 * entries written with their records, the repair that builds them for records stored
 * before and prunes those left behind (never one a writer has just made true again), and
 * listings through an index: the same devices as a scan, far fewer entities read.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { createDeviceRepository, createStorage, bucketOf, type Storage } from '../../lib/storage';
import { deviceProperties } from '../../lib/storage/device-entity';
import { matchesQuery, type InventoryQuery } from '../../lib/domain/inventory-query';
import { indexForQuery } from '../../lib/domain/device-index';
import { queryInventory } from '../../lib/app/inventory/query';
import type { DeviceRecord } from '../../lib/domain/device';
import { collect, deviceRecord, prefix, TENANT } from './storage-fixtures';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const NOW = Date.parse('2024-07-01T00:00:00.000Z');
const clock = { now: () => NOW, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

async function freshStorage(): Promise<Storage> {
  const storage = createStorage({ connectionString: azurite.connectionString, tablePrefix: prefix(), bucketCount: 16 });
  await storage.tables.ensureTables();
  return storage;
}

/** 300 devices: every 20th quarantined, every 30th blocked, every 50th without statistics, every 45th on ActiveSync 14.1, two with a wipe pending. */
function population(): DeviceRecord[] {
  return Array.from({ length: 300 }, (_, i) =>
    deviceRecord({
      accessState: i % 20 === 0 ? 'Quarantined' : i % 30 === 1 ? 'Blocked' : 'Allowed',
      statisticsUnavailable: i % 50 === 3 ? 'MailboxNotFound' : null,
      activeSyncVersion: i % 45 === 4 ? '14.1' : '16.1',
      wipeRequestTime: i === 7 || i === 8 ? '2024-06-30T10:00:00.000Z' : null,
      lastWipeRequestor: i === 7 || i === 8 ? 'admin@contoso.com' : null,
    }),
  );
}

async function entryKeys(client: TableClient): Promise<string[]> {
  const rows = await collect(client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`RowKey ge ${'~'}`, select: ['RowKey'] } }));
  return rows.map((e) => String(e.rowKey)).filter((k) => k.startsWith('~')).sort();
}

/** Every page of a listing through the use case: the guids in order, and the entities each page read. */
async function listing(storage: Storage, q: InventoryQuery, top: number) {
  const guids: string[] = [];
  const reads: number[] = [];
  let continuation: string | undefined;
  for (let n = 0; n < 200; n++) {
    const page = await queryInventory({ tenantId: TENANT, devices: storage.devices, clock, staleAfterDays: 30 }, q, { top, continuation });
    guids.push(...page.devices.map((d) => d.deviceGuid));
    reads.push(page.entitiesRead);
    continuation = page.continuation;
    if (!continuation) break;
  }
  return { guids, reads, total: reads.reduce((a, b) => a + b, 0) };
}

/** The population stored and its index built. */
async function indexedPopulation(): Promise<{ storage: Storage; records: DeviceRecord[] }> {
  const storage = await freshStorage();
  const records = population();
  await storage.devices.upsertMany(records);
  await storage.syncDevices.repairIndex(TENANT);
  return { storage, records };
}

const want = (records: DeviceRecord[], q: InventoryQuery) => records.filter((r) => matchesQuery(r, q, new Date(NOW), 30)).map((r) => r.deviceGuid).sort();

const QUERIES: InventoryQuery[] = [{ accessState: 'Quarantined' }, { accessState: 'blocked' }, { statisticsUnavailable: true }, { activeSyncVersionBelow: '16.1' }, { wipeState: 'pending' }, { removed: true }, { accessState: 'Quarantined', deviceType: 'iPhone' }];

describe('inventory secondary indexes', () => {
  test('When records are written, then each gets the entries of its sets in the same partition, and scans still count only devices', async () => {
    const storage = await freshStorage();
    const records = population();
    await storage.devices.upsertMany(records);
    await storage.devices.markRemoved(TENANT, [records[5]!.deviceGuid], '2024-06-30T00:00:00.000Z');

    const keys = await entryKeys(storage.tables.devices);
    const expected = [
      ...records.filter((r) => r.accessState === 'Quarantined').map((r) => `~access-quarantined~${r.deviceGuid}`),
      ...records.filter((r) => r.accessState === 'Blocked').map((r) => `~access-blocked~${r.deviceGuid}`),
      ...records.filter((r) => r.statisticsUnavailable).map((r) => `~stats-unavailable~${r.deviceGuid}`),
      ...records.filter((r) => r.activeSyncVersion === '14.1').map((r) => `~activesync-below-16.1~${r.deviceGuid}`),
      ...records.filter((r) => r.wipeRequestTime).map((r) => `~wipe-pending~${r.deviceGuid}`),
      `~removed~${records[5]!.deviceGuid}`,
    ].sort();
    expect(keys).toEqual(expected);
    // Each entry sits in its device's bucket partition.
    const raw = await collect(storage.tables.devices.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`RowKey ge ${'~'}` } }));
    for (const e of raw) {
      const device = String(e.rowKey).split('~')[2]!;
      expect(e.partitionKey).toBe(`${TENANT}-${bucketOf(device, 16)}`);
    }
    expect(await storage.devices.count(TENANT, { includeRemoved: true })).toBe(300);
    expect(await collect(storage.devices.listHashes(TENANT))).toHaveLength(300);
    expect(await collect(storage.devices.listSelected(TENANT, ['deviceGuid'], { includeRemoved: true }))).toHaveLength(300);
  });

  test('When records were stored before the index, then listings scan until the repair builds it, and then read only the members', async () => {
    const storage = await freshStorage();
    const records = population();
    // Records as the previous version stored them: no entries.
    for (const r of records) await storage.tables.devices.upsertEntity({ partitionKey: `${TENANT}-${bucketOf(r.deviceGuid, 16)}`, rowKey: r.deviceGuid, ...deviceProperties(r) }, 'Replace');

    const before = await listing(storage, { accessState: 'Quarantined' }, 100);
    expect(before.guids.sort()).toEqual(want(records, { accessState: 'Quarantined' }));
    expect(before.total).toBeGreaterThanOrEqual(300 - 15); // a scan: every non-removed device

    const repaired = await storage.syncDevices.repairIndex(TENANT);
    expect(repaired).toMatchObject({ mode: 'build', devicesRead: 300, entriesRead: 0, removed: 0 });
    expect(repaired.added).toBe((await entryKeys(storage.tables.devices)).length);

    // A new runtime's store (nothing cached) sees the marker.
    const fresh = createStorage({ connectionString: azurite.connectionString, tablePrefix: storage.tables.devices.tableName.replace(/devices$/, ''), bucketCount: 16 });
    for (const q of QUERIES.filter((x) => !x.removed)) {
      const after = await listing(fresh, q, 100);
      expect({ q, guids: after.guids.sort() }).toEqual({ q, guids: want(records, q) });
      // The members' entries and their records, not the table.
      expect({ q, read: after.total <= 2 * want(records, { ...q, deviceType: undefined }).length }).toEqual({ q, read: true });
    }
    expect((await storage.syncDevices.repairIndex(TENANT)).mode).toBe('prune');
  });

  test('When an indexed listing is paged in small pages, then every member comes exactly once in the order a scan gives', async () => {
    const storage = await freshStorage();
    const records = population();
    await storage.devices.upsertMany(records);
    const q: InventoryQuery = { accessState: 'Quarantined' };
    const scanned = await listing(storage, q, 4); // before the marker: scans
    await storage.syncDevices.repairIndex(TENANT);
    const indexed = await listing(storage, q, 4);
    expect(indexed.guids).toEqual(scanned.guids);
    expect(new Set(indexed.guids).size).toBe(15);
    expect(indexed.total).toBeLessThan(scanned.total / 5);

    // A continuation given by a scan goes on through the index, and the other way round.
    const other = await freshStorage();
    await other.devices.upsertMany(records);
    const first = await queryInventory({ tenantId: TENANT, devices: other.devices, clock, staleAfterDays: 30 }, q, { top: 6 });
    await other.syncDevices.repairIndex(TENANT);
    const rest = await queryInventory({ tenantId: TENANT, devices: other.devices, clock, staleAfterDays: 30 }, q, { top: 100, continuation: first.continuation });
    expect([...first.devices, ...rest.devices].map((d) => d.deviceGuid)).toEqual(scanned.guids);
  });

  test('When a device leaves a set, then listings leave it out at once and the next repair deletes its entry', async () => {
    const { storage, records } = await indexedPopulation();
    const leaving = records.find((r) => r.accessState === 'Quarantined')!;
    const changed = records.map((r) => (r === leaving ? { ...r, accessState: 'Allowed' } : r));
    await storage.devices.upsertMany([{ ...leaving, accessState: 'Allowed' }]);

    expect(await entryKeys(storage.tables.devices)).toContain(`~access-quarantined~${leaving.deviceGuid}`);
    expect((await listing(storage, { accessState: 'Quarantined' }, 100)).guids.sort()).toEqual(want(changed, { accessState: 'Quarantined' }));

    const pruned = await storage.syncDevices.repairIndex(TENANT);
    expect(pruned).toMatchObject({ mode: 'prune', removed: 1, skipped: 0, added: 0 });
    expect(await entryKeys(storage.tables.devices)).not.toContain(`~access-quarantined~${leaving.deviceGuid}`);
    expect((await listing(storage, { accessState: 'Quarantined' }, 100)).guids.sort()).toEqual(want(changed, { accessState: 'Quarantined' }));
  });

  test('When a writer makes a device a member again while the repair runs, then its entry is kept', async () => {
    const { storage, records } = await indexedPopulation();
    const device = records.find((r) => r.accessState === 'Quarantined')!;
    await storage.devices.upsertMany([{ ...device, accessState: 'Allowed' }]);

    // A repair whose read of that record is followed at once by a writer quarantining it again.
    const client = Object.create(storage.tables.devices) as TableClient;
    const writer = createDeviceRepository(storage.tables.devices, { bucketCount: 16 });
    client.getEntity = (async (pk: string, rk: string, o?: object) => {
      const e = await storage.tables.devices.getEntity(pk, rk, o);
      if (rk === device.deviceGuid) await writer.upsertMany([device]);
      return e;
    }) as TableClient['getEntity'];
    const repairing = createDeviceRepository(client, { bucketCount: 16 });

    const r = await repairing.repairIndex(TENANT);
    expect(r).toMatchObject({ removed: 0, skipped: 1 });
    expect(await entryKeys(storage.tables.devices)).toContain(`~access-quarantined~${device.deviceGuid}`);
    expect((await listing(storage, { accessState: 'Quarantined' }, 100)).guids).toContain(device.deviceGuid);
  });

  test('Which filters go through which index', () => {
    expect(QUERIES.map(indexForQuery)).toEqual(['access-quarantined', 'access-blocked', 'stats-unavailable', 'activesync-below-16.1', 'wipe-pending', 'removed', 'access-quarantined']);
    expect([{}, { accessState: 'Allowed' }, { os: 'iOS' }, { activeSyncVersionBelow: '16.2' }, { statisticsUnavailable: false }].map((q) => indexForQuery(q as InventoryQuery))).toEqual([null, null, null, null, null]);
  });
});
