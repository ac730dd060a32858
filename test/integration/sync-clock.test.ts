/**
 * A full sync under a fake clock (lib/clock.ts): its time budget, lease heartbeat and
 * checkpoint interval all read the one clock, so the test moves time instead of waiting.
 * The real Exchange client against the emulator, the state in a real Azurite.
 */
import { runFullSync } from '../../lib/app/sync/sync';
import type { FullSyncCheckpoint } from '../../lib/app/sync/ports';
import { FakeClock } from '../support/fake-clock';
import { useSyncFixture } from '../support/sync-fixture';

const fixture = useSyncFixture();

describe('a full sync on a fake clock', () => {
  test('When time passes only on the clock, then the heartbeat renews the sync lease row, a checkpoint falls due and the budget stops the run, without real waiting', async () => {
    const { stack, newRuntime, inventory } = fixture;
    stack.emulator.control.seed({ devices: 400, mailboxes: 200, seed: 41 });
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '200' }, { clock });
    const deps = runtime.syncDeps();
    const realStart = Date.now();

    const renewals: (() => void)[] = [];
    const renew = deps.state.renewLease.bind(deps.state);
    deps.state = { ...deps.state, renewLease: (l) => renew(l).finally(() => renewals.splice(0).forEach((r) => r())) };
    const checkpoints: FullSyncCheckpoint[] = [];
    const save = deps.state.saveCheckpoint.bind(deps.state);
    deps.state = { ...deps.state, saveCheckpoint: (t, kind, c) => (checkpoints.push(c), save(t, kind, c)) };

    // While the listing's first page is asked: a third of the lease TTL (60 s), then past the 30 s budget.
    let leaseRow: Record<string, unknown> | undefined;
    stack.emulator.control.onNextCall('Get-MobileDevice', async () => {
      const renewed = new Promise<void>((r) => renewals.push(r));
      await clock.advance(20_000);
      await renewed;
      leaseRow = await runtime.storage.tables.state.getEntity<Record<string, unknown>>(stack.tenantId.toLowerCase(), 'lease');
      await clock.advance(25_000);
    });
    const { run } = await runFullSync(deps, { maxDurationMs: 30_000, checkpointEveryMs: 40_000 });

    // The sync lease is the row it always was, renewed at the clock's time.
    expect(leaseRow).toMatchObject({ partitionKey: stack.tenantId.toLowerCase(), rowKey: 'lease', owner: deps.instanceId, renewedAt: '2026-01-01T00:00:20.000Z', expiresAt: '2026-01-01T00:01:20.000Z' });
    expect(run).toMatchObject({ outcome: 'partial', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:45.000Z', activeMs: 45_000 });
    // One checkpoint after the stored batch (40 s had passed on the clock since the start), one at the budget stop.
    expect(checkpoints.map((c) => c.savedAt)).toEqual(['2026-01-01T00:00:45.000Z', '2026-01-01T00:00:45.000Z']);
    const stored = (await inventory(runtime)).size;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(400);
    expect(await runtime.storage.state.getLease(stack.tenantId, 'sync')).toBeNull();
    // Real time: far less than one heartbeat (20 s), let alone the budget.
    expect(Date.now() - realStart).toBeLessThan(15_000);
    expect(clock.sleeping).toBe(0);
  });
});
