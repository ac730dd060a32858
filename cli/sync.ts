/**
 * `npm run sync -- --full | --delta [--break-lease]`: one sync from a shell, with progress
 * on long runs and a summary at the end. `--break-lease` first takes the tenant lease
 * from a holder that stopped renewing it (audited; refused while the holder renews).
 *
 * Settings: as soon as any `EXO_*` or `STORAGE_*` setting is in the environment, the
 * environment is the configuration and is validated exactly as the app does (one
 * ConfigError naming every bad or missing setting): a half-set environment must never
 * quietly run against the local stack instead. Only when none is set does the CLI use
 * the settings of the local stack that `npm start` is running (.local/connector.env.json).
 * It says which it used (names only, never values).
 *
 * Logs: text lines on a terminal, JSON lines otherwise (a pipe, a file); LOG_FORMAT=json|text
 * chooses. A setting of the CLI only, not of the connector, so it is not in lib/config.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, processEnv, type Env } from '../lib/config';
import { createRuntime } from '../lib/app/runtime';
import { summariseRun } from '../lib/app/sync/run-sync';
import { consoleLogger, parseLogFormat } from '../lib/log';
import { ConfigError, describeError } from '../lib/errors';

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: npm run sync -- --full | --delta [--break-lease]');
  process.exit(2);
}

/** The connector settings present in the environment (set, even if empty). */
export function connectorSettingsIn(env: Env): string[] {
  return Object.keys(env)
    .filter((k) => /^(EXO|STORAGE)_/.test(k) && env[k] !== undefined)
    .sort();
}

/** Where the settings come from, and the environment to load the configuration from. */
function chooseSettings(env: Env): { env: Env; source: string } {
  const present = connectorSettingsIn(env);
  if (present.length > 0) return { env, source: `Using the connector settings from the environment (${present.join(', ')}).` };
  const file = path.join(process.cwd(), '.local', 'connector.env.json');
  if (!fs.existsSync(file)) {
    usage('No connector settings: no EXO_* or STORAGE_* setting is set and there is no local stack (.local/connector.env.json). Set the EXO_* and STORAGE_* settings (see README), or run `npm start` in another shell first.');
  }
  let local: Env;
  try {
    local = JSON.parse(fs.readFileSync(file, 'utf8')) as Env;
  } catch (e) {
    usage(`The local stack's settings in ${file} cannot be read (${describeError(e)}): run \`npm start\` again.`);
  }
  return { env: { ...local, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' }, source: `Using the settings of the local stack started by \`npm start\` (${file}); no EXO_* or STORAGE_* setting is set.` };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const kinds = args.filter((a) => a === '--full' || a === '--delta');
  const breakLease = args.includes('--break-lease');
  const unknown = args.filter((a) => a !== '--full' && a !== '--delta' && a !== '--break-lease');
  if (unknown.length) usage(`unknown argument(s): ${unknown.join(' ')}`);
  if (kinds.length !== 1) usage('give exactly one of --full or --delta');
  const kind = kinds[0] === '--full' ? 'full' : 'delta';

  const env = processEnv();
  const format = parseLogFormat(env.LOG_FORMAT);
  if (!format) usage(`LOG_FORMAT must be json or text, not '${env.LOG_FORMAT}'`);
  const chosen = chooseSettings(env);
  console.log(chosen.source);
  let config;
  try {
    config = loadConfig(chosen.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  const log = consoleLogger(config.logLevel, { component: 'cli' }, { format });
  const runtime = createRuntime(config, log);
  await runtime.storage.tables.ensureTables();
  if (breakLease) {
    const actor = `cli:${os.userInfo().username}@${os.hostname()}`;
    const b = await runtime.sync.breakLease(actor, { log });
    if (b.outcome === 'refused') {
      await runtime.close();
      console.error(`Lease not broken: instance ${b.holder} renewed it at ${b.renewedAt} and is still syncing (lease until ${b.expiresAt}).`);
      process.exit(3);
    }
    console.log(b.outcome === 'broken' ? `Broke the sync lease of instance ${b.holder}, silent since ${b.renewedAt}.` : 'No instance held the sync lease.');
  }
  let lastPrint = 0;
  const { run, heldBy } = await runtime.sync.run({
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

if (require.main === module) {
  main().catch((e) => {
    console.error(`Sync failed: ${describeError(e)}`);
    process.exit(1);
  });
}
