/**
 * `npm run sync -- --full | --delta`: one sync from a shell, with progress on long runs
 * and a summary at the end. Uses the connector settings from the environment, or, when
 * none are set, those of the local stack that `npm start` is running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, processEnv, type Env } from '../config';
import { createRuntime } from '../app/runtime';
import { runSync, summariseRun } from '../app/sync/run-sync';
import { consoleLogger } from '../log';
import { describeError } from '../errors';

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: npm run sync -- --full | --delta');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const kinds = args.filter((a) => a === '--full' || a === '--delta');
  const unknown = args.filter((a) => a !== '--full' && a !== '--delta');
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
    console.error(`Not run: instance ${heldBy.holder} is syncing this tenant (lease until ${heldBy.expiresAt}).`);
    process.exit(3);
  }
  console.log(summariseRun(run));
  process.exit(run.outcome === 'succeeded' ? 0 : 1);
}

main().catch((e) => {
  console.error(`Sync failed: ${describeError(e)}`);
  process.exit(1);
});
