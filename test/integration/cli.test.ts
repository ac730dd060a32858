/**
 * `npm run sync` as a user runs it: the CLI built in dist/ in its own process. It takes
 * the environment as soon as any EXO_* or STORAGE_* setting is set (validated like the
 * app), and the `npm start` stack's settings only when none is. Needs `npm run build`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'sync.js');
let stack: LocalStack;
let tmp: string;

/** The inherited environment without any connector setting (the test runner may carry some). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(EXO|STORAGE)_/.test(k)) env[k] = v;
  return env;
}

function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  stack = await startLocalStack({ seed: { devices: 300, mailboxes: 120, seed: 5 } });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
});
afterAll(async () => {
  await stack?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('When only some EXO_* settings are set, then the CLI refuses to run, exits non-zero and names every missing setting', async () => {
  // A local stack's settings exist in this folder: the CLI must still not fall back to them.
  const dir = fs.mkdtempSync(path.join(tmp, 'partial-'));
  fs.mkdirSync(path.join(dir, '.local'));
  fs.writeFileSync(path.join(dir, '.local', 'connector.env.json'), JSON.stringify({ ...stack.settings, STORAGE_TABLE_PREFIX: 'partial' }));
  const r = await runCli(['--full'], { ...cleanEnv(), EXO_TENANT_ID: stack.tenantId, EXO_CLIENT_ID: stack.clientId }, dir);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toContain('from the environment (EXO_CLIENT_ID, EXO_TENANT_ID)');
  expect(r.stderr).toContain('Invalid configuration');
  expect(r.stderr).toContain('EXO_AUTH_MODE');
  expect(r.stderr).toMatch(/STORAGE_CONNECTION_STRING/);
  expect(r.stdout).not.toContain('local stack');
  expect(stack.emulator.control.calls().total).toBe(0);
});

test('When no connector setting is set and there is no local stack, then the CLI says to set them or run npm start', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'none-'));
  const r = await runCli(['--delta'], cleanEnv(), dir);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('run `npm start`');
  expect(r.stderr).toContain('EXO_* and STORAGE_*');
});

test('When no connector setting is set and npm start left its settings, then the CLI syncs the local stack and says so', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'local-'));
  fs.mkdirSync(path.join(dir, '.local'));
  fs.writeFileSync(path.join(dir, '.local', 'connector.env.json'), JSON.stringify({ ...stack.settings, STORAGE_TABLE_PREFIX: `c${randomBytes(4).toString('hex')}` }));
  const r = await runCli(['--full'], cleanEnv(), dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Using the settings of the local stack started by `npm start`');
  expect(r.stdout).toMatch(/full sync full-\S+: succeeded/);
  expect(r.stdout).toContain(`seen ${stack.seeded!.devices}, new ${stack.seeded!.devices}`);
});

test('When the connector settings are complete in the environment, then the CLI syncs with them and says the environment was used', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'env-'));
  const env = { ...cleanEnv(), ...(stack.settings as Record<string, string>), STORAGE_TABLE_PREFIX: `e${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'warn' };
  const r = await runCli(['--full'], env, dir);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Using the connector settings from the environment');
  expect(r.stdout).not.toContain(stack.clientSecret);
  expect(r.stdout).toMatch(/full sync full-\S+: succeeded/);
});
