/**
 * The Exchange calls a run record counts are the run's own: a sync calls Exchange through
 * a view of the runtime's shared client, so a call made on that client meanwhile (the
 * health probe's Get-ActiveSyncOrganizationSettings) is in the client's totals, not in the
 * run's callsByCmdlet. The run's own calls are checked one by one against the emulator's
 * call log (all pages and retries of one call share its client request id).
 */
import type { SyncDeps } from '../../lib/app/sync/ports';
import { runDeltaSync, runFullSync } from '../../lib/app/sync/sync';
import type { Runtime } from '../../lib/app/runtime';
import { useSyncFixture } from '../support/sync-fixture';

const fixture = useSyncFixture();
const HEALTH_CMDLET = 'Get-ActiveSyncOrganizationSettings';

/** Cmdlet calls the emulator answered since its counters were reset, by cmdlet. */
function emulatorCalls(): Record<string, number> {
  const cmdletOf = new Map<string, string>();
  for (const e of fixture.stack.emulator.control.callLog()) if (e.cmdlet && e.clientRequestId) cmdletOf.set(e.clientRequestId, e.cmdlet);
  const out: Record<string, number> = {};
  for (const c of cmdletOf.values()) out[c] = (out[c] ?? 0) + 1;
  return out;
}

/** The runtime's sync ports, with the health probe run on the shared client (and awaited) at the run's first write. */
function depsWithProbeDuringRun(runtime: Runtime): { deps: SyncDeps; probed: () => Promise<string> | null } {
  const deps = runtime.syncDeps();
  const write = deps.store.write;
  let probe: Promise<string> | null = null;
  deps.store.write = async (records) => {
    probe ??= runtime.health.probes.exchange();
    await probe;
    return write(records);
  };
  return { deps, probed: () => probe };
}

describe('run call counts', () => {
  test('When the health probe calls Exchange on the shared client during a full sync, then the run record counts only the run\'s own calls, each exactly', async () => {
    fixture.stack.emulator.control.seed({ devices: 60, mailboxes: 25, seed: 23 });
    const runtime = await fixture.newRuntime();
    const { deps, probed } = depsWithProbeDuringRun(runtime);
    fixture.stack.emulator.control.resetCounters();

    const { run } = await runFullSync(deps);
    expect(run.outcome).toBe('succeeded');
    await expect(probed()).resolves.toMatch(/^Exchange answered Get-ActiveSyncOrganizationSettings/);

    const { [HEALTH_CMDLET]: healthCalls, ...runCalls } = emulatorCalls();
    expect(healthCalls).toBe(1);
    expect(runtime.exo.stats().callsByCmdlet[HEALTH_CMDLET]).toBe(1);
    expect(run.callsByCmdlet).not.toHaveProperty(HEALTH_CMDLET);
    expect(run.callsByCmdlet).toEqual(runCalls);
    expect(run.callsByCmdlet['Get-MobileDeviceStatistics']).toBeGreaterThan(0);
    const [stored] = await runtime.storage.runs.latest(fixture.stack.tenantId, 1);
    expect(stored.callsByCmdlet).toEqual(runCalls);
  });

  test('When the health probe calls Exchange during a delta sync that follows a full sync on the same runtime, then the delta run counts only its own calls', async () => {
    fixture.stack.emulator.control.seed({ devices: 30, mailboxes: 12, seed: 29 });
    const runtime = await fixture.newRuntime();
    await runFullSync(runtime.syncDeps());
    fixture.stack.emulator.control.updateDevice(fixture.stack.emulator.control.listDevices()[0].guid, { friendlyName: 'Renamed before the delta' });
    const { deps } = depsWithProbeDuringRun(runtime);
    fixture.stack.emulator.control.resetCounters();

    const { run } = await runDeltaSync(deps);
    const { [HEALTH_CMDLET]: healthCalls, ...runCalls } = emulatorCalls();
    expect(healthCalls).toBe(1);
    expect(run.callsByCmdlet).toEqual(runCalls);
    expect(run.callsByCmdlet).toMatchObject({ 'Get-MobileDevice': 1, 'Get-MobileDeviceStatistics': 1 });
  });
});
