/**
 * The inventory-query scenarios of `npm run bench` (issue 12), against the inventory a
 * full sync filled, in this process through the connector's own runtime (the use case
 * the route calls): for each query, the first page's time and the device entities it
 * read, beside the table's size. Target: a filtered first page reads at most a few
 * table pages (3,000 entities), never the table.
 */
import { loadConfig, type Env } from '../lib/config';
import { createRuntime } from '../lib/app/runtime';
import { silentLogger } from '../lib/log';
import type { InventoryQuery } from '../lib/domain/inventory-query';

const fmt = (n: number) => n.toLocaleString('en-US');
const FEW_PAGES = 3_000;

export async function runInventoryScenarios(o: { settings: Env; devices: number }): Promise<void> {
  const runtime = createRuntime(loadConfig(o.settings), silentLogger);
  try {
    const queries: [string, () => Promise<{ devices: unknown[]; entitiesRead: number }>][] = [
      ['GET /api/devices?os=iOS', () => runtime.inventory.query({ os: 'iOS' } satisfies InventoryQuery, { top: 100 })],
      ['GET /api/devices (no filter)', () => runtime.inventory.query({}, { top: 100 })],
      ['GET /api/collections/stale/devices', () => runtime.collections.devices('stale', { top: 100 })],
      ['GET /api/collections/quarantined/devices', () => runtime.collections.devices('quarantined', { top: 100 })],
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
    console.log('');
    for (const r of results) console.log(`${r.read <= FEW_PAGES ? 'PASS' : 'FAIL'}  ${r.what} first page read ${fmt(r.read)} entities (target at most ${fmt(FEW_PAGES)}, a few table pages)`);
  } finally {
    await runtime.close();
  }
}
