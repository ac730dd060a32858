/**
 * The shared set-up of the sync suites: one local stack (Azurite, identity provider,
 * emulator) per file, emulator faults, denials and counters reset before each test,
 * runtimes on fresh tables, and the stored inventory read back.
 */
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { loadConfig } from '../../lib/config';
import { createRuntime, type Runtime } from '../../lib/app/runtime';
import type { DeviceRecord } from '../../lib/domain/device';
import { silentLogger } from '../../lib/log';
import type { Clock } from '../../lib/clock';
import { clockReading } from './fake-clock';

export interface SyncFixture {
  /** The file's stack (set once its beforeAll has run). */
  readonly stack: LocalStack;
  /** A runtime on fresh tables (a new prefix), Exchange concurrency 8 unless `settings` say otherwise. */
  /** `now`: real time read through it (a frozen or moved date); `clock`: any clock, a FakeClock say. */
  newRuntime(settings?: Record<string, string>, o?: { now?: () => Date; clock?: Clock }): Promise<Runtime>;
  /** Every stored record by device guid (removed ones too unless told). */
  inventory(runtime: Runtime, o?: { includeRemoved?: boolean }): Promise<Map<string, DeviceRecord>>;
}

/** Registers the hooks in the calling test file; call it at the top level. */
export function useSyncFixture(): SyncFixture {
  let stack: LocalStack | undefined;
  const runtimes: Runtime[] = [];
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    await stack?.stop();
  });
  beforeEach(() => {
    stack!.emulator.control.clearFaults();
    stack!.emulator.control.allowAll();
    stack!.emulator.control.resetCounters();
  });
  return {
    get stack() {
      if (!stack) throw new Error('the sync fixture is used before its beforeAll ran');
      return stack;
    },
    async newRuntime(settings = {}, o = {}) {
      const config = loadConfig({ ...stack!.settings, STORAGE_TABLE_PREFIX: `t${randomBytes(4).toString('hex')}`, EXO_MAX_CONCURRENCY: '8', ...settings });
      const runtime = createRuntime(config, silentLogger, { clock: o.clock ?? (o.now ? clockReading(o.now) : undefined) });
      await runtime.storage.tables.ensureTables();
      runtimes.push(runtime);
      return runtime;
    },
    async inventory(runtime, o = {}) {
      const out = new Map<string, DeviceRecord>();
      for await (const r of runtime.storage.devices.listAll(stack!.tenantId, { includeRemoved: o.includeRemoved ?? true })) out.set(r.deviceGuid, r);
      return out;
    },
  };
}
