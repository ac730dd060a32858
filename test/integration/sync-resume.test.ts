/**
 * Resumed full syncs and the tenant lease, end to end: the real Exchange client against
 * the Exchange Online emulator, the inventory and the sync state in a real Azurite. Each
 * test has its own table prefix.
 */
import { indexesOf } from '../../lib/domain/device-index';
import type { LocalStack } from '../../dev/local-stack';
import { useSyncFixture } from '../support/sync-fixture';
import type { Runtime } from '../../lib/app/runtime';
import { runFullSync } from '../../lib/app/sync/sync';
import { breakSyncLease } from '../../lib/app/sync/break-lease';
import { emptyCounts } from '../../lib/domain/sync-run';
import type { FullSyncCheckpoint } from '../../lib/app/sync/ports';
import { silentLogger } from '../../lib/log';
import { createStateRepository } from '../../lib/storage/state-repository';
import { shiftedClock } from '../support/fake-clock';
import type { SyncDeps } from '../../lib/app/sync/ports';
import type { DeviceRecord } from '../../lib/domain/device';

const fixture = useSyncFixture();
let stack: LocalStack;
beforeAll(() => {
  stack = fixture.stack;
});
const { newRuntime, inventory } = fixture;

async function checkpointOf(runtime: Runtime): Promise<FullSyncCheckpoint | null> {
  return (await runtime.storage.state.getCheckpoint<FullSyncCheckpoint>(stack.tenantId, 'full'))?.data ?? null;
}

describe('resumed full sync', () => {
  test('When a device is added to (or changed in) a mailbox the checkpoint calls finished, then the resumed sync stores it and counts it new (changed)', async () => {
    stack.emulator.control.seed({ devices: 1500, mailboxes: 1000, seed: 31 });
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '500' });
    const first = await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    expect(first.run.outcome).toBe('partial');

    // Checkpointed by position: every mailbox whose lower-cased name sorts at or before it is stored.
    const through = (await checkpointOf(runtime))!.doneThrough!;
    const stored = await inventory(runtime);
    const finished = stack.emulator.control.listMailboxes().filter((m) => m.name.toLowerCase() <= through && stack.emulator.control.listDevices().some((d) => d.mailbox.name === m.name));
    expect(finished.length).toBeGreaterThan(1);
    const added = stack.emulator.control.addDevice({ mailbox: finished[0].upn, deviceType: 'iPad', deviceModel: 'iPad13,1' });
    const changedDevice = stack.emulator.control.listDevices().find((d) => d.mailbox.name === finished[1].name && stored.has(d.guid.toLowerCase()))!;
    stack.emulator.control.updateDevice(changedDevice.guid, { friendlyName: 'Renamed after the checkpoint' });
    stack.emulator.control.resetCounters();

    const second = await runFullSync(runtime.syncDeps());
    expect(second.run).toMatchObject({ outcome: 'succeeded', runId: first.run.runId });
    const after = await inventory(runtime);
    expect(after.size).toBe(1501);
    expect(after.get(added.guid.toLowerCase())).toMatchObject({ mailbox: finished[0].name, deviceModel: 'iPad13,1', removed: false });
    expect(after.get(changedDevice.guid.toLowerCase())).toMatchObject({ friendlyName: 'Renamed after the checkpoint' });
    // Counted as what they are, not as "stored by an earlier invocation".
    expect(second.run.counts).toMatchObject({ seen: 1501, new: 1501, changed: 1, unchanged: 0 });
  });
});

/**
 * Another instance takes the lease as if it had expired (its clock runs ahead), while the
 * holder's statistics call is held; resolves once the holder's renewal was refused.
 */
function takeOverDuringStatistics(runtime: Runtime, deps: SyncDeps, o: { owner?: string } = {}): { lost: Promise<void>; taken: Promise<void> } {
  let lostResolve!: () => void;
  const lost = new Promise<void>((r) => (lostResolve = r));
  const renew = deps.state.renewLease.bind(deps.state);
  deps.state = {
    ...deps.state,
    renewLease: async (l) => {
      try {
        return await renew(l);
      } catch (e) {
        lostResolve();
        throw e;
      }
    },
  };
  const other = createStateRepository(runtime.storage.tables.state, { clock: shiftedClock(10 * 60_000) });
  let takenResolve!: () => void;
  const taken = new Promise<void>((r) => (takenResolve = r));
  stack.emulator.control.onNextCall('Get-MobileDeviceStatistics', async () => {
    const r = await other.acquireLease(stack.tenantId, 'sync', o.owner ?? 'other-instance', 60_000);
    expect(r.acquired).toBe(true);
    takenResolve();
    await lost;
  });
  return { lost, taken };
}

describe('the tenant lease', () => {
  test('When a run loses its lease mid-run, then it leaves no checkpoint, no device record and a failed run record naming the lease', async () => {
    stack.emulator.control.seed({ devices: 600, mailboxes: 300, seed: 32 });
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '200' });
    const deps = runtime.syncDeps();
    takeOverDuringStatistics(runtime, deps);
    const failed = await runFullSync(deps, { leaseTtlMs: 600, checkpointEveryMs: 0 }).catch((e) => e);
    expect(failed).toMatchObject({ code: 'LeaseLost' });
    expect(await checkpointOf(runtime)).toBeNull();
    expect((await inventory(runtime)).size).toBe(0);
    const [run] = await runtime.storage.runs.latest(stack.tenantId, 1);
    expect(run).toMatchObject({ kind: 'full', outcome: 'failed', error: expect.stringContaining('lease') });
  });
});

/** What a sync derives from Exchange, names included, without the connector's bookkeeping times. */
function essence(r: DeviceRecord): Partial<DeviceRecord> {
  const { firstSeen: _f, lastSeen: _l, removedAt: _r, ...rest } = r;
  return rest;
}

describe('kill and resume', () => {
  test('When a full sync is killed at six points and resumed each time, then it ends with the inventory of an uninterrupted run, names included, and barely more statistics calls', async () => {
    const seeded = stack.emulator.control.seed({ devices: 3000, mailboxes: 1200, seed: 37 });
    const reference = await newRuntime({ EXO_PAGE_SIZE: '500' });
    await runFullSync(reference.syncDeps());
    const uninterrupted = stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'];
    expect(uninterrupted).toBe(seeded.mailboxesWithDevices);
    stack.emulator.control.resetCounters();

    const interrupted = await newRuntime({ EXO_PAGE_SIZE: '500', EXO_MAX_RETRIES: '0' });
    let calls = 0;
    for (let kill = 0; kill < 6; kill++) {
      // Each invocation dies after about 150 more statistics calls (an outage, as a crash would stop it).
      stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDeviceStatistics'], failAfterCalls: 150, failStatus: 503 });
      const cut = await runFullSync(interrupted.syncDeps()).catch((e) => e);
      expect(cut).toMatchObject({ code: 'ExoTransient' });
      calls += stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'] ?? 0;
      stack.emulator.control.clearFaults();
      stack.emulator.control.resetCounters();
    }
    const { run } = await runFullSync(interrupted.syncDeps());
    calls += stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'];
    expect(run).toMatchObject({ outcome: 'succeeded', invocations: 7, counts: expect.objectContaining({ seen: 3000, new: 3000, removed: 0 }) });

    const a = await inventory(reference);
    const b = await inventory(interrupted);
    expect(b.size).toBe(a.size);
    for (const [guid, r] of a) expect(essence(b.get(guid)!)).toEqual(essence(r));
    // Each kill loses at most the chunks in flight (two of 100 mailboxes), including the failed calls themselves.
    expect(calls).toBeLessThanOrEqual(uninterrupted + 6 * 200);
  });
});

describe('the cost of an interruption', () => {
  test('When a full sync is killed half-way and resumed, then all its invocations together make at most 1.1x the statistics calls of an uninterrupted run', async () => {
    const seeded = stack.emulator.control.seed({ devices: 6000, mailboxes: 4000, seed: 38 });
    const interrupted = await newRuntime({ EXO_MAX_RETRIES: '0' });
    stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDeviceStatistics'], failAfterCalls: Math.round(seeded.mailboxesWithDevices / 2), failStatus: 503 });
    await expect(runFullSync(interrupted.syncDeps())).rejects.toMatchObject({ code: 'ExoTransient' });
    stack.emulator.control.clearFaults();
    const { run } = await runFullSync(interrupted.syncDeps());
    expect(run).toMatchObject({ outcome: 'succeeded', invocations: 2 });
    const total = stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'];
    // An uninterrupted run makes one call per mailbox with partnerships.
    expect(total).toBeLessThanOrEqual(1.1 * seeded.mailboxesWithDevices);
    expect(run.callsByCmdlet['Get-MobileDeviceStatistics']).toBe(total);
    expect((await inventory(interrupted)).size).toBe(6000);
  });
});

function statusOf(runtime: Runtime) {
  return runtime.status.report();
}

describe('a stalled holder', () => {
  test('When a statistics call stalls longer than the lease, then the heartbeat keeps the lease, and once the holder cannot renew it stops at once and never writes beside the next holder', async () => {
    stack.emulator.control.seed({ devices: 600, mailboxes: 300, seed: 35 });
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '200' });
    const ttl = 900;
    const a = runtime.syncDeps();
    let renewals = 0;
    let renewedPastTtl!: () => void;
    const pastTtl = new Promise<void>((r) => (renewedPastTtl = r));
    const renew = a.state.renewLease.bind(a.state);
    a.state = { ...a.state, renewLease: async (l) => ((++renewals === 4 ? renewedPastTtl() : undefined), renew(l)) };
    let writesAfterLoss = 0;
    let aLost = false;
    const write = a.store.write.bind(a.store);
    a.store = { ...a.store, write: async (r) => ((aLost ? writesAfterLoss++ : undefined), write(r)) };

    // The stall: the first statistics call answers only when the test ends (well past the lease).
    let endStall!: () => void;
    const stall = new Promise<void>((r) => (endStall = r));
    stack.emulator.control.onNextCall('Get-MobileDeviceStatistics', () => stall);
    const syncA = runFullSync(a, { leaseTtlMs: ttl }).catch((e) => e);

    // Four renewals span more than the TTL: the lease is still A's, so B is turned away.
    await pastTtl;
    const b1 = await runFullSync(runtime.syncDeps(), { leaseTtlMs: ttl });
    expect(b1.run.outcome).toBe('skipped');
    expect(b1.heldBy?.holder).toBe(a.instanceId);

    // A's lease ends (another holder takes it as expired): A's next renewal is refused, and it stops while its call is still stalled.
    const other = createStateRepository(runtime.storage.tables.state, { clock: shiftedClock(10 * 60_000) });
    const taken = await other.acquireLease(stack.tenantId, 'sync', 'other-instance', 60_000);
    expect(taken.acquired).toBe(true);
    const failed = await syncA;
    aLost = true;
    expect(failed).toMatchObject({ code: 'LeaseLost' });
    if (taken.acquired) await other.releaseLease(taken.lease);

    const b2 = await runFullSync(runtime.syncDeps());
    expect(b2.run.outcome).toBe('succeeded');
    endStall();
    expect(writesAfterLoss).toBe(0);
    expect(await checkpointOf(runtime)).toBeNull();
    expect((await inventory(runtime)).size).toBe(600);
    const runs = await runtime.storage.runs.latest(stack.tenantId, 5);
    expect(runs.find((r) => r.instance === a.instanceId)).toMatchObject({ outcome: 'failed', error: expect.stringContaining('lease') });
  });
});

describe('breaking the lease', () => {
  test('When the holder stopped renewing, then --break-lease takes over, audited; while the holder renews, it is refused', async () => {
    stack.emulator.control.seed({ devices: 100, mailboxes: 50, seed: 36 });
    const runtime = await newRuntime();
    const breaker = () => breakSyncLease({ tenantId: stack.tenantId, state: runtime.storage.state, audit: runtime.storage.audit, actor: 'cli:tester@host', log: silentLogger });

    // A live holder (just renewed): refused, and the lease stays its own.
    const live = await runtime.storage.state.acquireLease(stack.tenantId, 'sync', 'live-instance', 60_000);
    expect(live.acquired).toBe(true);
    expect(await breaker()).toMatchObject({ outcome: 'refused', holder: 'live-instance' });
    const skipped = await runFullSync(runtime.syncDeps());
    expect(skipped).toMatchObject({ run: { outcome: 'skipped' }, heldBy: { holder: 'live-instance', renewedAt: expect.any(String) } });
    if (live.acquired) await runtime.storage.state.releaseLease(live.lease);

    // A holder silent for 50 s (two heartbeats are 40 s) whose lease has not expired yet: broken.
    const silent = createStateRepository(runtime.storage.tables.state, { clock: shiftedClock(-50_000) });
    expect((await silent.acquireLease(stack.tenantId, 'sync', 'silent-instance', 60_000)).acquired).toBe(true);
    expect(await breaker()).toMatchObject({ outcome: 'broken', holder: 'silent-instance' });
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');

    const audit = await runtime.storage.audit.list(stack.tenantId, new Date().toISOString().slice(0, 7));
    const entries = audit.filter((e) => e.action === 'sync.breakLease').map((e) => ({ actor: e.actor, target: e.target, outcome: e.outcome }));
    expect(entries).toEqual(
      expect.arrayContaining([
        { actor: 'cli:tester@host', target: 'live-instance', outcome: 'refused' },
        { actor: 'cli:tester@host', target: 'silent-instance', outcome: 'broken' },
      ]),
    );
  });
});

describe('abandoned runs', () => {
  test('When an instance was killed mid-run, then its run shows abandoned in the status and the next run records it so', async () => {
    stack.emulator.control.seed({ devices: 200, mailboxes: 100, seed: 33 });
    const runtime = await newRuntime();
    // What a kill leaves: the lease, renewed for the last time two minutes ago, and a run record at `running`.
    const killed = 'killed-host#dead01';
    const past = createStateRepository(runtime.storage.tables.state, { clock: shiftedClock(-120_000) });
    expect((await past.acquireLease(stack.tenantId, 'sync', killed, 60_000)).acquired).toBe(true);
    const startedAt = new Date(Date.now() - 120_000).toISOString();
    await runtime.storage.runs.update({ tenantId: stack.tenantId, runId: 'full-killed-run', kind: 'full', startedAt, endedAt: null, outcome: 'running', counts: emptyCounts(), callsByCmdlet: {}, retries: 0, throttled: 0, pages: 0, transactions: 0, entitiesWritten: 0, instance: killed });

    const report = await statusOf(runtime);
    expect(report.recentRuns.find((r) => r.runId === 'full-killed-run')).toMatchObject({ outcome: 'abandoned' });
    expect(report.syncLease).toMatchObject({ owner: killed, live: false, renewedAt: expect.any(String) });

    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');
    const stored = await runtime.storage.runs.latest(stack.tenantId, 5);
    expect(stored.find((r) => r.runId === 'full-killed-run')).toMatchObject({ outcome: 'abandoned', instance: killed });
  });
});

describe('the record of a resumed run', () => {
  test('When a full sync takes three invocations, then its run record adds up counts, calls and time over all of them, with the invocation count', async () => {
    stack.emulator.control.seed({ devices: 1500, mailboxes: 1000, seed: 34 });
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '500' });
    const first = await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    const second = await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    expect([first.run.outcome, second.run.outcome]).toEqual(['partial', 'partial']);
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run).toMatchObject({ outcome: 'succeeded', runId: first.run.runId, invocations: 3 });
    expect(run.counts).toMatchObject({ seen: 1500, new: 1500, changed: 0, unchanged: 0, removed: 0 });
    const calls = stack.emulator.control.calls().byCmdlet;
    expect(run.callsByCmdlet['Get-MobileDeviceStatistics']).toBe(calls['Get-MobileDeviceStatistics']);
    // One listing per invocation (its continuation pages are counted in `pages`).
    expect(run.callsByCmdlet['Get-MobileDevice']).toBe(3);
    // Each device and its secondary index entries (lib/domain/device-index.ts), written together.
    let entries = 0;
    for await (const r of runtime.storage.devices.listAll(stack.tenantId)) entries += indexesOf(r).length;
    expect(entries).toBeGreaterThan(0);
    expect(run.entitiesWritten).toBe(1500 + entries);
    expect(run.activeMs).toBeGreaterThanOrEqual(second.run.activeMs!);
    expect((await runtime.storage.runs.latest(stack.tenantId, 1))[0]).toMatchObject({ runId: run.runId, invocations: 3, counts: run.counts, callsByCmdlet: run.callsByCmdlet });

    // Over an inventory already stored, each partnership is counted unchanged once.
    await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    const again = await runFullSync(runtime.syncDeps());
    expect(again.run).toMatchObject({ outcome: 'succeeded', invocations: 2 });
    expect(again.run.counts).toMatchObject({ seen: 1500, new: 0, changed: 0, unchanged: 1500 });
  });
});
