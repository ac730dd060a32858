/**
 * The inventory snapshot: a delta sync loads the stored summaries from a few snapshot
 * entities instead of reading the device table back, and falls back to the table
 * whenever the snapshot is missing, partial or older than the table. Real emulator,
 * identity provider and Azurite.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LocalStack } from '../../dev/local-stack';
import { useSyncFixture } from '../support/sync-fixture';
import type { Runtime } from '../../lib/app/runtime';
import { runDeltaSync, runFullSync } from '../../lib/app/sync/sync';
import { StoredIndex } from '../../lib/app/sync/stored-index';

const fixture = useSyncFixture();
let stack: LocalStack;
beforeAll(() => {
  stack = fixture.stack;
});
const { newRuntime, inventory } = fixture;

/** Runs a delta sync and counts the device entities it read from the table. */
async function delta(runtime: Runtime) {
  const before = runtime.storage.read.deviceEntities;
  const { run } = await runDeltaSync(runtime.syncDeps());
  return { run, entitiesRead: runtime.storage.read.deviceEntities - before };
}

const stateClient = (runtime: Runtime) => runtime.storage.tables.state;
const tenantPk = () => stack.tenantId.toLowerCase();

/** A device's change in Exchange that a delta must find: its access state. */
function blockOne(seed: number): string {
  const d = stack.emulator.control.listDevices()[seed % 50]!;
  stack.emulator.control.updateDevice(d.guid, { accessState: 'Blocked', accessStateReason: 'Individual' });
  return d.guid.toLowerCase();
}

test('When a delta sync follows a full sync, then it loads the snapshot, reads no device entity and still stores a changed device', async () => {
  stack.emulator.control.seed({ devices: 2000, mailboxes: 700, seed: 61 });
  const runtime = await newRuntime();
  await runFullSync(runtime.syncDeps());
  const changed = blockOne(1);

  const first = await delta(runtime);
  expect(first.run.counts).toMatchObject({ seen: 2000, changed: 1, new: 0 });
  expect(first.entitiesRead).toBe(0);
  expect((await inventory(runtime)).get(changed)!.accessState).toBe('Blocked');

  // The delta's own write was followed by a new snapshot: the next no-change delta reads nothing either.
  const quiet = await delta(runtime);
  expect(quiet.run.counts).toMatchObject({ seen: 2000, changed: 0, new: 0, unchanged: 2000 });
  expect(quiet.entitiesRead).toBe(0);
});

test('When a snapshot was loaded, then the index it gives equals the one read from the device table', async () => {
  stack.emulator.control.seed({ devices: 1500, mailboxes: 500, seed: 62 });
  const runtime = await newRuntime();
  await runFullSync(runtime.syncDeps());
  stack.emulator.control.removeDevice(stack.emulator.control.listDevices()[3]!.guid);
  await runFullSync(runtime.syncDeps()); // one removed, so the flags are exercised too

  const fromSnapshot = await StoredIndex.load(runtime.syncDeps());
  const deps = runtime.syncDeps();
  const fromTable = await StoredIndex.load({ ...deps, store: { ...deps.store, snapshot: undefined } });
  expect(fromSnapshot.source).toBe('snapshot');
  expect(fromTable.source).toBe('table');
  const plain = (i: StoredIndex) => new Map([...i.byGuid].map(([k, v]) => [k, { ...v, statisticsUnavailable: (v as { statisticsUnavailable?: boolean }).statisticsUnavailable ?? false }]));
  expect(plain(fromSnapshot)).toEqual(plain(fromTable));
  expect([...fromSnapshot.byGuid.values()].filter((s) => s.removed)).toHaveLength(1);
});

const spoilers: [string, (runtime: Runtime) => Promise<void>][] = [
  ['its head is missing', (r) => stateClient(r).deleteEntity(tenantPk(), 'snapshot').then(() => undefined)],
  ['it was invalidated', (r) => r.storage.snapshots.invalidate(stack.tenantId).then(() => undefined)],
  [
    'one of its parts is missing',
    async (r) => {
      const head = await stateClient(r).getEntity<Record<string, unknown>>(tenantPk(), 'snapshot');
      await stateClient(r).deleteEntity(tenantPk(), `snapshot:${String(head.generation)}:0000`);
    },
  ],
  [
    'another writer changed a device since',
    async (r) => {
      // Not the sync: a writer through storage.devices (a future device action, say).
      const [record] = [...(await inventory(r)).values()];
      await r.storage.devices.upsertMany([{ ...record!, listingHash: 'changed-elsewhere', contentHash: 'changed-elsewhere' }]);
    },
  ],
];

test.each(spoilers)('When the snapshot cannot be trusted (%s), then the delta reads the device table and gives the same result', async (_label, spoil) => {
  stack.emulator.control.seed({ devices: 1200, mailboxes: 400, seed: 63 });
  const runtime = await newRuntime();
  await runFullSync(runtime.syncDeps());
  await spoil(runtime);
  const changed = blockOne(2);

  const { run, entitiesRead } = await delta(runtime);
  expect(entitiesRead).toBeGreaterThanOrEqual(1200);
  expect(run.counts).toMatchObject({ seen: 1200, new: 0 });
  const stored = await inventory(runtime);
  expect(stored.get(changed)!.accessState).toBe('Blocked');
  // Whatever the spoiler did, the table now matches Exchange again, and a new snapshot matches the table.
  expect([...stored.values()].filter((r) => r.listingHash === 'changed-elsewhere')).toHaveLength(0);
  const next = await delta(runtime);
  expect(next.entitiesRead).toBe(0);
  expect(next.run.counts).toMatchObject({ changed: 0, new: 0, unchanged: 1200 });
});

test('When a delta sync fails after writing some devices, then its snapshot is left invalid and the next delta reads the table', async () => {
  stack.emulator.control.seed({ devices: 3000, mailboxes: 1000, seed: 64 });
  const runtime = await newRuntime();
  await runFullSync(runtime.syncDeps());
  // A change on the first page is written; the listing then fails for good on a later page.
  const changed = blockOne(3);
  stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDevice'], failAfterCalls: 2, failStatus: 400 });
  await expect(runDeltaSync(runtime.syncDeps())).rejects.toThrow();
  expect((await inventory(runtime)).get(changed)!.accessState).toBe('Blocked');
  stack.emulator.control.clearFaults();

  const head = await stateClient(runtime).getEntity<Record<string, unknown>>(tenantPk(), 'snapshot');
  expect(head.state).toBe('invalid');
  const { run, entitiesRead } = await delta(runtime);
  expect(entitiesRead).toBeGreaterThanOrEqual(3000);
  expect(run.counts).toMatchObject({ seen: 3000, changed: 0, new: 0 });
});

test('When a snapshot is larger than one entity, then it is saved in several parts and reads back equal', async () => {
  const runtime = await newRuntime();
  const summaries = Array.from({ length: 30_000 }, (_, i) => ({
    deviceGuid: randomUUID(),
    mailbox: i % 7 === 0 ? `Sales/EMEA user ${i}` : randomUUID(),
    name: `user${i}_iPhone`,
    contentHash: randomBytes(20).toString('base64url').slice(0, 27),
    listingHash: randomBytes(20).toString('base64url').slice(0, 27),
    firstSeen: i % 2 ? '2026-01-01T00:00:00.000Z' : '2026-02-01T00:00:00.000Z',
    removed: i % 11 === 0,
    stale: i % 13 === 0,
    statisticsUnavailable: i % 17 === 0,
  }));
  const rowsOf = (list: typeof summaries) => {
    const rows = runtime.storage.snapshots.rows();
    for (const x of list) rows.add(x);
    return rows;
  };
  const saved = await runtime.storage.snapshots.save(stack.tenantId, 'g1', rowsOf(summaries), null);
  expect(saved).toMatchObject({ saved: true });
  expect(saved.parts).toBeGreaterThan(1);
  const loaded = await runtime.storage.snapshots.load(stack.tenantId);
  expect(loaded.parts).toBe(saved.parts);
  expect(loaded.summaries).toEqual(summaries);

  // A second save with a stale token is refused and the first snapshot stays whole.
  const refused = await runtime.storage.snapshots.save(stack.tenantId, 'g2', rowsOf(summaries.slice(0, 10)), null);
  expect(refused.saved).toBe(false);
  expect((await runtime.storage.snapshots.load(stack.tenantId)).summaries).toHaveLength(30_000);
});

test('When another writer changes a device while a sync runs, then that sync saves no snapshot and the next delta reads the table and repairs the device', async () => {
  stack.emulator.control.seed({ devices: 1000, mailboxes: 400, seed: 65 });
  const runtime = await newRuntime();
  await runFullSync(runtime.syncDeps());
  const blocked = blockOne(4);
  const other = [...(await inventory(runtime)).values()].find((r) => r.deviceGuid !== blocked)!;

  // The other writer (a device action, or an instance that lost the lease) writes while the
  // delta is between loading its index and writing: during its first statistics call.
  // (Hooked in the emulator: the sync runs its calls through a lease-bound copy of its source.)
  const deps = runtime.syncDeps();
  let wrote = false;
  stack.emulator.control.onNextCall('Get-MobileDeviceStatistics', async () => {
    wrote = true;
    await runtime.storage.devices.upsertMany([{ ...other, listingHash: 'changed-elsewhere', contentHash: 'changed-elsewhere' }]);
  });
  const during = await runDeltaSync(deps);
  expect(wrote).toBe(true);
  expect(during.run.counts).toMatchObject({ changed: 1 });
  const head = await stateClient(runtime).getEntity<Record<string, unknown>>(tenantPk(), 'snapshot');
  expect(head.state).toBe('invalid');

  const next = await delta(runtime);
  expect(next.entitiesRead).toBeGreaterThanOrEqual(1000);
  expect((await inventory(runtime)).get(other.deviceGuid)!.listingHash).not.toBe('changed-elsewhere');
});
