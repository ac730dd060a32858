/**
 * The shared set-up of suites that run the connector against the local stack (Azurite,
 * identity provider, emulator): one stack per file, emulator faults, denials and
 * counters reset before each test, runtimes on fresh tables (a new prefix each) closed
 * at the end, and, when asked, the file's functions served by the local host with a
 * runtime installed as the process runtime.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/local-stack';
import { functionFiles, loadRegistrations, startLocalHost, type LocalHost } from '../../dev/local-host';
import { loadConfig, type Env } from '../../lib/config';
import { createRuntime, setRuntime, type Runtime, type RuntimeOverrides } from '../../lib/app/runtime';
import { silentLogger, type Logger } from '../../lib/log';
import { memoryLogger } from './memory-logger';

export interface StackFixtureOptions {
  stack?: LocalStackOptions;
  /** Settings every runtime of the file gets (a test's own settings win). */
  settings?: Env;
  /** Serve the functions/ triggers on the local host, with `runtime` installed as the process runtime. */
  host?: { overrides?: RuntimeOverrides };
  /** Reset the emulator's faults, denials and counters before each test (default true). */
  resetEachTest?: boolean;
}

export interface StackFixture {
  /** The file's stack (set once its beforeAll has run). */
  readonly stack: LocalStack;
  /** With `host`: the local host serving functions/ and its log. */
  readonly host: LocalHost;
  readonly hostLog: ReturnType<typeof memoryLogger>;
  /** With `host`: the runtime installed as the process runtime. */
  readonly runtime: Runtime;
  /** The settings of a runtime on fresh tables. */
  settings(settings?: Env): Env;
  /** A runtime on fresh tables, its tables created (an unreachable storage is tolerated), closed after the file. */
  newRuntime(settings?: Env, o?: RuntimeOverrides & { log?: Logger }): Promise<Runtime>;
  /** Runs `body` with another runtime installed as the process runtime, then puts the file's back. */
  withRuntime<T>(settings: Env, body: (r: Runtime) => Promise<T>, o?: RuntimeOverrides): Promise<T>;
}

export const freshPrefix = (letter = 't') => `${letter}${randomBytes(4).toString('hex')}`;

/** Registers the hooks in the calling test file; call it at the top level. */
export function useStackFixture(o: StackFixtureOptions = {}): StackFixture {
  let stack: LocalStack | undefined;
  let host: LocalHost | undefined;
  let runtime: Runtime | undefined;
  const hostLog = memoryLogger();
  const runtimes: Runtime[] = [];
  const required = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the stack fixture's ${what} is used before its beforeAll ran, or was not asked for`);
    return v;
  };
  const settings = (s: Env = {}): Env => ({ ...required(stack, 'stack').settings, STORAGE_TABLE_PREFIX: freshPrefix(), ...o.settings, ...s });
  const newRuntime = async (s: Env = {}, ro: RuntimeOverrides & { log?: Logger } = {}): Promise<Runtime> => {
    const { log, ...overrides } = ro;
    const r = createRuntime(loadConfig(settings(s)), log ?? silentLogger, overrides);
    runtimes.push(r);
    await r.storage.tables.ensureTables().catch(() => undefined); // unreachable storage is what some tests are about
    return r;
  };

  beforeAll(async () => {
    stack = await startLocalStack(o.stack);
    if (o.host) {
      runtime = await newRuntime({}, o.host.overrides);
      setRuntime(runtime);
      const registrations = loadRegistrations(functionFiles(path.join(__dirname, '..', '..', 'functions'), '.ts'));
      host = await startLocalHost({ registrations, port: 0, log: hostLog, runTimers: false });
    }
  });
  afterAll(async () => {
    setRuntime(null);
    await host?.stop();
    for (const r of runtimes) await r.close();
    await stack?.stop();
  });
  if (o.resetEachTest ?? true) {
    beforeEach(() => {
      const c = required(stack, 'stack').emulator.control;
      c.clearFaults();
      c.allowAll();
      c.resetCounters();
    });
  }

  return {
    get stack() {
      return required(stack, 'stack');
    },
    get host() {
      return required(host, 'host');
    },
    hostLog,
    get runtime() {
      return required(runtime, 'runtime');
    },
    settings,
    newRuntime,
    async withRuntime(s, body, ro = {}) {
      const other = createRuntime(loadConfig(s), silentLogger, ro);
      await other.storage.tables.ensureTables().catch(() => undefined);
      setRuntime(other);
      try {
        return await body(other);
      } finally {
        setRuntime(runtime ?? null);
        await other.close();
      }
    },
  };
}
