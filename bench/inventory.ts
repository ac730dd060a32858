/**
 * The inventory-query scenarios of `npm run bench` (issue 12), against the inventory a
 * full sync filled, in this process through the connector's own runtime (the use case
 * the route calls): for each query, the first page's time and the device entities it
 * read, beside the table's size; then each report's time and entities read. Targets: a
 * filtered first page reads at most a few table pages (3,000 entities), never the table;
 * a report reads at most a few entities and no device entity.
 */
import { loadConfig, type Env } from '../lib/config';
import { createRuntime } from '../lib/app/runtime';
import { silentLogger } from '../lib/log';
import type { InventoryQuery } from '../lib/domain/inventory-query';
import type { LocalStack } from '../dev/local-stack';
import { startHost } from './actions';
import { REPORT_NAMES } from '../lib/app/reports/reports';

const fmt = (n: number) => n.toLocaleString('en-US');
const FEW_PAGES = 3_000;
/** "A report reads at most a few entities": sync-health, the most, reads its 10 runs and the sync lease. */
const FEW_ENTITIES = 12;

/** The full CSV export through the host (its own process, the deployed heap cap): time, rows, bytes and the host's peak RSS. */
async function csvExport(o: { stack: LocalStack; settings: Env; workerFlags: string[]; workerEnv: Record<string, string> }) {
  const host = await startHost(o.settings, o.workerFlags, o.workerEnv);
  try {
    const token = await o.stack.callerToken({ roles: ['Devices.Read'] });
    const started = performance.now();
    const res = await fetch(`${host.url}/api/devices?format=csv`, { headers: { authorization: `Bearer ${token}` } });
    let bytes = 0;
    let lines = 0;
    let firstByteMs = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!firstByteMs) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    return { status: res.status, ms: performance.now() - started, firstByteMs, bytes, rows: lines - 1, rssMb: await host.stop() };
  } finally {
    await host.stop().catch(() => undefined);
  }
}

export async function runInventoryScenarios(o: { stack: LocalStack; settings: Env; devices: number; workerFlags: string[]; workerEnv: Record<string, string> }): Promise<void> {
  const runtime = createRuntime(loadConfig(o.settings), silentLogger);
  try {
    const queries: [string, () => Promise<{ devices: unknown[]; entitiesRead: number }>][] = [
      ['GET /api/devices?os=iOS', () => runtime.inventory.query({ os: 'iOS' } satisfies InventoryQuery, { top: 100 })],
      ['GET /api/devices (no filter)', () => runtime.inventory.query({}, { top: 100 })],
      ['GET /api/collections/stale/devices', () => runtime.collections.devices('stale', { top: 100 })],
      ['GET /api/collections/quarantined/devices', () => runtime.collections.devices('quarantined', { top: 100 })],
      ['GET /api/devices?activeSyncVersionBelow=16.1', () => runtime.inventory.query({ activeSyncVersionBelow: '16.1' }, { top: 100 })],
      ['GET /api/devices?accessState=Blocked', () => runtime.inventory.query({ accessState: 'Blocked' }, { top: 100 })],
      ['GET /api/devices?accessState=Quarantined&$orderby=lastSuccessSync desc', () => runtime.inventory.query({ accessState: 'Quarantined' }, { top: 100, orderBy: { field: 'lastSuccessSync', desc: true } })],
    ];
    /** Sorting a large selection reads all of it (sorted.ts), a rare text value has no index: measured, reported beside the table's size, no target. */
    const sortedScans: [string, () => Promise<{ devices: unknown[]; entitiesRead: number }>][] = [
      ['GET /api/devices?$orderby=lastSuccessSync desc', () => runtime.inventory.query({}, { top: 100, orderBy: { field: 'lastSuccessSync', desc: true } })],
      ['GET /api/devices?os=iOS&$orderby=userUpn', () => runtime.inventory.query({ os: 'iOS' }, { top: 100, orderBy: { field: 'userUpn', desc: false } })],
      // A rare text value has no index: each request reads up to 5,000 entities and answers with a nextLink.
      ['GET /api/devices?user=megan.bowen', () => runtime.inventory.query({ user: 'megan.bowen' }, { top: 100 })],
    ];
    console.log('');
    console.log(`Inventory queries over ${fmt(o.devices)} stored devices (first page, $top 100, in process):`);
    const results: { what: string; ms: number; read: number; n: number }[] = [];
    for (const [what, run] of queries) {
      await run(); // warm (tables, connections)
      const started = performance.now();
      const page = await run();
      results.push({ what, ms: performance.now() - started, read: page.entitiesRead, n: page.devices.length });
    }
    for (const r of results) console.log(`  ${r.what}: ${Math.round(r.ms)} ms, ${fmt(r.n)} devices, ${fmt(r.read)} device entities read (${((100 * r.read) / o.devices).toFixed(1)}% of the table)`);
    for (const [what, run] of sortedScans) {
      const started = performance.now();
      const page = await run();
      console.log(`  ${what}: ${Math.round(performance.now() - started)} ms, ${fmt(page.devices.length)} devices, ${fmt(page.entitiesRead)} device entities read (${((100 * page.entitiesRead) / o.devices).toFixed(1)}% of the table; no index: no target)`);
    }
    console.log('');
    console.log('');
    console.log('Reports (read in process; the sync computed those it computes):');
    const reports: { name: string; ms: number; read: number; devicesRead: number; rows: number; limit: number }[] = [];
    for (const name of REPORT_NAMES) {
      const before = runtime.reports.entitiesRead;
      const devicesBefore = runtime.storage.read.deviceEntities;
      const started = performance.now();
      const r = await runtime.reports.get(name);
      const ms = performance.now() - started;
      // wipes reads its open and index rows and then one action per wipe it lists: a few beyond its rows.
      const limit = FEW_ENTITIES + (name === 'wipes' ? 2 * r.rows.length : 0);
      reports.push({ name, ms, read: runtime.reports.entitiesRead - before, devicesRead: runtime.storage.read.deviceEntities - devicesBefore, rows: r.rows.length, limit });
    }
    for (const r of reports) console.log(`  GET /api/reports/${r.name}: ${Math.round(r.ms)} ms, ${fmt(r.rows)} rows, ${fmt(r.read)} entities read, ${fmt(r.devicesRead)} device entities read`);
    const csv = await csvExport(o);
    console.log(`  GET /api/devices?format=csv (every device, through the host in its own process): HTTP ${csv.status}, ${fmt(csv.rows)} rows, ${(csv.bytes / 1e6).toFixed(1)} MB in ${(csv.ms / 1000).toFixed(1)} s, first byte after ${Math.round(csv.firstByteMs)} ms; host peak RSS ${csv.rssMb} MB`);
    console.log('');
    for (const r of results) console.log(`${r.read <= FEW_PAGES ? 'PASS' : 'FAIL'}  ${r.what} first page read ${fmt(r.read)} entities (target at most ${fmt(FEW_PAGES)}, a few table pages)`);
    for (const r of reports) console.log(`${r.devicesRead === 0 && r.read <= r.limit ? 'PASS' : 'FAIL'}  report ${r.name} read ${fmt(r.read)} entities and ${fmt(r.devicesRead)} device entities (target: a report reads at most a few entities, at most ${fmt(r.limit)}, and no device entity)`);
    console.log(`${csv.status === 200 && csv.rssMb < 300 ? 'PASS' : 'FAIL'}  full CSV export streamed with host peak RSS ${csv.rssMb} MB (target under 300 MB)`);
  } finally {
    await runtime.close();
  }
}
