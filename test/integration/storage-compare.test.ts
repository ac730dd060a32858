/**
 * Compares the read strategies the device repository could use, against a real Azurite,
 * and logs the times: no assertion on time, only that the strategies agree. The design
 * notes in lib/storage/device-repository.ts quote this test; to reproduce them at scale:
 *   STORAGE_COMPARE_DEVICES=100000 node dev/with-ca.js jest test/integration/storage-compare
 */
import { odata } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { createDeviceRepository, createTableClients } from '../../lib/storage';
import { deviceRecord, prefix, TENANT } from './storage-fixtures';

const DEVICES = Number(process.env.STORAGE_COMPARE_DEVICES ?? 10_000);
const PAGE = 1_000;

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await fn();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

test(`When ${DEVICES} devices are stored, then point reads, partition queries and range queries all find the same devices (times logged)`, async () => {
  const tables = createTableClients({ connectionString: azurite.connectionString, tablePrefix: prefix() });
  await tables.ensureTables();
  const point = createDeviceRepository(tables.devices, { getManyStrategy: 'point' });
  const query = createDeviceRepository(tables.devices, { getManyStrategy: 'query' });
  const records = Array.from({ length: DEVICES }, () => deviceRecord());
  const lines: string[] = [];

  const [stats, writeMs] = await timed(() => point.upsertMany(records));
  lines.push(`upsertMany ${DEVICES}: ${Math.round(writeMs)} ms, ${stats.transactions} transactions, ${Math.round(DEVICES / (writeMs / 1000))} entities/s`);

  for (let round = 1; round <= 3; round++) {
    const page = Array.from({ length: PAGE }, () => records[Math.floor(Math.random() * DEVICES)]!.deviceGuid);
    const [byPoint, pointMs] = await timed(() => point.getMany(TENANT, page));
    const [byQuery, queryMs] = await timed(() => query.getMany(TENANT, page));
    expect([...byQuery.keys()].sort()).toEqual([...byPoint.keys()].sort());
    lines.push(`getMany ${PAGE} (round ${round}): point reads ${Math.round(pointMs)} ms, partition queries ${Math.round(queryMs)} ms`);
  }

  const [perPartition, perPartitionMs] = await timed(async () => {
    let n = 0;
    for await (const _ of point.listHashes(TENANT)) n++;
    return n;
  });
  const [ranged, rangeMs] = await timed(async () => {
    let n = 0;
    const filter = odata`PartitionKey ge ${`${TENANT}-00`} and PartitionKey le ${`${TENANT}-ff`}`;
    for await (const _ of tables.devices.listEntities({ queryOptions: { filter, select: ['deviceGuid', 'contentHash', 'listingHash', 'name', 'userUpn', 'removed', 'firstSeen', 'lastSeen'] } })) n++;
    return n;
  });
  expect(perPartition).toBe(DEVICES);
  expect(ranged).toBe(DEVICES);
  lines.push(`listHashes ${DEVICES}: one query per bucket partition ${Math.round(perPartitionMs)} ms, one range query ${Math.round(rangeMs)} ms`);

  console.log(`storage read strategies against Azurite\n  ${lines.join('\n  ')}`);
});
