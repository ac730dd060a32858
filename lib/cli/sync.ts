/**
 * `npm run sync -- --full | --delta [--break-lease]`: one sync from a shell, with progress
 * on long runs and a summary at the end. `--break-lease` first takes the tenant lease
 * from a holder that stopped renewing it (audited; refused while the holder renews). Uses the connector settings from the environment, or, when
 * none are set, those of the local stack that `npm start` is running.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, processEnv, type Env } from '../config';
import { createRuntime } from '../app/runtime';
import { runSync, summariseRun } from '../app/sync/run-sync';
import { breakSyncLease } from '../app/sync/break-lease';
import { consoleLogger } from '../log';
import { describeError } from '../errors';

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: npm run sync -- --full | --delta [--break-lease]');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const kinds = args.filter((a) => a === '--full' || a === '--delta');
  const breakLease = args.includes('--break-lease');
  const unknown = args.filter((a) => a !== '--full' && a !== '--delta' && a !== '--break-lease');
  if (unknown.length) usage(`unknown argument(s): ${unknown.join(' ')}`);
  if (kinds.length !== 1) usage('give exactly one of --full or --delta');
  const kind = kinds[0] === '--full' ? 'full' : 'delta';

  let env: Env = processEnv();
  if (!env.EXO_TENANT_ID) {
    const file = path.join(process.cwd(), '.local', 'connector.env.json');
    if (!fs.existsSync(file)) usage('No connector settings: set the EXO_* and STORAGE_* settings (see README), or run `npm start` in another shell first.');
    env = { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Env), LOG_LEVEL: env.LOG_LEVEL ?? 'warn' };
    console.log('Using the settings of the local stack started by `npm start`.');
  }
  const config = loadConfig(env);
  const log = consoleLogger(config.logLevel, { component: 'cli' });
  const runtime = createRuntime(config, log);
  await runtime.storage.tables.ensureTables();
  if (breakLease) {
    const actor = `cli:${os.userInfo().username}@${os.hostname()}`;
    const b = await breakSyncLease({ tenantId: config.tenantId, state: runtime.storage.state, audit: runtime.storage.audit, actor, log });
    if (b.outcome === 'refused') {
      await runtime.close();
      console.error(`Lease not broken: instance ${b.holder} renewed it at ${b.renewedAt} and is still syncing (lease until ${b.expiresAt}).`);
      process.exit(3);
    }
    console.log(b.outcome === 'broken' ? `Broke the sync lease of instance ${b.holder}, silent since ${b.renewedAt}.` : 'No instance held the sync lease.');
  }
  let lastPrint = 0;
  const { run, heldBy } = await runSync(runtime, {
    kind,
    onProgress: (p) => {
      if (p.elapsedMs - lastPrint < 2000) return;
      lastPrint = p.elapsedMs;
      const rate = p.elapsedMs > 0 ? Math.round((p.devices * 1000) / p.elapsedMs) : 0;
      console.log(`  ${kind} sync: ${p.pages} pages, ${p.devices} devices, ${p.mailboxesFetched} mailboxes' statistics, ${rate} devices/s`);
    },
  });
  await runtime.close();
  if (heldBy) {
    console.error(
      `Not run: instance ${heldBy.holder} is syncing this tenant (last renewed its lease at ${heldBy.renewedAt ?? 'an unknown time'}, lease until ${heldBy.expiresAt}). ` +
        'If that instance is dead, `npm run sync -- --break-lease` takes over once it has stopped renewing.',
    );
    process.exit(3);
  }
  console.log(summariseRun(run));
  process.exit(run.outcome === 'succeeded' ? 0 : 1);
}

main().catch((e) => {
  console.error(`Sync failed: ${describeError(e)}`);
  process.exit(1);
});
