/**
 * `npm start`: the connector on the embedded default. Starts Azurite (tables, on disk
 * under .azurite so data survives restarts), the local identity provider, the Exchange
 * Online emulator seeded with sample devices, and the local Functions host serving the
 * real registrations; runs the install check and a first full sync; prints the URLs and
 * how to get a token. With EXO_TENANT_ID (and the other settings) in the environment it
 * runs against that tenant instead of the emulator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startAzurite } from './azurite';
import { startLocalStack, type LocalStack } from './local-stack';
import { functionFiles, loadRegistrations, startLocalHost } from './local-host';
import { loadConfig, processEnv, describeConfig, type Env } from '../lib/config';
import { loadLocalStackSettings } from './local-settings';
import { createRuntime, setRuntime } from '../lib/app/runtime';
import { summariseRun } from '../lib/app/sync/run-sync';
import { consoleLogger, parseLogFormat } from '../lib/log';
import { describeError, ValidationError } from '../lib/errors';
import { readLocalCertificate } from './local-cert';
import { Roles } from '../lib/http/caller';

const root = path.join(__dirname, '..', '..');
const localDir = path.join(root, '.local');

const stops: (() => Promise<void>)[] = [];

async function stopAll(): Promise<void> {
  setRuntime(null);
  for (const s of stops.splice(0)) await s().catch(() => undefined);
}

async function main(): Promise<void> {
  const env = processEnv();
  const local = loadLocalStackSettings(env);
  // Logs are text lines on a terminal, JSON lines otherwise. LOG_FORMAT=json|text overrides
  // that: JSON on a terminal to see the lines as Azure gets them, text through `| tee`. A
  // setting of the local tools only: in Azure the connector always writes JSON.
  const format = parseLogFormat(env.LOG_FORMAT);
  if (!format) throw ValidationError.of('LOG_FORMAT', `must be json or text (unset: text on a terminal, JSON otherwise), not '${env.LOG_FORMAT}'`);
  const log = consoleLogger((env.LOG_LEVEL as 'info' | undefined) ?? 'info', { component: 'connector' }, { format });
  let stack: LocalStack | null = null;
  let settings: Env;

  if (local.realTenant) {
    settings = { ...env };
    if (!local.ownStorage) {
      const azurite = await startAzurite({ location: path.join(root, '.azurite') });
      stops.push(() => azurite.stop());
      settings.STORAGE_CONNECTION_STRING = azurite.connectionString;
    }
    console.log('Running against the tenant in the environment (EXO_TENANT_ID); no emulator.');
  } else {
    fs.mkdirSync(localDir, { recursive: true });
    const stateFile = path.join(localDir, 'stack.json');
    const saved = fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { tenantId: string }) : null;
    stack = await startLocalStack({
      tenantId: saved?.tenantId,
      azuriteLocation: path.join(root, '.azurite'),
      certificateDir: path.join(localDir, 'app'),
      seed: local.seedDevices > 0 ? { devices: local.seedDevices, mailboxes: local.seedMailboxes, seed: 1 } : undefined,
      emulatorPort: local.emulatorPort,
      settings: { LOG_LEVEL: env.LOG_LEVEL },
    });
    fs.writeFileSync(stateFile, JSON.stringify({ tenantId: stack.tenantId }));
    const s = stack;
    stops.push(() => s.stop());
    settings = stack.settings;
  }

  const config = loadConfig(settings);
  const runtime = createRuntime(config, log);
  stops.unshift(() => runtime.close());
  await runtime.storage.tables.ensureTables();
  setRuntime(runtime);
  log.info('Connector configuration', describeConfig(config));
  // The CLI (npm run sync) uses the same settings while this process runs.
  fs.mkdirSync(localDir, { recursive: true });
  fs.writeFileSync(path.join(localDir, 'connector.env.json'), JSON.stringify(settings), { mode: 0o600 });

  const registrations = loadRegistrations(functionFiles(path.join(__dirname, '..', 'functions'), '.js'));
  // The install check runs on start below; the host must not run it a second time at once.
  for (const r of registrations) if (r.name === 'installCheck') r.runOnStartup = false;
  const host = await startLocalHost({ registrations, port: local.apiPort, log });
  stops.unshift(() => host.stop());

  const status = await runtime.installCheck.run({ log });
  console.log(`Connector status: ${status.state}${status.messageId ? ` (message id ${status.messageId})` : ''}${status.missingCmdlets.length ? `; missing: ${status.missingCmdlets.join(', ')}` : ''}`);
  try {
    const { run } = await runtime.sync.run({ kind: 'full', log });
    console.log(`First sync: ${summariseRun(run)}`);
  } catch (e) {
    console.error(`First sync failed: ${describeError(e)} (the timers will try again)`);
  }

  const api = `${host.url}/api`;
  const lines = [
    '',
    'Exchange Online mobile device connector is running.',
    `  API:              ${api}   (health: ${api}/health, status: ${api}/status, POST ${api}/sync)`,
    `  Run a timer now:  curl -X POST ${host.url}/admin/functions/deltaSync`,
  ];
  if (stack) {
    const { certPath } = readLocalCertificate();
    lines.push(
      `  Exchange emulator: ${stack.emulator.url}  (control: ${stack.emulator.url}/_emulator)`,
      `  Identity provider: ${stack.idp.url}/${stack.tenantId}/v2.0/.well-known/openid-configuration`,
      `  Tenant:            ${stack.tenantId}`,
      '',
      `  A token for the API (roles ${Object.values(Roles).join(', ')}):`,
      `    TOKEN=$(curl -s --cacert ${path.relative(process.cwd(), certPath)} -d grant_type=client_credentials -d client_id=${stack.callerApp.clientId} \\`,
      `      --data-urlencode client_secret=${stack.callerApp.secret} -d scope=${stack.callerApp.scope} \\`,
      `      ${stack.idp.url}/${stack.tenantId}/oauth2/v2.0/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      `    curl -H "Authorization: Bearer $TOKEN" ${api}/status`,
    );
  }
  lines.push('', 'Ctrl+C stops everything.', '');
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping...');
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(async (e) => {
  console.error(`npm start failed: ${describeError(e)}`);
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error('Another process holds that port: stop it, or set LOCAL_API_PORT to another port.');
  await stopAll();
  process.exit(1);
});
