import * as net from 'node:net';
import { odata, type TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import {
  bucketOf,
  ConcurrencyError,
  createStorage,
  createTableClients,
  LeaseLostError,
  StorageUnavailableError,
  writeBatches,
  type ConnectorStatus,
  type EntityWrite,
  type Storage,
  type SyncRun,
} from '../../lib/storage';
import { ConflictError } from '../../lib/errors';
import { collect, deviceRecord, guidsInBucket, prefix, TENANT } from './storage-fixtures';
import { clockReading } from '../support/fake-clock';

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

async function freshStorage({ now, ...o }: { bucketCount?: number; now?: () => number; tablePrefix?: string } = {}): Promise<Storage> {
  const storage = createStorage({ connectionString: azurite.connectionString, tablePrefix: prefix(), ...o, ...(now ? { clock: clockReading(now) } : {}) });
  await storage.tables.ensureTables();
  return storage;
}

async function rawEntities(client: TableClient, partitionKey: string): Promise<Record<string, unknown>[]> {
  return collect(client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` } }));
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('device inventory in Table Storage', () => {
  test('When 250 devices of one partition are written, then they go in 3 transactions of at most 100', async () => {
    const storage = await freshStorage({ bucketCount: 64 });
    const records = guidsInBucket(250, '2a', 64).map((deviceGuid) => deviceRecord({ deviceGuid }));

    const stats = await storage.devices.upsertMany(records);

    expect(stats).toEqual({ transactions: 3, entities: 250, retries: 0 });
    expect(storage.written).toEqual({ transactions: 3, entities: 250, retries: 0 });
    expect(await rawEntities(storage.tables.devices, `${TENANT}-2a`)).toHaveLength(250);
    expect(await storage.devices.count(TENANT)).toBe(250);
  });

  test('When the same record is written twice, then one entity holds the same content', async () => {
    const storage = await freshStorage();
    const record = deviceRecord();

    await storage.devices.upsertMany([record]);
    const before = await storage.devices.get(TENANT, record.deviceGuid);
    await storage.devices.upsertMany([record]);

    const partition = `${TENANT}-${bucketOf(record.deviceGuid, 64)}`;
    expect(await rawEntities(storage.tables.devices, partition)).toHaveLength(1);
    expect(await storage.devices.get(TENANT, record.deviceGuid)).toEqual(before);
    expect(before).toEqual(record);
  });

  test('When one batch holds the same device twice, then the last version is stored once', async () => {
    const storage = await freshStorage();
    const first = deviceRecord();
    const second = { ...first, deviceOs: 'iOS 18.0', contentHash: 'newer' };

    const stats = await storage.devices.upsertMany([first, second]);

    expect(stats.entities).toBe(1);
    expect(await storage.devices.get(TENANT, first.deviceGuid)).toEqual(second);
  });

  test('When a record with nulls and booleans is stored, then it reads back exactly, with nulls not stored', async () => {
    const storage = await freshStorage();
    const record = deviceRecord({ isManaged: true, isCompliant: null, isDisabled: false, stale: true, removed: false, friendlyName: null, wipeAckTime: null });

    await storage.devices.upsertMany([record]);

    expect(await storage.devices.get(TENANT, record.deviceGuid)).toStrictEqual(record);
    const [raw] = await rawEntities(storage.tables.devices, `${TENANT}-${bucketOf(record.deviceGuid, 64)}`);
    expect(raw).not.toHaveProperty('friendlyName');
    expect(raw).not.toHaveProperty('isCompliant');
    expect(raw!.isManaged).toBe(true);
    expect(raw!.isDisabled).toBe(false);
    expect(raw!.rowKey).toBe(record.deviceGuid);
  });

  test('When a property becomes null, then the stored record has it null (writes replace, never merge)', async () => {
    const storage = await freshStorage();
    const record = deviceRecord({ wipeRequestTime: '2024-06-02T10:00:00.000Z', lastWipeRequestor: 'admin@contoso.com' });
    await storage.devices.upsertMany([record]);

    const cleared = { ...record, wipeRequestTime: null, lastWipeRequestor: null };
    await storage.devices.upsertMany([cleared]);

    expect(await storage.devices.get(TENANT, record.deviceGuid)).toStrictEqual(cleared);
  });

  test('When a device guid is asked in upper case, then the stored lower-case record is found', async () => {
    const storage = await freshStorage();
    const record = deviceRecord();
    await storage.devices.upsertMany([record]);

    expect(await storage.devices.get(TENANT, record.deviceGuid.toUpperCase())).toEqual(record);
    expect(await storage.devices.get(TENANT, '00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  test('When devices spread over every bucket, then listAll streams all of them and no other tenant', async () => {
    const storage = await freshStorage({ bucketCount: 16 });
    const records = Array.from({ length: 300 }, () => deviceRecord());
    const otherTenant = Array.from({ length: 20 }, () => deviceRecord({ tenantId: 'contoso-1x.onmicrosoft.com' }));
    await storage.devices.upsertMany([...records, ...otherTenant]);

    const listed = await collect(storage.devices.listAll(TENANT));

    expect(new Set(records.map((r) => bucketOf(r.deviceGuid, 16))).size).toBe(16);
    expect(listed).toHaveLength(300);
    expect(new Set(listed.map((r) => r.deviceGuid))).toEqual(new Set(records.map((r) => r.deviceGuid)));
    expect(listed.find((r) => r.deviceGuid === records[7]!.deviceGuid)).toStrictEqual(records[7]);
  });

  test('When hashes are listed, then each device comes as a small projection, removed ones included', async () => {
    const storage = await freshStorage();
    const records = [deviceRecord(), deviceRecord({ userUpn: null }), deviceRecord({ removed: true, removedAt: '2024-06-03T00:00:00.000Z' })];
    await storage.devices.upsertMany(records);

    const hashes = await collect(storage.devices.listHashes(TENANT));

    expect(hashes).toHaveLength(3);
    for (const h of hashes) expect(Object.keys(h).sort()).toEqual(['contentHash', 'deviceGuid', 'firstSeen', 'lastSeen', 'listingHash', 'mailbox', 'name', 'removed', 'stale', 'statisticsUnavailable', 'userUpn']
      .sort());
    const byGuid = new Map(hashes.map((h) => [h.deviceGuid, h]));
    for (const r of records) {
      expect(byGuid.get(r.deviceGuid)).toEqual({
        deviceGuid: r.deviceGuid,
        mailbox: r.mailbox,
        contentHash: r.contentHash,
        listingHash: r.listingHash,
        name: r.name,
        userUpn: r.userUpn,
        removed: r.removed,
        stale: r.stale,
        firstSeen: r.firstSeen,
        lastSeen: r.lastSeen,
        statisticsUnavailable: r.statisticsUnavailable !== null,
      });
    }
  });

  test('When a page of devices is read at once, then the stored ones come back keyed by lower-case guid and unknown ones are absent', async () => {
    const storage = await freshStorage();
    const records = Array.from({ length: 120 }, () => deviceRecord());
    await storage.devices.upsertMany(records);
    const unknown = '11111111-2222-3333-4444-555555555555';

    const found = await storage.devices.getMany(TENANT, [...records.map((r) => r.deviceGuid.toUpperCase()), unknown]);

    expect(found.size).toBe(120);
    expect(found.has(unknown)).toBe(false);
    expect(found.get(records[42]!.deviceGuid)).toStrictEqual(records[42]);
  });

  test('When devices are marked removed, then they keep their record with removed and removedAt set', async () => {
    const storage = await freshStorage();
    const records = Array.from({ length: 5 }, () => deviceRecord());
    await storage.devices.upsertMany(records);
    const gone = [records[0]!.deviceGuid, records[1]!.deviceGuid];

    const stats = await storage.devices.markRemoved(TENANT, gone, '2024-07-01T00:00:00.000Z');

    // Each record and its `removed` index entry, in one transaction per partition.
    expect(stats.entities).toBe(4);
    const partition = `${TENANT}-${bucketOf(records[0]!.deviceGuid, 64)}`;
    expect((await rawEntities(storage.tables.devices, partition)).map((e) => e.rowKey)).toContain(`~removed~${records[0]!.deviceGuid}`);
    expect(await storage.devices.get(TENANT, records[0]!.deviceGuid)).toStrictEqual({ ...records[0], removed: true, removedAt: '2024-07-01T00:00:00.000Z' });
    expect(await storage.devices.count(TENANT)).toBe(3);
    expect(await storage.devices.count(TENANT, { includeRemoved: true })).toBe(5);
    expect(await collect(storage.devices.listAll(TENANT))).toHaveLength(3);
    expect(await collect(storage.devices.listAll(TENANT, { includeRemoved: true }))).toHaveLength(5);
  });

  test('When an unknown device is marked removed, then the known ones are marked and no empty record appears', async () => {
    const storage = await freshStorage({ bucketCount: 16 });
    const [known, unknown] = guidsInBucket(2, '03', 16);
    await storage.devices.upsertMany([deviceRecord({ deviceGuid: known })]);

    await storage.devices.markRemoved(TENANT, [known!, unknown!], '2024-07-01T00:00:00.000Z');

    expect((await storage.devices.get(TENANT, known!))?.removed).toBe(true);
    expect(await storage.devices.get(TENANT, unknown!)).toBeNull();
    expect(await storage.devices.count(TENANT, { includeRemoved: true })).toBe(1);
  });

  test('When a transaction meets a busy service, then it is sent again and the retry is counted', async () => {
    const storage = await freshStorage();
    const real = storage.tables.devices;
    let failures = 1;
    const flaky = Object.create(real) as TableClient;
    flaky.submitTransaction = (async (...args: Parameters<TableClient['submitTransaction']>) => {
      if (failures-- > 0) throw Object.assign(new Error('Server Busy'), { name: 'RestError', statusCode: 503 });
      return real.submitTransaction(...args);
    }) as TableClient['submitTransaction'];
    const writes: EntityWrite[] = Array.from({ length: 3 }, (_, i) => ({ op: 'upsert', mode: 'Replace', entity: { partitionKey: 'p', rowKey: `r${i}`, n: i } }));

    const stats = await writeBatches(flaky, writes, { baseDelayMs: 1 });

    expect(stats).toEqual({ transactions: 1, entities: 3, retries: 1 });
    expect(await rawEntities(real, 'p')).toHaveLength(3);
  });

  test('When a transaction keeps failing, then the batch stops with StorageUnavailable after a bounded number of tries', async () => {
    const storage = await freshStorage();
    let calls = 0;
    const down = Object.create(storage.tables.devices) as TableClient;
    down.submitTransaction = (async () => {
      calls++;
      throw Object.assign(new Error('Server Busy'), { name: 'RestError', statusCode: 503 });
    }) as TableClient['submitTransaction'];

    const write = writeBatches(down, [{ op: 'upsert', mode: 'Replace', entity: { partitionKey: 'p', rowKey: 'r' } }], { baseDelayMs: 1, maxAttempts: 3 });

    await expect(write).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(calls).toBe(3);
  });
});

describe('sync runs', () => {
  const run = (runId: string, startedAt: string, extra: Partial<SyncRun> = {}): SyncRun => ({
    tenantId: TENANT,
    runId,
    kind: 'full',
    startedAt,
    endedAt: null,
    outcome: 'running',
    counts: { seen: 0, new: 0, changed: 0, removed: 0, stale: 0, unchanged: 0, outOfScope: 0, statisticsUnavailable: 0 },
    callsByCmdlet: {},
    retries: 0,
    throttled: 0,
    pages: 0,
    transactions: 0,
    entitiesWritten: 0,
    instance: 'host-1',
    ...extra,
  });

  test('When runs are recorded and finished, then the latest come newest first with their counts and calls', async () => {
    const storage = await freshStorage();
    await storage.runs.start(run('run-1', '2024-06-01T00:00:00.000Z'));
    await storage.runs.start(run('run-2', '2024-06-02T00:00:00.000Z', { kind: 'delta' }));
    await storage.runs.start(run('run-3', '2024-06-03T00:00:00.000Z'));
    const finished = run('run-2', '2024-06-02T00:00:00.000Z', {
      kind: 'delta',
      endedAt: '2024-06-02T00:05:00.000Z',
      outcome: 'partial',
      counts: { seen: 10, new: 2, changed: 3, removed: 0, stale: 1, unchanged: 5, outOfScope: 0, statisticsUnavailable: 0 },
      pages: 3,
      transactions: 2,
      entitiesWritten: 5,
      callsByCmdlet: { 'Get-MobileDevice': 2, 'Get-MobileDeviceStatistics': 7 },
      retries: 4,
      throttled: 1,
      error: 'ExoThrottled: backing off',
      resumedFrom: 'run-1',
    });
    await storage.runs.finish(finished);

    const latest = await storage.runs.latest(TENANT, 2);

    expect(latest.map((r) => r.runId)).toEqual(['run-3', 'run-2']);
    expect(latest[1]).toStrictEqual(finished);
    expect(latest[0]).toStrictEqual(run('run-3', '2024-06-03T00:00:00.000Z'));
  });

  test('When the same run is started twice, then the second start is a conflict', async () => {
    const storage = await freshStorage();
    await storage.runs.start(run('run-1', '2024-06-01T00:00:00.000Z'));

    await expect(storage.runs.start(run('run-1', '2024-06-01T00:00:00.000Z'))).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('tenant lease', () => {
  test('When two instances take the lease at once, then exactly one gets it and the other learns the holder', async () => {
    const shared = prefix();
    const storage = await freshStorage({ tablePrefix: shared });
    const other = createStorage({ connectionString: azurite.connectionString, tablePrefix: shared });

    const [a, b] = await Promise.all([storage.state.acquireLease(TENANT, 'sync', 'instance-a', 60_000), other.state.acquireLease(TENANT, 'sync', 'instance-b', 60_000)]);

    expect([a.acquired, b.acquired].filter(Boolean)).toHaveLength(1);
    const winner = a.acquired ? a.lease.owner : b.acquired ? b.lease.owner : '';
    const loser = a.acquired ? b : a;
    expect(loser.acquired).toBe(false);
    if (!loser.acquired) expect(loser.holder).toBe(winner);
  });

  test('When ten instances race for an expired lease, then exactly one takes it over', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const storage = await freshStorage({ now: () => clock });
    const first = await storage.state.acquireLease(TENANT, 'sync', 'old-holder', 1_000);
    expect(first.acquired).toBe(true);
    clock += 5_000;

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storage.state.acquireLease(TENANT, 'sync', `instance-${i}`, 60_000)));

    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const owner = winners[0]!.acquired ? winners[0]!.lease.owner : '';
    for (const r of results) if (!r.acquired) expect(r.holder).toBe(owner);
  });

  test('When the lease is held and not expired, then another instance is told who holds it until when', async () => {
    const clock = Date.parse('2025-01-01T00:00:00Z');
    const storage = await freshStorage({ now: () => clock });
    await storage.state.acquireLease(TENANT, 'sync', 'instance-a', 60_000);

    const second = await storage.state.acquireLease(TENANT, 'sync', 'instance-b', 60_000);
    const sameName = await storage.state.acquireLease(TENANT, 'sync', 'instance-a', 60_000);

    expect(second).toEqual({ acquired: false, holder: 'instance-a', expiresAt: '2025-01-01T00:01:00.000Z', renewedAt: '2025-01-01T00:00:00.000Z' });
    expect(sameName.acquired).toBe(false);
  });

  test('When the holder renews, then its expiry moves forward and it still holds the lease', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const storage = await freshStorage({ now: () => clock });
    const taken = await storage.state.acquireLease(TENANT, 'sync', 'instance-a', 60_000);
    if (!taken.acquired) throw new Error('expected the lease');
    clock += 30_000;

    const renewed = await storage.state.renewLease(taken.lease);
    clock += 45_000; // past the first expiry, before the renewed one
    const other = await storage.state.acquireLease(TENANT, 'sync', 'instance-b', 60_000);

    expect(renewed.expiresAt).toBe('2025-01-01T00:01:30.000Z');
    expect(renewed.etag).not.toBe(taken.lease.etag);
    // The holder's last renewal is told too (a silent holder can be broken with --break-lease).
    expect(other).toEqual({ acquired: false, holder: 'instance-a', expiresAt: '2025-01-01T00:01:30.000Z', renewedAt: '2025-01-01T00:00:30.000Z' });
  });

  test('When an expired lease was taken over, then the old holder cannot renew (LeaseLost) nor release it', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const storage = await freshStorage({ now: () => clock });
    const old = await storage.state.acquireLease(TENANT, 'sync', 'instance-a', 10_000);
    if (!old.acquired) throw new Error('expected the lease');
    clock += 11_000;
    const takeover = await storage.state.acquireLease(TENANT, 'sync', 'instance-b', 10_000);
    expect(takeover.acquired).toBe(true);

    await expect(storage.state.renewLease(old.lease)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(storage.state.renewLease(old.lease)).rejects.toMatchObject({ code: 'LeaseLost' });
    expect(await storage.state.releaseLease(old.lease)).toBe(false);
    const stillB = await storage.state.acquireLease(TENANT, 'sync', 'instance-c', 10_000);
    expect(stillB).toMatchObject({ acquired: false, holder: 'instance-b' });
  });

  test('When the holder releases the lease, then another instance takes it at once', async () => {
    const storage = await freshStorage();
    const a = await storage.state.acquireLease(TENANT, 'sync', 'instance-a', 60_000);
    if (!a.acquired) throw new Error('expected the lease');

    expect(await storage.state.releaseLease(a.lease)).toBe(true);
    const b = await storage.state.acquireLease(TENANT, 'sync', 'instance-b', 60_000);

    expect(b.acquired).toBe(true);
    await expect(storage.state.renewLease(a.lease)).rejects.toBeInstanceOf(LeaseLostError);
  });
});

describe('named tenant leases', () => {
  test('When two jobs take leases of different names, then each is held at once by its own owner, and each name is refused to a third while held', async () => {
    const storage = await freshStorage();

    const sync = await storage.state.acquireLease(TENANT, 'sync', 'sync-instance', 60_000);
    const reconcile = await storage.state.acquireLease(TENANT, 'policyReconcile', 'reconcile-instance', 60_000);
    const secondSync = await storage.state.acquireLease(TENANT, 'sync', 'third-instance', 60_000);
    const secondReconcile = await storage.state.acquireLease(TENANT, 'policyReconcile', 'third-instance', 60_000);

    expect(sync).toMatchObject({ acquired: true, lease: { name: 'sync', owner: 'sync-instance' } });
    expect(reconcile).toMatchObject({ acquired: true, lease: { name: 'policyReconcile', owner: 'reconcile-instance' } });
    expect(secondSync).toMatchObject({ acquired: false, holder: 'sync-instance' });
    expect(secondReconcile).toMatchObject({ acquired: false, holder: 'reconcile-instance' });
    expect(await storage.state.getLease(TENANT, 'policyReconcile')).toMatchObject({ owner: 'reconcile-instance', ttlMs: 60_000 });
  });

  test('When the sync lease is taken, then it is the state row it was before leases had names (RowKey lease), and another name has its own row', async () => {
    const storage = await freshStorage();

    await storage.state.acquireLease(TENANT, 'sync', 'sync-instance', 60_000);
    await storage.state.acquireLease(TENANT, 'actionFollowUp', 'follow-up-instance', 60_000);

    const rows = await rawEntities(storage.tables.state, TENANT);
    expect(rows.map((r) => ({ partitionKey: r.partitionKey, rowKey: r.rowKey, owner: r.owner })).sort((a, b) => String(a.rowKey).localeCompare(String(b.rowKey)))).toEqual([
      { partitionKey: TENANT, rowKey: 'lease', owner: 'sync-instance' },
      { partitionKey: TENANT, rowKey: 'lease:actionFollowUp', owner: 'follow-up-instance' },
    ]);
  });

  test('When an instance of the previous version holds the sync lease, then the new version sees its holder and neither takes nor breaks it', async () => {
    const storage = await freshStorage();
    const at = Date.now();
    // What the previous version wrote: one lease row per tenant, without a name.
    await storage.tables.state.createEntity({
      partitionKey: TENANT,
      rowKey: 'lease',
      tenantId: TENANT,
      owner: 'old-version#ab12cd',
      acquiredAt: new Date(at).toISOString(),
      expiresAt: new Date(at + 60_000).toISOString(),
      ttlMs: 60_000,
      renewedAt: new Date(at).toISOString(),
    });

    expect(await storage.state.acquireLease(TENANT, 'sync', 'new-version#ef34ab', 60_000)).toMatchObject({ acquired: false, holder: 'old-version#ab12cd' });
    expect(await storage.state.getLease(TENANT, 'sync')).toMatchObject({ owner: 'old-version#ab12cd', ttlMs: 60_000 });
    expect(await storage.state.breakLease(TENANT, 'sync', 40_000)).toMatchObject({ outcome: 'refused', holder: 'old-version#ab12cd' });
    // Another name is not blocked by it.
    expect((await storage.state.acquireLease(TENANT, 'policyReconcile', 'new-version#ef34ab', 60_000)).acquired).toBe(true);
  });

  test('When one named lease is broken or released, then the others stay held', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const storage = await freshStorage({ now: () => clock });
    const sync = await storage.state.acquireLease(TENANT, 'sync', 'sync-instance', 60_000);
    const reconcile = await storage.state.acquireLease(TENANT, 'policyReconcile', 'reconcile-instance', 60_000);
    if (!sync.acquired || !reconcile.acquired) throw new Error('expected both leases');
    clock += 50_000;
    await storage.state.renewLease(sync.lease);

    expect(await storage.state.breakLease(TENANT, 'policyReconcile', 40_000)).toMatchObject({ outcome: 'broken', holder: 'reconcile-instance' });
    expect(await storage.state.getLease(TENANT, 'policyReconcile')).toBeNull();
    expect(await storage.state.getLease(TENANT, 'sync')).toMatchObject({ owner: 'sync-instance', renewedAt: '2025-01-01T00:00:50.000Z' });
    expect(await storage.state.releaseLease(reconcile.lease)).toBe(false);
  });

  test('When a lease name is not 1 to 32 letters, digits or hyphens, then it is refused before anything is stored', async () => {
    const storage = await freshStorage();

    for (const name of ['', 'policy reconcile', 'a/b', 'lease:x', 'x'.repeat(33)]) {
      await expect(storage.state.acquireLease(TENANT, name, 'instance-a', 60_000)).rejects.toMatchObject({ code: 'ValidationError', issues: [expect.objectContaining({ field: 'name' })] });
      await expect(storage.state.getLease(TENANT, name)).rejects.toMatchObject({ code: 'ValidationError' });
    }
    expect(await rawEntities(storage.tables.state, TENANT)).toEqual([]);
  });
});

describe('checkpoints and connector status', () => {
  test('When a checkpoint is saved, then it reads back equal, per kind, until cleared', async () => {
    const storage = await freshStorage();
    const data = { runId: 'run-7', page: 12, cursor: 'abc==', seen: 12_000, nested: { ok: true, list: [1, 2] } };

    await storage.state.saveCheckpoint(TENANT, 'full', data);
    await storage.state.saveCheckpoint(TENANT, 'delta', { page: 1 });

    expect(await storage.state.getCheckpoint(TENANT, 'full')).toMatchObject({ kind: 'full', data });
    expect((await storage.state.getCheckpoint(TENANT, 'delta'))?.data).toEqual({ page: 1 });
    await storage.state.clearCheckpoint(TENANT, 'full');
    await storage.state.clearCheckpoint(TENANT, 'full');
    expect(await storage.state.getCheckpoint(TENANT, 'full')).toBeNull();
  });

  test('When a checkpoint is larger than one string property, then it is split and still reads back equal', async () => {
    const storage = await freshStorage();
    const data = { guids: Array.from({ length: 3_000 }, (_, i) => `device-${i}-${'x'.repeat(20)}`) };

    await storage.state.saveCheckpoint(TENANT, 'full', data);
    await storage.state.saveCheckpoint(TENANT, 'small', { a: 1 });

    expect((await storage.state.getCheckpoint(TENANT, 'full'))?.data).toEqual(data);
    await storage.state.saveCheckpoint(TENANT, 'full', { page: 2 });
    expect((await storage.state.getCheckpoint(TENANT, 'full'))?.data).toEqual({ page: 2 });
  });

  const status: ConnectorStatus = {
    state: 'flaggedForInstallation',
    messageId: 1015,
    missingCmdlets: ['Get-MobileDevice', 'Clear-MobileDevice'],
    features: [
      { feature: 'sync', state: 'unavailable', missingCmdlets: ['Get-MobileDevice'] },
      { feature: 'deviceActions', state: 'unavailable', missingCmdlets: ['Get-MobileDevice', 'Clear-MobileDevice'] },
    ],
    checkedAt: '2024-06-01T00:00:00.000Z',
    nextCheckAt: null,
    detail: 'missing permissions',
  };

  test('When the connector status is saved, then it reads back exactly with an ETag', async () => {
    const storage = await freshStorage();
    expect(await storage.state.getStatus(TENANT)).toBeNull();

    const { etag } = await storage.state.saveStatus(TENANT, status);
    const read = await storage.state.getStatus(TENANT);

    expect(read).toEqual({ status, etag });
    const installed: ConnectorStatus = { ...status, state: 'installed', messageId: null, missingCmdlets: [], nextCheckAt: '2024-06-02T00:00:00.000Z' };
    await storage.state.saveStatus(TENANT, installed, etag);
    expect((await storage.state.getStatus(TENANT))?.status).toStrictEqual(installed);
  });

  test('When the status is saved with a stale ETag, then it fails with ConcurrencyError and keeps the newer status', async () => {
    const storage = await freshStorage();
    const { etag: first } = await storage.state.saveStatus(TENANT, status);
    await storage.state.saveStatus(TENANT, { ...status, detail: 'newer' }, first);

    const stale = storage.state.saveStatus(TENANT, { ...status, detail: 'older' }, first);

    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(storage.state.saveStatus(TENANT, status, first)).rejects.toMatchObject({ code: 'ConcurrencyConflict', status: 409 });
    expect((await storage.state.getStatus(TENANT))?.status.detail).toBe('newer');
  });
});

describe('audit trail', () => {
  test('When entries are appended, then a month lists them newest first with their details', async () => {
    const storage = await freshStorage();
    const entry = (at: string, action: string) => ({ tenantId: TENANT, at, actor: 'admin@contoso.com', action, target: 'device-1', outcome: 'accepted', details: { mode: 'accountOnly', n: 1 } });
    await storage.audit.append(entry('2024-06-01T10:00:00.000Z', 'wipe.request'));
    await storage.audit.append(entry('2024-06-03T10:00:00.000Z', 'wipe.approve'));
    await storage.audit.append(entry('2024-06-02T10:00:00.000Z', 'policy.apply'));
    await storage.audit.append(entry('2024-07-01T00:00:00.000Z', 'wipe.sent'));

    const june = await storage.audit.list(TENANT, '2024-06');

    expect(june.map((e) => e.action)).toEqual(['wipe.approve', 'policy.apply', 'wipe.request']);
    expect(june[0]).toMatchObject({ actor: 'admin@contoso.com', target: 'device-1', outcome: 'accepted', details: { mode: 'accountOnly', n: 1 } });
    expect(june[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await storage.audit.list(TENANT, '202407')).map((e) => e.action)).toEqual(['wipe.sent']);
    expect(await storage.audit.list(TENANT, '2024-06', { limit: 1 })).toHaveLength(1);
  });
});

describe('tables, prefixes and health', () => {
  test('When two deployments use different prefixes, then they do not see each other', async () => {
    const a = await freshStorage();
    const b = await freshStorage();
    const record = deviceRecord();

    await a.devices.upsertMany([record]);
    await a.state.saveCheckpoint(TENANT, 'full', { page: 1 });

    expect(a.tables.names.devices).not.toBe(b.tables.names.devices);
    expect(await a.devices.get(TENANT, record.deviceGuid)).toEqual(record);
    expect(await b.devices.get(TENANT, record.deviceGuid)).toBeNull();
    expect(await b.state.getCheckpoint(TENANT, 'full')).toBeNull();
  });

  test('When tables are ensured again, then nothing fails and the data stays', async () => {
    const storage = await freshStorage();
    await storage.state.saveCheckpoint(TENANT, 'full', { page: 3 });

    await storage.tables.ensureTables();

    expect((await storage.state.getCheckpoint(TENANT, 'full'))?.data).toEqual({ page: 3 });
  });

  test('When storage answers, then ping is ok; when its tables are missing, ping says so', async () => {
    const ready = await freshStorage();
    const missing = createTableClients({ connectionString: azurite.connectionString, tablePrefix: prefix() });

    expect(await ready.tables.ping()).toMatchObject({ ok: true });
    const result = await missing.ping();
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/TableNotFound.*ensureTables/);
  });

  test('When storage is unreachable, then ping reports it clearly without the account key, and reads fail with StorageUnavailable', async () => {
    const port = await closedPort();
    const connectionString = azurite.connectionString.replace(`:${azurite.port}/`, `:${port}/`);
    const storage = createStorage({ connectionString, maxRetries: 0 });

    const result = await storage.tables.ping();

    expect(result.ok).toBe(false);
    expect(result.detail).toContain(`127.0.0.1:${port}`);
    expect(result.detail).toMatch(/ECONNREFUSED/);
    expect(result.detail).not.toContain('AccountKey');
    expect(result.detail).not.toContain(/AccountKey=([^;]+)/.exec(connectionString)![1]);
    const read = storage.devices.get(TENANT, '11111111-2222-3333-4444-555555555555');
    await expect(read).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(storage.devices.get(TENANT, '11111111-2222-3333-4444-555555555555')).rejects.toMatchObject({ code: 'StorageUnavailable', status: 503 });
  });

  test('When options are contradictory, then the tables are not created and every problem is named', () => {
    expect(() => createTableClients({ tablePrefix: '1bad' })).toThrow(/tablePrefix[\s\S]*connectionString/);
    expect(() => createTableClients({ accountUrl: 'https://x.table.core.windows.net' })).toThrow(/credential/);
  });
});
