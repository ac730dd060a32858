/**
 * One measured sync in its own process, so its peak RSS is the connector's alone (the
 * emulator and Azurite live elsewhere). Reads the connector settings from BENCH_SETTINGS
 * (JSON) and the mode from argv: full | delta | listing | baseline [limit] | resume
 * (resume: after a killed full sync, break the dead holder's lease once it has gone silent, then continue).
 * Prints one JSON line: { mode, wallMs, maxRssMb, deviceEntitiesRead, run?, baseline?, listing? }.
 */
import { loadConfig, processEnv, type Env } from '../lib/config';
import { createRuntime } from '../lib/app/runtime';
import { runDeltaSync, runFullSync } from '../lib/app/sync/sync';
import { silentLogger } from '../lib/log';
import { describeError } from '../lib/errors';
import { listMobileDevices, getMobileDeviceStatistics } from '../lib/exo/cmdlets';
import { listingFactsOf, statisticsFactsOf } from '../lib/exo/inventory/facts';
import { buildRecord } from '../lib/domain/inventory';

async function main(): Promise<void> {
  const [mode, limitText] = process.argv.slice(2);
  const env = processEnv();
  const settings = JSON.parse(env.BENCH_SETTINGS ?? '{}') as Env;
  const runtime = createRuntime(loadConfig(settings), silentLogger);
  await runtime.storage.tables.ensureTables();
  const started = Date.now();
  const out: Record<string, unknown> = { mode };

  if (mode === 'resume') {
    // The killed holder renewed its lease until it died; it counts as dead after two heartbeats.
    const waitStarted = Date.now();
    for (;;) {
      const b = await runtime.sync.breakLease('bench', { log: silentLogger });
      if (b.outcome !== 'refused') break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    out.leaseWaitMs = Date.now() - waitStarted;
    try {
      out.run = (await runFullSync(runtime.syncDeps())).run;
    } catch (e) {
      out.error = describeError(e);
    }
  } else if (mode === 'full' || mode === 'delta') {
    const deps = runtime.syncDeps();
    try {
      const { run } = mode === 'full' ? await runFullSync(deps) : await runDeltaSync(deps);
      out.run = run;
    } catch (e) {
      // Reported, not thrown: a failed sync is a bench figure (FAIL), not a crashed bench.
      out.error = describeError(e);
    }
  } else if (mode === 'listing') {
    // What no sync can beat: every Get-MobileDevice page read and parsed, nothing else.
    let devices = 0;
    let pages = 0;
    for await (const page of listMobileDevices(runtime.exo)) {
      pages++;
      for (const d of page.items) {
        listingFactsOf(d);
        devices++;
      }
    }
    out.listing = { devices, pages };
  } else if (mode === 'baseline') {
    // The naive way: list, then one statistics call per device, one at a time, and one upsert per device.
    const limit = Number(limitText ?? Infinity);
    const config = runtime.config;
    let devices = 0;
    let transactions = 0;
    const now = new Date();
    outer: for await (const page of listMobileDevices(runtime.exo)) {
      for (const d of page.items) {
        if (devices >= limit) break outer;
        const listing = listingFactsOf(d);
        const stats = statisticsFactsOf(await getMobileDeviceStatistics(runtime.exo, d.Identity));
        const { record } = buildRecord({
          tenantId: config.tenantId,
          listing,
          statistics: stats,
          user: { upn: null, displayName: null, primarySmtp: null },
          name: `${listing.mailbox}_${listing.deviceType}`,
          previous: null,
          now,
          staleAfterDays: config.staleAfterDays,
        });
        const w = await runtime.storage.syncDevices.upsertMany([record]);
        transactions += w.transactions;
        devices++;
      }
    }
    out.baseline = { devices, transactions };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  out.wallMs = Date.now() - started;
  out.deviceEntitiesRead = runtime.storage.read.deviceEntities;
  out.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  // What the run still holds (before the runtime is closed), after a full collection.
  (globalThis as { gc?: () => void }).gc?.();
  out.liveHeapMb = Math.round(process.memoryUsage().heapUsed / 1048576);
  await runtime.close();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
