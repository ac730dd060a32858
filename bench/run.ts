/**
 * `npm run bench`: the inventory sync at scale, against the local stack (Azurite, the
 * identity provider, the Exchange Online emulator with a per-call latency), side by side
 * with a naive baseline in the same run. Each sync runs in its own process so its peak
 * RSS is the connector's alone.
 *
 *   npm run bench -- [--only sync|inventory|actions] [--devices 100000] [--mailboxes 40000] [--latency 20] [--baseline-sample 2000]
 *                    [--heap-mb 192 (0: node's default)] [--node-flag <flag>]...
 *                    [--bulk-devices 10000] [--bulk-mailboxes 4000] [--wipes 50]
 *
 * The baseline (one statistics call per device, sequential; one upsert per device) is
 * linear in the number of devices, so it is measured on a sample and extrapolated; pass
 * --baseline-sample 0 to run it over every device (about an hour at 100,000).
 *
 * Two floors are measured or computed in the same run:
 * - a listing-only pass (every Get-MobileDevice page read and parsed, nothing else): the
 *   no-change delta sync must come within 2x of it;
 * - a full sync against a tenant concurrency limit (--tenant-limit 8, --limit-latency 15
 *   ms per call, Exchange's per-tenant 429 beyond it): its wall time must come within 2x
 *   of calls x latency / limit;
 * - an interrupted full sync (fresh tables): its process is killed (SIGKILL) half-way
 *   through the uninterrupted run's wall time, a second process breaks the dead holder's
 *   lease and resumes to the end; the statistics calls of both together must be at most
 *   1.1x the uninterrupted run's.
 *
 * Then the inventory queries (bench/inventory.ts) and the device actions (bench/actions.ts; alone with --only actions, after a full sync
 * that fills the inventory): a bulk block of 10,000 devices over 4,000 mailboxes beside
 * calls x latency / concurrency, and 50 wipes asked at once beside one wipe alone.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { startLocalStack, type LocalStack } from '../dev/local-stack';
import type { SyncRun } from '../lib/domain/sync-run';
import type { Env } from '../lib/config';
import type { ExchangeEmulator, SeedSummary } from '../dev/exo-emulator';
import { runActionScenarios } from './actions';
import { runInventoryScenarios } from './inventory';

interface WorkerResult {
  mode: string;
  wallMs: number;
  maxRssMb: number;
  liveHeapMb: number;
  deviceEntitiesRead: number;
  run?: SyncRun;
  baseline?: { devices: number; transactions: number };
  listing?: { devices: number; pages: number };
  leaseWaitMs?: number;
  error?: string;
}

type Control = ExchangeEmulator['control'];

/**
 * Sets the emulator's tenant concurrency limit (null: off), through whichever control the
 * emulator offers (issue 7 interfaces item 5); false when it offers none.
 */
function setTenantLimit(control: Control, limit: number | null, faults: Record<string, unknown>): boolean {
  const c = control as Control & { setTenantConcurrencyLimit?: (l: number | null) => void };
  if (typeof c.setTenantConcurrencyLimit === 'function') {
    c.setTenantConcurrencyLimit(limit);
    control.setFaults(faults as Parameters<Control['setFaults']>[0]);
    return true;
  }
  control.setFaults({ ...faults, ...(limit !== null ? { tenantConcurrencyLimit: limit } : {}) } as Parameters<Control['setFaults']>[0]);
  return false;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
  return v;
}

/** `--only sync|inventory|actions`: one group of scenarios; all (sync, inventory, actions) when absent. */
function textArg<T extends string>(name: string, allowed: T[]): T | null {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return null;
  const v = process.argv[i + 1] as T;
  if (!allowed.includes(v)) throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return v;
}

let workerFlags: string[] = [];
const workerEnv: Record<string, string> = {};

function worker(mode: string, settings: Record<string, string | undefined>, extra: string[] = []): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...workerFlags, '--expose-gc', path.join(__dirname, 'sync-worker.js'), mode, ...extra], {
      env: { ...process.env, ...workerEnv, BENCH_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode} worker exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
    });
  });
}

/** Starts a worker and kills it (SIGKILL, no chance to clean up) after `afterMs`. */
function killedWorker(mode: string, settings: Record<string, string | undefined>, afterMs: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...workerFlags, path.join(__dirname, 'sync-worker.js'), mode], {
      env: { ...process.env, ...workerEnv, BENCH_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface SyncScenarioContext {
  stack: LocalStack;
  seeded: SeedSummary;
  settings: Env;
  devices: number;
  latencyMs: number;
  budget: { limit: number };
  prefix: string;
}

/** The sync scenarios: full, no-change delta, listing-only floor, naive baseline, tenant limit, interrupted full sync. */
async function syncScenarios({ stack, seeded, settings, devices, latencyMs, budget, prefix }: SyncScenarioContext): Promise<void> {
  const sample = arg('baseline-sample', 2000);
  const tenantLimit = arg('tenant-limit', 8);
  const limitLatencyMs = arg('limit-latency', 15);
  const phase = async (label: string, mode: string, s: typeof settings, extra: string[] = []) => {
    stack.emulator.control.resetCounters();
    const r = await worker(mode, s, extra);
    const calls = stack.emulator.control.calls();
    console.log(`  ${label}: ${secs(r.wallMs)}, peak RSS ${r.maxRssMb} MB, live heap after the run ${r.liveHeapMb} MB, Exchange calls ${fmt(calls.total)}${r.error ? `; FAILED: ${r.error}` : ''}`);
    return { r, calls };
  };

  const full = await phase('full sync', 'full', settings);
  const delta = await phase('delta sync (no change)', 'delta', settings);
  const listing = await phase('listing only (every Get-MobileDevice page read and parsed)', 'listing', settings);
  const baselineSettings = { ...settings, STORAGE_TABLE_PREFIX: `${prefix}x` };
  const limit = sample > 0 ? Math.min(sample, devices) : devices;
  const base = await phase(`baseline on ${fmt(limit)} devices`, 'baseline', baselineSettings, [String(limit)]);
  const baselineMs = (base.r.wallMs * devices) / limit;

  // The tenant concurrency scenario: a first full sync (fresh tables) against Exchange's per-tenant limit.
  const limitSettings = { ...settings, STORAGE_TABLE_PREFIX: `${prefix}c` };
  setTenantLimit(stack.emulator.control, tenantLimit, { latencyMs: limitLatencyMs, budget });
  const limited = await phase(`full sync, tenant concurrency limit ${tenantLimit}, ${limitLatencyMs} ms per call`, 'full', limitSettings);
  setTenantLimit(stack.emulator.control, null, { latencyMs, budget });
  const limitFloorMs = (limited.calls.total * limitLatencyMs) / tenantLimit;
  const limitEnforced = (limited.r.run?.throttled ?? 0) > 0;
  const baselineCalls = Math.round(((base.calls.total - Math.ceil(limit / 1000)) * devices) / limit + Math.ceil(devices / 1000));

  // The interrupted full sync: killed half-way, resumed by another process.
  const killSettings = { ...settings, STORAGE_TABLE_PREFIX: `${prefix}k` };
  stack.emulator.control.resetCounters();
  const killAfterMs = Math.round(full.r.wallMs / 2);
  const kill = await killedWorker('full', killSettings, killAfterMs);
  const statsBeforeKill = stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'] ?? 0;
  const resumed = await worker('resume', killSettings);
  const interruptedStats = stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'] ?? 0;
  const uninterruptedStats = full.calls.byCmdlet['Get-MobileDeviceStatistics'] ?? 0;
  const resumedRun = resumed.run;
  console.log(
    `  interrupted full sync: killed after ${secs(killAfterMs)} (${kill.killed ? 'SIGKILL' : 'it ended before the kill'}), ${fmt(statsBeforeKill)} statistics calls by then; ` +
      `resumed after ${secs(resumed.leaseWaitMs ?? 0)} waiting for the dead holder's lease, in ${secs(resumed.wallMs - (resumed.leaseWaitMs ?? 0))}; outcome ${resumedRun?.outcome ?? resumed.error}`,
  );

  const devicePages = Math.ceil(devices / 1000);
  const mailboxPages = Math.ceil(seeded.mailboxesWithDevices / 1000);
  const listingPages = devicePages + mailboxPages;
  const byCmdlet = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  const speedup = baselineMs / full.r.wallMs;

  const rows: [string, string, string, string][] = [
    ['', 'full sync', 'delta sync (no change)', `naive baseline${limit < devices ? ` (${fmt(limit)} measured, extrapolated)` : ''}`],
    ['wall time', secs(full.r.wallMs), secs(delta.r.wallMs), secs(baselineMs)],
    ['Exchange calls', fmt(full.calls.total), fmt(delta.calls.total), fmt(baselineCalls)],
    ['table transactions', fmt(full.r.run!.transactions), fmt(delta.r.run!.transactions), fmt(Math.round((base.r.baseline!.transactions * devices) / limit))],
    ['peak RSS (sync process)', `${full.r.maxRssMb} MB`, `${delta.r.maxRssMb} MB`, `${base.r.maxRssMb} MB`],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  |  '));
  console.log('');
  console.log(`Exchange calls by cmdlet, full sync:  ${byCmdlet(full.calls.byCmdlet)}`);
  console.log(`Exchange calls by cmdlet, delta sync: ${byCmdlet(delta.calls.byCmdlet)}`);
  console.log(`Full sync counts: ${JSON.stringify(full.r.run!.counts)}; entities written ${fmt(full.r.run!.entitiesWritten)}`);
  console.log(`Device entities read: full sync ${fmt(full.r.deviceEntitiesRead)}, no-change delta ${fmt(delta.r.deviceEntitiesRead)} (of ${fmt(seeded.devices)} stored)`);
  console.log(`No-change delta ${secs(delta.r.wallMs)} beside the listing-only pass ${secs(listing.r.wallMs)} (${listing.r.listing!.pages} pages, ${fmt(listing.r.listing!.devices)} devices): ${(delta.r.wallMs / listing.r.wallMs).toFixed(2)}x`);
  console.log(
    `Tenant limit ${tenantLimit}: full sync ${secs(limited.r.wallMs)} beside its floor ${secs(limitFloorMs)} (${fmt(limited.calls.total)} calls x ${limitLatencyMs} ms / ${tenantLimit}): ${(limited.r.wallMs / limitFloorMs).toFixed(2)}x; ` +
      `throttled ${fmt(limited.r.run?.throttled ?? 0)}, retries ${fmt(limited.r.run?.retries ?? 0)}, outcome ${limited.r.run?.outcome}, peak RSS ${limited.r.maxRssMb} MB`,
  );
  console.log(
    `Interrupted full sync: statistics calls of both invocations ${fmt(interruptedStats)} beside the uninterrupted run's ${fmt(uninterruptedStats)}: ${(interruptedStats / Math.max(1, uninterruptedStats)).toFixed(3)}x; ` +
      `stored ${fmt(resumedRun?.inventory?.active ?? 0)} (uninterrupted ${fmt(full.r.run?.inventory?.active ?? 0)})`,
  );
  console.log('');
  const check = (ok: boolean, text: string) => console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  // Where the directory read is Get-Recipient (issue 7), Get-Mailbox only looks up owners missing from it, one call each.
  const lookups = (c: Record<string, number>) => ((c['Get-Recipient'] ?? 0) > 0 ? (c['Get-Mailbox'] ?? 0) : 0);
  const fullLookups = lookups(full.calls.byCmdlet);
  check(
    full.calls.total <= listingPages + seeded.mailboxesWithDevices + fullLookups,
    `full sync calls ${fmt(full.calls.total)} <= listing pages ${listingPages} + mailboxes with devices ${fmt(seeded.mailboxesWithDevices)}` + (fullLookups ? ` + owner lookups ${fullLookups}` : ''),
  );
  check(delta.calls.total <= devicePages, `no-change delta sync calls ${fmt(delta.calls.total)} <= listing pages ${devicePages}`);
  check(Math.max(full.r.maxRssMb, delta.r.maxRssMb) < 300, `peak RSS ${Math.max(full.r.maxRssMb, delta.r.maxRssMb)} MB < 300 MB`);
  check(speedup >= 20, `full sync ${speedup.toFixed(1)}x faster than the naive baseline (target 20x)`);
  check(delta.r.wallMs <= 2 * listing.r.wallMs, `no-change delta ${secs(delta.r.wallMs)} within 2x of the listing-only pass ${secs(listing.r.wallMs)} (it read ${fmt(delta.r.deviceEntitiesRead)} device entities)`);
  check(
    limitEnforced && limited.r.run?.outcome === 'succeeded' && limited.r.wallMs <= 2 * limitFloorMs,
    `full sync under tenant concurrency limit ${tenantLimit} ${secs(limited.r.wallMs)} within 2x of its floor ${secs(limitFloorMs)}` +
      (limitEnforced ? '' : ' (the emulator never answered the per-tenant 429: the limit is not enforced by this emulator)'),
  );
  check(
    kill.killed && resumedRun?.outcome === 'succeeded' && interruptedStats <= 1.1 * uninterruptedStats && resumedRun?.inventory?.active === full.r.run?.inventory?.active,
    `interrupted full sync (killed half-way, resumed): statistics calls ${fmt(interruptedStats)} <= 1.1x the uninterrupted ${fmt(uninterruptedStats)}, same inventory`,
  );
  check(limited.r.maxRssMb < 300, `peak RSS under the tenant limit ${limited.r.maxRssMb} MB < 300 MB`);
}

async function main(): Promise<void> {
  const devices = arg('devices', 100_000);
  const mailboxes = arg('mailboxes', 40_000);
  const latencyMs = arg('latency', 20);
  const only = textArg('only', ['sync', 'actions', 'inventory']);
  // The same V8 old-space cap the Bicep template gives the Functions worker (nodeMaxOldSpaceMb).
  const heapMb = arg('heap-mb', 192);
  if (heapMb > 0) workerFlags = [`--max-old-space-size=${heapMb}`];
  // As deployed (infra/main.bicep app settings) unless --heap-mb 0 asks for node's defaults.
  if (heapMb > 0) workerEnv.MALLOC_ARENA_MAX = '2';
  for (let i = 0; i < process.argv.length; i++) if (process.argv[i] === '--node-flag') workerFlags.push(process.argv[i + 1]);
  console.log(`Bench: ${fmt(devices)} devices over ${fmt(mailboxes)} mailboxes, emulator latency ${latencyMs} ms per call`);

  const stack = await startLocalStack();
  try {
    const seedStarted = Date.now();
    const seeded = stack.emulator.control.seed({ devices, mailboxes, seed: 42 });
    console.log(`Seeded in ${secs(Date.now() - seedStarted)}: ${fmt(seeded.devices)} devices, ${fmt(seeded.mailboxesWithDevices)} mailboxes with devices`);
    // Exchange Online refuses ActiveSync clients older than 16.1 since 1 March 2026
    // (reference, device-actions.md), so only partnerships last synced before then can
    // still show an older version: the bench gives those of native mail 14.1, so the
    // below-16.1 listing has members to find (the seed's own devices all speak 16.1).
    let older = 0;
    for (const d of stack.emulator.control.listDevices()) {
      if (d.clientType === 'EAS' && d.lastSuccessSync && Date.parse(d.lastSuccessSync) < Date.parse('2026-03-01T00:00:00Z')) {
        stack.emulator.control.updateDevice(d.guid, { activeSyncVersion: '14.1' });
        older++;
      }
    }
    console.log(`  ${fmt(older)} partnerships last synced before 2026-03-01 given ActiveSync 14.1`);
    // The emulator reports Exchange's default budget (30,000 calls an hour), and the client
    // slows down as it runs low: a 40,000-mailbox sync would spend most of its time waiting
    // for the budget window. The bench measures the connector, so it raises the budget.
    const budget = { limit: 10_000_000 };
    stack.emulator.control.setFaults({ latencyMs, budget });
    const prefix = `b${randomBytes(3).toString('hex')}`;
    const settings = { ...stack.settings, STORAGE_TABLE_PREFIX: prefix, LOG_LEVEL: 'error' };

    if (only === null || only === 'sync') await syncScenarios({ stack, seeded, settings, devices, latencyMs, budget, prefix });
    if (only === 'actions' || only === 'inventory') {
      // The inventory the queries read and the actions choose from: a full sync of the seeded tenant.
      stack.emulator.control.resetCounters();
      const r = await worker('full', settings);
      console.log(`  full sync (the inventory the queries read and the actions choose from): ${secs(r.wallMs)}, outcome ${r.run?.outcome ?? r.error}`);
    }
    if (only === null || only === 'inventory') await runInventoryScenarios({ stack, settings, devices, workerFlags, workerEnv });
    if (only === null || only === 'actions') {
      await runActionScenarios({
        stack,
        settings,
        latencyMs,
        bulkDevices: arg('bulk-devices', 10_000),
        bulkMailboxes: arg('bulk-mailboxes', 4_000),
        wipes: arg('wipes', 50),
        workerFlags,
        workerEnv,
      });
    }
  } finally {
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
