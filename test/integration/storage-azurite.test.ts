import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startAzurite } from '../../dev/azurite';
import { createStorage } from '../../lib/storage';
import { deviceRecord, TENANT } from './storage-fixtures';

const root = path.join(__dirname, '..', '..');

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function eventually(check: () => Promise<boolean>, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('local Azurite', () => {
  test('When Azurite is stopped, then its port closes and stopping again is harmless', async () => {
    const azurite = await startAzurite();
    expect(await accepts(azurite.port)).toBe(true);

    await azurite.stop();
    await azurite.stop();

    expect(await eventually(async () => !(await accepts(azurite.port)))).toBe(true);
  });

  test('When the fixed port is taken, then starting fails and names the port', async () => {
    const first = await startAzurite();
    try {
      await expect(startAzurite({ port: first.port })).rejects.toThrow(String(first.port));
    } finally {
      await first.stop();
    }
  });

  test('When data is kept on disk, then a restarted Azurite still has it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'azurite-'));
    try {
      const first = await startAzurite({ location: dir });
      const record = deviceRecord();
      const a = createStorage({ connectionString: first.connectionString });
      await a.tables.ensureTables();
      await a.devices.upsertMany([record]);
      await first.stop();

      const second = await startAzurite({ location: dir });
      try {
        const b = createStorage({ connectionString: second.connectionString });
        expect(await b.devices.get(TENANT, record.deviceGuid)).toEqual(record);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('When the process that started Azurite is killed, then Azurite ends with it', async () => {
    // The parent is a plain node process that loads dev/azurite.ts through swc.
    const script = `
      require('pirates').addHook(
        (code, filename) => require('@swc/core').transformSync(code, { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }).code,
        { exts: ['.ts'] },
      );
      require('./dev/azurite').startAzurite().then((a) => {
        process.stdout.write('PORT ' + a.port + '\\n');
        setInterval(() => {}, 1000);
      });
    `;
    const parent = spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
    });
    expect(await accepts(port)).toBe(true);

    parent.kill('SIGKILL');

    expect(await eventually(async () => !(await accepts(port)))).toBe(true);
  });
});
