/**
 * The generic tenant lease keeper (lib/app/lease/keeper.ts) on a real Azurite, under a
 * fake clock: the heartbeat runs when the test moves time, never by waiting.
 */
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { takeLease, type LeaseKeeper } from '../../lib/app/lease/keeper';
import type { LeaseStore } from '../../lib/app/lease/ports';
import { silentLogger } from '../../lib/log';
import { createStorage, type Storage } from '../../lib/storage';
import { FakeClock } from '../support/fake-clock';
import { prefix, TENANT } from './storage-fixtures';

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

async function storageOn(clock: FakeClock, tablePrefix = prefix()): Promise<Storage> {
  const storage = createStorage({ connectionString: azurite.connectionString, tablePrefix, clock });
  await storage.tables.ensureTables();
  return storage;
}

/** The store, with a promise of the next renewal's end (after the keeper has seen its outcome). */
function watched(store: LeaseStore): { store: LeaseStore; nextRenewal: () => Promise<void> } {
  const waiting: (() => void)[] = [];
  const settled = () => setImmediate(() => waiting.splice(0).forEach((w) => w()));
  return {
    store: { ...store, renewLease: (lease) => store.renewLease(lease).finally(settled) },
    nextRenewal: () => new Promise<void>((r) => waiting.push(r)),
  };
}

async function keep(store: LeaseStore, clock: FakeClock, name: string, owner: string, ttlMs: number): Promise<LeaseKeeper> {
  const taken = await takeLease({ store, tenantId: TENANT, name, owner, ttlMs, log: silentLogger, clock });
  if (!taken.acquired) throw new Error(`expected the ${name} lease, held by ${taken.holder}`);
  return taken.keeper;
}

describe('the tenant lease keeper', () => {
  test('When ttl/3 passes on the clock, then the heartbeat renews the named lease in storage beside a held sync lease, and stop gives it up', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const storage = await storageOn(clock);
    expect((await storage.state.acquireLease(TENANT, 'sync', 'sync-instance', 60_000)).acquired).toBe(true);
    const w = watched(storage.state);
    const keeper = await keep(w.store, clock, 'policyReconcile', 'reconcile-1', 30_000);

    const renewed = w.nextRenewal();
    await clock.advance(10_000);
    await renewed;

    expect(await storage.state.getLease(TENANT, 'policyReconcile')).toMatchObject({ owner: 'reconcile-1', renewedAt: '2026-01-01T00:00:10.000Z', expiresAt: '2026-01-01T00:00:40.000Z' });
    expect(keeper.lease.expiresAt).toBe('2026-01-01T00:00:40.000Z');
    const again = w.nextRenewal();
    await clock.advance(10_000);
    await again;
    expect(await storage.state.getLease(TENANT, 'policyReconcile')).toMatchObject({ renewedAt: '2026-01-01T00:00:20.000Z' });

    await keeper.stop();
    expect(clock.sleeping).toBe(0);
    expect(await storage.state.getLease(TENANT, 'policyReconcile')).toBeNull();
    expect(await storage.state.getLease(TENANT, 'sync')).toMatchObject({ owner: 'sync-instance' });
  });

  test('When another instance took the lease over, then the next heartbeat fails, the signal aborts with LeaseLost naming the lease, and stop leaves the new holder alone', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const shared = prefix();
    const storage = await storageOn(clock, shared);
    const w = watched(storage.state);
    const keeper = await keep(w.store, clock, 'actionFollowUp', 'follow-up-1', 30_000);
    // Its clock runs ahead: to it the lease has expired.
    const other = await storageOn(new FakeClock('2026-01-01T00:05:00Z'), shared);
    expect((await other.state.acquireLease(TENANT, 'actionFollowUp', 'follow-up-2', 30_000)).acquired).toBe(true);

    const refused = w.nextRenewal();
    await clock.advance(10_000);
    await refused;

    expect(keeper.lost).toBe(true);
    expect(keeper.signal.aborted).toBe(true);
    expect(keeper.signal.reason).toMatchObject({ code: 'LeaseLost', message: expect.stringContaining('could not renew the actionFollowUp lease') });
    expect(() => keeper.check()).toThrow(/follow-up-1/);
    await keeper.stop();
    expect(await storage.state.getLease(TENANT, 'actionFollowUp')).toMatchObject({ owner: 'follow-up-2' });
  });
});
