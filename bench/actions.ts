/**
 * The device-action scenarios of `npm run bench` (issue 10), against an inventory a full
 * sync has filled, through the real routes of the connector's Functions host (its own
 * process, bench/host-worker.ts) with a caller token, so auth, validation and the audit
 * are in the figures:
 * - a bulk block of 10,000 devices over 4,000 mailboxes: one Set-CASMailbox per mailbox;
 *   its wall time beside the floor calls x latency / concurrency, where concurrency is what
 *   the Exchange client lets through at once (min(bulk's 16 mailboxes in flight,
 *   EXO_MAX_CONCURRENCY));
 * - 50 single wipes asked at once (with WIPES_PER_HOUR_BEFORE_APPROVAL 1000, so none waits
 *   for a second person): their answer latencies beside one wipe's alone, measured just
 *   before in the same run (the median of 5 asked one at a time).
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadConfig, type Env } from '../lib/config';
import { MAILBOX_CONCURRENCY as BULK_MAILBOX_CONCURRENCY } from '../lib/app/actions/bulk-job';
import { createRuntime } from '../lib/app/runtime';
import { silentLogger } from '../lib/log';
import type { DeviceRecord } from '../lib/domain/device';
import { isStale } from '../lib/domain/inventory';
import { compareVersions, versionOf } from '../lib/domain/inventory-query';
import type { LocalStack } from '../dev/local-stack';

const SINGLE_WIPES = 5;
const WIPE_ROLES = ['Devices.Read', 'Devices.Manage', 'Devices.Wipe'];

export interface ActionScenarioOptions {
  stack: LocalStack;
  /** Connector settings whose tables hold a full sync of the emulator's devices. */
  settings: Env;
  latencyMs: number;
  bulkDevices: number;
  bulkMailboxes: number;
  wipes: number;
  workerFlags: string[];
  workerEnv: Record<string, string>;
}

export interface Host {
  url: string;
  /** Stops the host; its peak RSS. */
  stop(): Promise<number>;
}

export function startHost(settings: Env, flags: string[], env: Record<string, string>): Promise<Host> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, path.join(__dirname, 'host-worker.js')], {
      env: { ...process.env, ...env, BENCH_SETTINGS: JSON.stringify(settings) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const next = () => new Promise<Record<string, unknown>>((ok, fail) => {
      lines.once('line', (l) => ok(JSON.parse(l) as Record<string, unknown>));
      child.once('exit', (code) => fail(new Error(`the host worker exited with ${code}`)));
    });
    let stopped: Promise<number> | null = null;
    const stop = () =>
      (stopped ??= (async () => {
        const last = next();
        child.stdin.end();
        return Number((await last).maxRssMb);
      })());
    next()
      .then((m) => resolve({ url: String(m.url), stop }))
      .catch(reject);
  });
}

/** `wanted` devices over exactly `mailboxes` mailboxes (10,000 over 4,000): those with the most devices, one device of each first, then more of theirs. */
export function pickBulk(devices: DeviceRecord[], wanted: number, mailboxes: number): DeviceRecord[] {
  const byMailbox = new Map<string, DeviceRecord[]>();
  for (const d of devices) if (d.deviceId && !d.removed) byMailbox.set(d.mailbox, [...(byMailbox.get(d.mailbox) ?? []), d]);
  const chosen = [...byMailbox.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).slice(0, mailboxes).map(([, ds]) => ds);
  const out = chosen.map((ds) => ds[0]);
  for (let round = 1; out.length < wanted; round++) {
    const before = out.length;
    for (const ds of chosen) if (ds[round] && out.length < wanted) out.push(ds[round]);
    if (out.length === before) break;
  }
  return out;
}

/**
 * EAS devices that support remote wipe, hold none and report ActiveSync 16.1 or later (an
 * account-only wipe needs it: reference device-actions.md; Exchange refuses it below, and the
 * bench gives old partnerships 14.1), one per mailbox, none in `excluded` mailboxes.
 */
function pickWipes(devices: DeviceRecord[], n: number, excluded: Set<string>): DeviceRecord[] {
  const out: DeviceRecord[] = [];
  const seen = new Set(excluded);
  for (const d of devices) {
    if (out.length >= n) break;
    if (seen.has(d.mailbox) || d.removed || d.clientType !== 'EAS' || d.isRemoteWipeSupported === false || d.wipeRequestTime || d.accountOnlyWipeRequestTime) continue;
    const v = versionOf(d.activeSyncVersion);
    if (!v || compareVersions(v, [16, 1]) < 0) continue;
    seen.add(d.mailbox);
    out.push(d);
  }
  return out;
}

async function post(url: string, token: string, body: unknown): Promise<{ status: number; ms: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  const text = await res.text();
  const ms = performance.now() - started;
  return { status: res.status, ms, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** Nearest rank. */
const percentile = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const msText = (ms: number) => `${Math.round(ms)} ms`;

export async function runActionScenarios(o: ActionScenarioOptions): Promise<void> {
  const control = o.stack.emulator.control;
  // The whole bulk inside one request (200 s, the most allowed), so its wall time is one answer's.
  const settings = { ...o.settings, WIPES_PER_HOUR_BEFORE_APPROVAL: '1000', BULK_ANSWER_WITHIN_SECONDS: '200' };
  const concurrency = Math.min(BULK_MAILBOX_CONCURRENCY, loadConfig(settings).exchange.maxConcurrency);

  const reader = createRuntime(loadConfig(settings), silentLogger);
  const inventory: DeviceRecord[] = [];
  for await (const d of reader.storage.devices.listAll(o.stack.tenantId, { includeRemoved: false })) inventory.push(d);
  await reader.close();
  inventory.sort((a, b) => a.deviceGuid.localeCompare(b.deviceGuid));
  const bulk = pickBulk(inventory, o.bulkDevices, o.bulkMailboxes);
  const bulkMailboxes = new Set(bulk.map((d) => d.mailbox));
  const wipeTargets = pickWipes(inventory, SINGLE_WIPES + o.wipes, bulkMailboxes);
  const singles = wipeTargets.slice(0, SINGLE_WIPES);
  const together = wipeTargets.slice(SINGLE_WIPES);

  const host = await startHost(settings, o.workerFlags, o.workerEnv);
  const token = await o.stack.callerToken({ roles: WIPE_ROLES });
  try {
    // Warm-up (token keys fetched, the Exchange token acquired, tables touched): a dry run changes nothing.
    await post(`${host.url}/api/actions/bulk`, token, { action: 'block', devices: [bulk[0].deviceGuid], dryRun: true });

    // The same selection as a dry run (auth, validation, the inventory reads, the answer; no Exchange call): the part of the wall time the floor leaves out.
    const dry = await post(`${host.url}/api/actions/bulk`, token, { action: 'block', devices: bulk.map((d) => d.deviceGuid), dryRun: true });

    // Selections by the inventory's filters: a collection with a secondary index (its members only) and one without (a projection of the table).
    const byCollection = await post(`${host.url}/api/actions/bulk`, token, { action: 'allow', collection: 'quarantined', dryRun: true });
    const byStale = await post(`${host.url}/api/actions/bulk`, token, { action: 'remove', filter: { stale: true }, dryRun: true });
    const now = new Date();
    const staleAfterDays = loadConfig(settings).staleAfterDays;
    const quarantined = inventory.filter((d) => d.accessState === 'Quarantined').length;
    const stale = inventory.filter((d) => isStale(d.lastSuccessSync, now, staleAfterDays)).length;

    control.resetCounters();
    const b = await post(`${host.url}/api/actions/bulk`, token, { action: 'block', devices: bulk.map((d) => d.deviceGuid), reason: 'bench: bulk block' });
    const bulkCalls = control.calls();
    const setCas = bulkCalls.byCmdlet['Set-CASMailbox'] ?? 0;
    const counts = (b.body.counts ?? {}) as { done?: number; failed?: number; skipped?: number };
    const bulkFloorMs = (setCas * o.latencyMs) / concurrency;
    const blockedInExchange = bulk.filter((d) => control.getMailbox(d.mailbox)?.blockedDeviceIds.includes(d.deviceId)).length;

    const singleMs: number[] = [];
    const wipeStatus = (r: { status: number; body: Record<string, unknown> }) => r.status === 202 && r.body.state === 'requested';
    let singlesOk = 0;
    for (const d of singles) {
      const r = await post(`${host.url}/api/devices/${d.deviceGuid}/wipe`, token, { reason: 'bench: single wipe' });
      singleMs.push(r.ms);
      if (wipeStatus(r)) singlesOk++;
    }
    const single = [...singleMs].sort((x, y) => x - y)[Math.floor(singleMs.length / 2)];

    control.resetCounters();
    const startedAll = performance.now();
    const answers = await Promise.all(together.map((d) => post(`${host.url}/api/devices/${d.deviceGuid}/wipe`, token, { reason: 'bench: concurrent wipes' })));
    const allMs = performance.now() - startedAll;
    const clears = control.calls().byCmdlet['Clear-MobileDevice'] ?? 0;
    const requested = answers.filter(wipeStatus).length;
    const held = together.filter((d) => control.getDevice(d.deviceGuid)?.accountOnlyDeviceWipeRequestTime).length;
    const lat = answers.map((r) => r.ms).sort((x, y) => x - y);
    const [p50, p95, max] = [percentile(lat, 0.5), percentile(lat, 0.95), lat.at(-1) ?? 0];
    const hostRss = await host.stop();

    console.log('');
    console.log(`Device actions through the local Functions host (its own process, peak RSS ${hostRss} MB), emulator latency ${o.latencyMs} ms per call:`);
    console.log(
      `  bulk block of ${fmt(bulk.length)} devices over ${fmt(bulkMailboxes.size)} mailboxes: HTTP ${b.status} in ${secs(b.ms)}, ` +
        `done ${fmt(counts.done ?? 0)}, failed ${fmt(counts.failed ?? 0)}, skipped ${fmt(counts.skipped ?? 0)}; Set-CASMailbox ${fmt(setCas)}, Exchange calls ${fmt(bulkCalls.total)}; on the blocked lists ${fmt(blockedInExchange)}`,
    );
    console.log(`  dry run of the same bulk block (no Exchange call): HTTP ${dry.status} in ${secs(dry.ms)}, selected ${fmt(Number(dry.body.selected ?? 0))}`);
    console.log(`  dry run by the quarantined collection (index): HTTP ${byCollection.status} in ${secs(byCollection.ms)}, selected ${fmt(Number(byCollection.body.selected ?? 0))}; no target`);
    console.log(`  dry run by filter stale=true (projection of the table): HTTP ${byStale.status} in ${secs(byStale.ms)}, selected ${fmt(Number(byStale.body.selected ?? 0))}; no target`);
    console.log(`  single wipes one at a time (${singles.length}): ${singleMs.map(msText).join(', ')}; median ${msText(single)}`);
    console.log(
      `  ${together.length} wipes at once: all answered in ${msText(allMs)}, p50 ${msText(p50)}, p95 ${msText(p95)}, max ${msText(max)}; ` +
        `202 requested ${requested}, Clear-MobileDevice ${clears}, held by Exchange ${held}`,
    );
    console.log('');
    console.log(
      `Bulk block: ${secs(b.ms)} beside its floor ${secs(bulkFloorMs)} (${fmt(setCas)} Set-CASMailbox x ${o.latencyMs} ms / ${concurrency}): ${(b.ms / bulkFloorMs).toFixed(2)}x; ` +
        `less the dry run's ${secs(dry.ms)}: ${secs(b.ms - dry.ms)}, ${((b.ms - dry.ms) / bulkFloorMs).toFixed(2)}x`,
    );
    // Issue 10 sets no target here: 50 requests at once share the host's one event loop, so the ratio is a figure to watch, not a bound.
    console.log(`${together.length} wipes at once: p95 ${msText(p95)} beside one wipe alone ${msText(single)}: ${(p95 / single).toFixed(2)}x (p50 ${(p50 / single).toFixed(2)}x, max ${(max / single).toFixed(2)}x); no target set`);
    console.log(`${together.length} wipes at once all answered in ${msText(allMs)} beside ${together.length} x one wipe alone ${msText(together.length * single)}: ${((together.length * single) / allMs).toFixed(1)}x faster than one at a time`);
    console.log('');
    const check = (ok: boolean, text: string) => console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
    check(
      bulk.length === o.bulkDevices && bulkMailboxes.size === o.bulkMailboxes && b.status === 200 && counts.done === bulk.length && blockedInExchange === bulk.length,
      `bulk block of ${fmt(bulk.length)} devices over ${fmt(bulkMailboxes.size)} mailboxes (asked ${fmt(o.bulkDevices)} over ${fmt(o.bulkMailboxes)}): every one done and on its mailbox's blocked list`,
    );
    check(
      byCollection.status === 200 && Number(byCollection.body.selected) === quarantined && byStale.status === 200 && Number(byStale.body.selected) === stale,
      `bulk dry runs select what the inventory holds: quarantined ${fmt(Number(byCollection.body.selected ?? 0))} = ${fmt(quarantined)}, stale ${fmt(Number(byStale.body.selected ?? 0))} = ${fmt(stale)}`,
    );
    check(setCas === bulkMailboxes.size, `bulk block Set-CASMailbox calls ${fmt(setCas)} = mailboxes ${fmt(bulkMailboxes.size)}`);
    // The floor counts Exchange's calls only; choosing 10,000 named devices among 100,000 is
    // a read of the inventory (its dry run, measured beside it), so the target is on the rest.
    // Issue 10 sets no target for the whole: it is reported above, and here as a note.
    check(b.ms - dry.ms <= 2 * bulkFloorMs, `bulk block less its selection (the dry run) ${secs(b.ms - dry.ms)} within 2x of its floor ${secs(bulkFloorMs)}`);
    console.log(`NOTE  bulk block as a whole ${secs(b.ms)} is ${(b.ms / bulkFloorMs).toFixed(2)}x its floor: the selection (${secs(dry.ms)}) reads the projection of every stored device`);
    check(together.length === o.wipes && singlesOk === singles.length && requested === together.length && clears === together.length && held === together.length, `${o.wipes} wipes at once: ${requested} answered 202 requested, Clear-MobileDevice calls ${clears}, ${held} held by Exchange`);
  } finally {
    await host.stop().catch(() => undefined);
  }
}
