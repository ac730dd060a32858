/**
 * Inventory sync end to end: the real Exchange client (MSAL certificate auth against the
 * local identity provider) reads the Exchange Online emulator, and the inventory lands in
 * a real Azurite. Each test has its own table prefix.
 */
import { randomBytes } from 'node:crypto';
import type { LocalStack } from '../../dev/local-stack';
import { useSyncFixture } from '../support/sync-fixture';
import { runDeltaSync, runFullSync } from '../../lib/app/sync/sync';
import { runInstallCheck } from '../../lib/app/runtime';
import { INSTALLED_MESSAGE_ID } from '../../lib/app/install-check';
import { memoryLogger } from '../support/memory-logger';
import type { DeviceRecord } from '../../lib/domain/device';

const fixture = useSyncFixture();
let stack: LocalStack;
beforeAll(() => {
  stack = fixture.stack;
});
const { newRuntime, inventory } = fixture;

/** What a sync derives from Exchange, without the connector's own bookkeeping times. */
function essence(r: DeviceRecord): Partial<DeviceRecord> {
  const { firstSeen: _f, lastSeen: _l, removedAt: _r, ...rest } = r;
  return rest;
}

describe('full sync', () => {
  test('When 5,000 devices over 2,000 mailboxes are synced first, then every device is stored exactly once with its user, state and statistics', async () => {
    const seeded = stack.emulator.control.seed({ devices: 5000, mailboxes: 2000, seed: 11 });
    const runtime = await newRuntime();
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ seen: 5000, new: 5000, changed: 0, removed: 0 });
    expect(run.inventory).toEqual({ active: 5000, removed: 0 });

    const stored = await inventory(runtime);
    const devices = stack.emulator.control.listDevices();
    expect(stored.size).toBe(5000);
    for (const d of devices) {
      const r = stored.get(d.guid.toLowerCase());
      expect(r).toBeDefined();
      expect(r).toMatchObject({
        deviceId: d.deviceId,
        deviceType: d.deviceType,
        userUpn: d.mailbox.upn,
        userPrimarySmtp: d.mailbox.primarySmtpAddress,
        accessState: d.accessState,
        clientType: d.clientType,
        lastSuccessSync: d.lastSuccessSync ? new Date(d.lastSuccessSync).toISOString() : null,
        removed: false,
      });
    }
    // Names are unique per user.
    const names = new Set([...stored.values()].map((r) => `${r.userUpn}|${r.name.toLowerCase()}`));
    expect(names.size).toBe(5000);
    // Statistics were fetched once per mailbox with devices, never once per device.
    const calls = stack.emulator.control.calls().byCmdlet;
    expect(calls['Get-MobileDeviceStatistics']).toBe(seeded.mailboxesWithDevices);
    // The user whose SMTP differs from the UPN is matched by both.
    const smtp = seeded.fixtures.smtpDiffersFromUpn!;
    for (const g of smtp.deviceGuids) expect(stored.get(g.toLowerCase())).toMatchObject({ userUpn: smtp.upn, userPrimarySmtp: smtp.primarySmtpAddress });
  });

  test('When nothing changed in Exchange, then a second full sync writes no device entity and only lists and reads statistics', async () => {
    stack.emulator.control.seed({ devices: 1200, mailboxes: 500, seed: 12 });
    const runtime = await newRuntime();
    await runFullSync(runtime.syncDeps());
    const before = { ...runtime.storage.written };
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ seen: 1200, new: 0, changed: 0, unchanged: 1200, removed: 0 });
    expect(run.entitiesWritten).toBe(0);
    expect(run.transactions).toBe(0);
    expect(runtime.storage.written.entities).toBe(before.entities);
  });

  test('When a partnership is removed in Exchange, then a complete full sync marks it removed and keeps the record', async () => {
    const seeded = stack.emulator.control.seed({ devices: 300, mailboxes: 100, seed: 13 });
    const runtime = await newRuntime();
    await runFullSync(runtime.syncDeps());
    const gone = seeded.fixtures.outlookDeviceGuid!;
    stack.emulator.control.removeDevice(gone);
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.counts.removed).toBe(1);
    expect(run.inventory).toEqual({ active: 299, removed: 1 });
    expect((await runtime.storage.runs.latest(stack.tenantId, 1))[0].inventory).toEqual({ active: 299, removed: 1 });
    const record = (await inventory(runtime)).get(gone.toLowerCase())!;
    expect(record.removed).toBe(true);
    expect(record.removedAt).not.toBeNull();
  });

  test('When the listing breaks midway, then nothing is marked removed', async () => {
    stack.emulator.control.seed({ devices: 2500, mailboxes: 800, seed: 14 });
    const runtime = await newRuntime({ EXO_MAX_RETRIES: '1', EXO_PAGE_SIZE: '500' });
    await runFullSync(runtime.syncDeps());
    const victim = stack.emulator.control.listDevices()[10].guid;
    stack.emulator.control.removeDevice(victim);
    // Listing pages fail after the second one, beyond the client's retries.
    stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDevice'], failAfterCalls: 2, failStatus: 503 });
    await expect(runFullSync(runtime.syncDeps())).rejects.toMatchObject({ code: expect.stringMatching(/^Exo/) });
    const stored = await inventory(runtime);
    expect([...stored.values()].filter((r) => r.removed)).toHaveLength(0);
    const runs = await runtime.storage.runs.latest(stack.tenantId, 1);
    expect(runs[0]).toMatchObject({ kind: 'full', outcome: 'failed', counts: expect.objectContaining({ removed: 0 }) });
  });

  test('When a full sync is cut short midway, then the next one resumes and ends with the same inventory as an uninterrupted sync', async () => {
    stack.emulator.control.seed({ devices: 3000, mailboxes: 1000, seed: 15 });
    const reference = await newRuntime();
    await runFullSync(reference.syncDeps());

    const interrupted = await newRuntime({ EXO_MAX_RETRIES: '0', EXO_PAGE_SIZE: '500' });
    // The statistics calls start failing after 650 mailboxes: the invocation dies mid-listing.
    stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDeviceStatistics'], failAfterCalls: 650, failStatus: 503 });
    const cut = await runFullSync(interrupted.syncDeps()).catch((e) => e);
    expect(cut).toMatchObject({ code: 'ExoTransient' });
    const partial = await inventory(interrupted);
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(3000);
    stack.emulator.control.clearFaults();
    stack.emulator.control.resetCounters();

    const { run } = await runFullSync(interrupted.syncDeps());
    expect(run.outcome).toBe('succeeded');
    expect(run.resumedFrom).toBeDefined();
    // Mailboxes finished before the cut (all their partnerships stored) are not fetched again.
    const checkpointed = stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'];
    expect(checkpointed).toBeLessThan(1000);

    const a = await inventory(reference);
    const b = await inventory(interrupted);
    expect(b.size).toBe(a.size);
    for (const [guid, r] of a) expect(essence(b.get(guid)!)).toEqual(essence(r));
  });

  test('When a full sync reaches its time budget, then it stops as partial without removals and the next invocation finishes it', async () => {
    const seeded = stack.emulator.control.seed({ devices: 1500, mailboxes: 1500, seed: 19 });
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '500' });
    const first = await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    // The whole listing is read first; the budget stops it after its first chunk of mailboxes.
    expect(first.run).toMatchObject({ outcome: 'partial', counts: expect.objectContaining({ seen: 1500, removed: 0 }) });
    expect((await inventory(runtime)).size).toBeLessThan(1500);
    const second = await runFullSync(runtime.syncDeps());
    expect(second.run).toMatchObject({ outcome: 'succeeded', runId: first.run.runId, counts: expect.objectContaining({ seen: 1500 }) });
    expect((await inventory(runtime)).size).toBe(1500);
    // Checkpointed by position: the mailboxes stored by the first invocation are not fetched again.
    const statistics = stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'];
    expect(statistics).toBe(seeded.mailboxesWithDevices);
  });

  test('When an unfinished full sync is older than a day, then it is not continued but started afresh', async () => {
    stack.emulator.control.seed({ devices: 1200, mailboxes: 600, seed: 20 });
    let now = new Date('2026-03-01T02:00:00Z');
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '500' }, { now: () => now });
    const partial = await runFullSync(runtime.syncDeps(), { maxDurationMs: 0 });
    expect(partial.run.outcome).toBe('partial');
    now = new Date('2026-03-02T02:00:01Z');
    const log = memoryLogger();
    const { run } = await runFullSync(runtime.syncDeps({ log }));
    expect(run.outcome).toBe('succeeded');
    expect(run.resumedFrom).toBeUndefined();
    expect(run.runId).not.toBe(partial.run.runId);
    expect(log.entries.some((e) => e.level === 'warn' && /never finished; starting a fresh full sync/.test(e.message))).toBe(true);
  });

  test('When two instances start a full sync at once, then one syncs and the other is skipped naming the holder', async () => {
    stack.emulator.control.seed({ devices: 400, mailboxes: 150, seed: 16 });
    const runtime = await newRuntime();
    const logA = memoryLogger();
    const logB = memoryLogger();
    const [a, b] = await Promise.all([runFullSync(runtime.syncDeps({ log: logA })), runFullSync(runtime.syncDeps({ log: logB }))]);
    const outcomes = [a.run.outcome, b.run.outcome].sort();
    expect(outcomes).toEqual(['skipped', 'succeeded']);
    const skipped = a.run.outcome === 'skipped' ? a : b;
    const skippedLog = a.run.outcome === 'skipped' ? logA : logB;
    expect(skipped.heldBy?.holder).toMatch(/^local#/);
    expect(skippedLog.entries.some((e) => e.level === 'warn' && e.message.includes(skipped.heldBy!.holder))).toBe(true);
    expect(stack.emulator.control.calls().byCmdlet['Get-MobileDevice']).toBe(1);
  });

  test('When a user has two devices of one type, then they get distinct names that stay the same across syncs', async () => {
    const seeded = stack.emulator.control.seed({ devices: 50, mailboxes: 20, seed: 17 });
    const runtime = await newRuntime();
    await runFullSync(runtime.syncDeps());
    const pair = seeded.fixtures.twoSameTypeDevices!;
    const first = await inventory(runtime);
    const names = pair.deviceGuids.map((g) => first.get(g.toLowerCase())!.name);
    const user = pair.upn.split('@')[0];
    expect(names.sort()).toEqual([`${user}_${pair.deviceType}`, `${user}_${pair.deviceType}_2`]);
    // A third device of the same type arrives; existing names do not move.
    const third = stack.emulator.control.addDevice({ mailbox: pair.upn, deviceType: pair.deviceType });
    await runFullSync(runtime.syncDeps());
    const second = await inventory(runtime);
    expect(pair.deviceGuids.map((g) => second.get(g.toLowerCase())!.name).sort()).toEqual(names);
    expect(second.get(third.guid.toLowerCase())!.name).toBe(`${user}_${pair.deviceType}_3`);
  });

  test('When Outlook mobile devices report no sync times, then they are never counted stale while old EAS devices are', async () => {
    stack.emulator.control.seed({ devices: 600, mailboxes: 200, seed: 18 });
    const runtime = await newRuntime({ STALE_AFTER_DAYS: '1' });
    const { run } = await runFullSync(runtime.syncDeps());
    const stored = [...(await inventory(runtime)).values()];
    const outlook = stored.filter((r) => r.clientType === 'Outlook' || r.clientType === 'REST');
    expect(outlook.length).toBeGreaterThan(0);
    expect(outlook.every((r) => r.lastSuccessSync === null && r.stale === false)).toBe(true);
    const stale = stored.filter((r) => r.stale);
    expect(stale.length).toBeGreaterThan(0);
    expect(stale.every((r) => r.lastSuccessSync !== null && Date.now() - Date.parse(r.lastSuccessSync) > 86_400_000)).toBe(true);
    expect(run.counts.stale).toBe(stale.length);
  });
});

describe('delta sync', () => {
  test('When a device is added, then a delta sync stores it, and a delta with no change only lists', async () => {
    stack.emulator.control.seed({ devices: 2000, mailboxes: 700, seed: 21 });
    const runtime = await newRuntime();
    await runFullSync(runtime.syncDeps());

    stack.emulator.control.resetCounters();
    const quiet = await runDeltaSync(runtime.syncDeps());
    expect(quiet.run.counts).toMatchObject({ seen: 2000, new: 0, changed: 0 });
    expect(quiet.run.entitiesWritten).toBe(0);
    const quietCalls = stack.emulator.control.calls();
    expect(quietCalls.total).toBe(quietCalls.pages); // 2 listing pages, nothing else

    const mailbox = stack.emulator.control.listMailboxes()[5];
    const added = stack.emulator.control.addDevice({ mailbox: mailbox.upn, deviceType: 'iPhone' });
    stack.emulator.control.resetCounters();
    const { run } = await runDeltaSync(runtime.syncDeps());
    expect(run.counts).toMatchObject({ new: 1, changed: 0 });
    const record = (await inventory(runtime)).get(added.guid.toLowerCase());
    expect(record).toMatchObject({ userUpn: mailbox.upn, deviceType: 'iPhone', removed: false });
    expect(stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics']).toBe(1);
  });

  test('When a device is blocked in Exchange, then the delta sync records the new access state; it never marks removals', async () => {
    const seeded = stack.emulator.control.seed({ devices: 200, mailboxes: 80, seed: 22 });
    const runtime = await newRuntime();
    await runFullSync(runtime.syncDeps());
    const pair = seeded.fixtures.twoSameTypeDevices!;
    stack.emulator.control.updateDevice(pair.deviceGuids[0], { accessState: 'Blocked', accessStateReason: 'Individual' });
    stack.emulator.control.removeDevice(pair.deviceGuids[1]);
    const { run } = await runDeltaSync(runtime.syncDeps());
    expect(run.counts).toMatchObject({ changed: 1, removed: 0 });
    const stored = await inventory(runtime);
    expect(stored.get(pair.deviceGuids[0].toLowerCase())!.accessState).toBe('Blocked');
    expect(stored.get(pair.deviceGuids[1].toLowerCase())!.removed).toBe(false);
  });
});

describe('scoping', () => {
  test('When scoped to a group, then only its members\' devices are kept and devices of mailboxes that left the scope are marked removed', async () => {
    stack.emulator.control.seed({ devices: 1500, mailboxes: 600, seed: 41 });
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const orgWide = await newRuntime({ STORAGE_TABLE_PREFIX: prefix });
    await runFullSync(orgWide.syncDeps());
    const scoped = await newRuntime({ STORAGE_TABLE_PREFIX: prefix, SCOPE_MODE: 'groups', SCOPE_GROUPS: 'Mobile Pilot' });
    const { run } = await runFullSync(scoped.syncDeps());

    const members = new Set(stack.emulator.control.listMailboxes().filter((m) => m.groups.includes('Mobile Pilot')).map((m) => m.upn));
    const expected = stack.emulator.control.listDevices().filter((d) => members.has(d.mailbox.upn));
    expect(expected.length).toBeGreaterThan(0);
    const kept = [...(await inventory(scoped)).values()].filter((r) => !r.removed);
    expect(kept.map((r) => r.deviceGuid).sort()).toEqual(expected.map((d) => d.guid.toLowerCase()).sort());
    expect(run.counts.outOfScope).toBe(1500 - expected.length);
    expect(run.counts.removed).toBe(1500 - expected.length);
  });

  test('When scoped by a recipient filter, then only the matching mailboxes\' devices are stored', async () => {
    stack.emulator.control.seed({ devices: 800, mailboxes: 300, seed: 42 });
    const runtime = await newRuntime({ SCOPE_MODE: 'filter', SCOPE_RECIPIENT_FILTER: "Department -eq 'Sales'" });
    await runFullSync(runtime.syncDeps());
    const sales = new Set(stack.emulator.control.invoke('Get-Mailbox', { Filter: "Department -eq 'Sales'", ResultSize: 'Unlimited' }).map((m) => String(m.UserPrincipalName)));
    const expected = stack.emulator.control.listDevices().filter((d) => sales.has(d.mailbox.upn));
    expect(expected.length).toBeGreaterThan(0);
    const stored = [...(await inventory(runtime)).values()];
    expect(stored.map((r) => r.deviceGuid).sort()).toEqual(expected.map((d) => d.guid.toLowerCase()).sort());
  });
});

describe('install check', () => {
  test('When a cmdlet permission is missing, then the status is failed naming it; once fixed, the next hourly check gives installed with 1015', async () => {
    stack.emulator.control.seed({ devices: 20, mailboxes: 10, seed: 31 });
    let now = new Date('2026-01-01T10:00:00Z');
    const runtime = await newRuntime({}, { now: () => now });
    const log = memoryLogger();
    const deps = { tenantId: stack.tenantId, appId: stack.clientId, exo: runtime.exo, status: runtime.storage.state, log, now: () => now };
    stack.emulator.control.denyCmdlets(['Clear-MobileDevice', 'Get-MobileDeviceStatistics']);

    const failed = await runInstallCheck(deps);
    expect(failed.state).toBe('failed');
    expect(failed.missingCmdlets.sort()).toEqual(['Clear-MobileDevice', 'Get-MobileDeviceStatistics']);
    expect(log.entries.map((e) => e.message)).toEqual(
      expect.arrayContaining(['Invoking cmdlet Clear-MobileDevice failed: the app is not allowed to run it', 'Invoking cmdlet Get-MobileDeviceStatistics failed: the app is not allowed to run it']),
    );
    expect(log.entries[0].message).toMatch(/flagged for installation/);

    stack.emulator.control.allowAll();
    now = new Date('2026-01-01T10:30:00Z');
    expect((await runInstallCheck(deps)).state).toBe('failed'); // not due before the hour
    now = new Date('2026-01-01T11:00:01Z');
    const installed = await runInstallCheck(deps);
    expect(installed).toMatchObject({ state: 'installed', messageId: INSTALLED_MESSAGE_ID, missingCmdlets: [] });
    expect(log.entries.some((e) => e.message.startsWith('STATMSG: ID=1015'))).toBe(true);
    expect((await runtime.storage.state.getStatus(stack.tenantId))?.status.state).toBe('installed');
  });
});
