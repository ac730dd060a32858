/**
 * The connector's Functions host in its own process, for the action scenarios: the real
 * `functions/` registrations on the local host, with a runtime on the settings in
 * BENCH_SETTINGS (JSON) installed as the process runtime. The bench calls its routes
 * from outside, as a caller would a deployed function app, while the emulator and
 * Azurite stay in the bench's process.
 * Prints `{ url }` once listening; when its stdin closes, prints `{ maxRssMb }` and exits.
 */
import path from 'node:path';
import { loadConfig, processEnv, type Env } from '../lib/config';
import { createRuntime, setRuntime } from '../lib/app/runtime';
import { functionFiles, loadRegistrations, startLocalHost } from '../dev/local-host';
import { silentLogger } from '../lib/log';

async function main(): Promise<void> {
  const settings = JSON.parse(processEnv().BENCH_SETTINGS ?? '{}') as Env;
  const runtime = createRuntime(loadConfig(settings), silentLogger);
  await runtime.storage.tables.ensureTables();
  setRuntime(runtime);
  const registrations = loadRegistrations(functionFiles(path.join(__dirname, '..', 'functions'), '.js'));
  const host = await startLocalHost({ registrations, port: 0, log: silentLogger, runTimers: false });
  process.stdout.write(JSON.stringify({ url: host.url }) + '\n');

  process.stdin.resume();
  process.stdin.on('end', () => {
    void (async () => {
      await host.stop();
      setRuntime(null);
      await runtime.close();
      process.stdout.write(JSON.stringify({ maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
      process.exit(0);
    })();
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
