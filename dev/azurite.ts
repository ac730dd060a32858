/**
 * Starts Azurite's table service as a child process for tests, `npm start` and benchmarks.
 * Each caller gets its own instance on its own port, so jest suites need no globalSetup
 * and can run in parallel.
 */
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { silentLogger, type Logger } from '../lib/log';

/** Azurite's fixed development account; the key is public and the same on every machine. */
const ACCOUNT_NAME = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const HOST = '127.0.0.1';

export interface AzuriteOptions {
  /** Folder for on-disk persistence; default is in-memory (all data lost on stop). */
  location?: string;
  /** Fixed port; default picks a free one. */
  port?: number;
  log?: Logger;
  /** How long to wait for the service to accept connections (default 30 s). */
  startTimeoutMs?: number;
}

export interface AzuriteInstance {
  /** Shared-key connection string for the table endpoint (contains the public dev key). */
  connectionString: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  tableUrl: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The child runs Azurite's own entry point behind a tiny preamble that exits when its
 * stdin closes. The parent holds the other end of that pipe, so the operating system
 * closes it when the parent ends in any way (even SIGKILL or a crashed jest worker),
 * and no orphaned Azurite keeps a port or a folder lock.
 */
const PREAMBLE = [
  "process.stdin.on('end', () => process.exit(0));",
  "process.stdin.on('error', () => process.exit(0));",
  'process.stdin.resume();',
  'require(process.argv[1]);',
].join('');

export async function startAzurite(o: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const log = o.log ?? silentLogger;
  const attempts = o.port === undefined ? 5 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = o.port ?? (await findFreePort());
    try {
      return await launch(port, o, log);
    } catch (e) {
      lastError = e;
      // Another process may take the port between our probe and Azurite's listen.
      if (!(e instanceof PortInUseError) || o.port !== undefined) throw e;
      log.debug('azurite port taken, retrying', { port, attempt });
    }
  }
  throw lastError;
}

class PortInUseError extends Error {}

function mainScript(): string {
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'table', 'main.js');
}

async function launch(port: number, o: AzuriteOptions, log: Logger): Promise<AzuriteInstance> {
  const args = [
    '-e',
    PREAMBLE,
    mainScript(),
    '--tableHost',
    HOST,
    '--tablePort',
    String(port),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
    '--silent',
    ...(o.location ? ['--location', path.resolve(o.location)] : ['--inMemoryPersistence']),
  ];
  if (o.location) fs.mkdirSync(path.resolve(o.location), { recursive: true });
  const child = spawn(process.execPath, args, {
    // Azurite checks that its location (default: cwd) exists even when in memory.
    cwd: o.location ? path.resolve(o.location) : process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AZURITE_ACCOUNTS: undefined },
    windowsHide: true,
  });

  let output = '';
  let closedSeen = false;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-8192);
    if (/successfully closed/.test(text)) closedSeen = true;
    for (const line of text.split('\n')) if (line.trim()) log.debug('azurite', { line: line.trim() });
  };
  // Keep draining both streams for the child's whole life: a full pipe would block it.
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  try {
    await waitUntilReady(child, port, o.startTimeoutMs ?? 30_000, () => output);
  } catch (e) {
    process.removeListener('exit', killOnExit);
    killOnExit();
    throw e;
  }

  // The instance must not keep the parent alive by itself (a forgotten stop() in a
  // script should not hang it); the exit hook and the stdin pipe then end the child.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as net.Socket | null)?.unref?.();

  const tableUrl = `http://${HOST}:${port}/${ACCOUNT_NAME}`;
  log.info('azurite table service started', { tableUrl, persistence: o.location ? 'disk' : 'memory' });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // SIGINT makes Azurite close its server (and flush an on-disk database) but it
      // does not exit by itself; closing stdin then ends the preamble.
      const asked = Date.now();
      const closing = setInterval(() => {
        if (closedSeen || Date.now() - asked > 3_000) {
          clearInterval(closing);
          child.stdin?.destroy();
        }
      }, 20);
      const hardStop = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearInterval(closing);
        clearTimeout(hardStop);
        resolve();
      });
      child.kill('SIGINT');
    });
    return stopping;
  };

  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT_NAME};AccountKey=${ACCOUNT_KEY};` + `TableEndpoint=${tableUrl};`,
    tableUrl,
    port,
    stop,
  };
}

function waitUntilReady(child: ChildProcess, port: number, timeoutMs: number, output: () => string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null, signal: string | null) => {
      const text = output();
      if (/EADDRINUSE/.test(text)) finish(new PortInUseError(`port ${port} is in use`));
      else finish(new Error(`Azurite exited before it was ready (code ${code}, signal ${signal}): ${text.trim().slice(-500)}`));
    };
    const onError = (e: Error) => finish(e);
    child.once('exit', onExit);
    child.once('error', onError);
    const timer = setTimeout(
      () => finish(new Error(`Azurite did not accept connections on ${HOST}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    // Azurite prints "successfully started" after listen(); a connect confirms it.
    let probing = false;
    const poll = setInterval(() => {
      if (probing || done || !/successfully started/.test(output())) return;
      probing = true;
      canConnect(port).then((ok) => {
        probing = false;
        if (ok) finish();
      });
    }, 25);
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}
