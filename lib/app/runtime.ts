/**
 * The composition root: builds, once per process, everything the triggers need from
 * the validated configuration (token provider, Exchange client, storage, caller
 * verification) and hands use cases their ports. Tests and the local host build their
 * own runtime with createRuntime and install it with setRuntime.
 */
import { randomBytes } from 'node:crypto';
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { loadConfig, describeConfig, type Config } from '../config';
import { createTenantResolver, createTokenProvider, type TokenProvider } from '../auth';
import { agentFor } from '../net/proxy';
import { ExoClient } from '../exo/client';
import { getActiveSyncOrganizationSettings } from '../exo/cmdlets';
import { createStorage, StorageUnavailableError, type Storage } from '../storage';
import { consoleLogger, type Logger } from '../log';
import { createCallerVerifier, type CallerVerifier } from '../http/caller';
import { checkHealth, type HealthProbes } from './health';
import { createHealthCache, type HealthCache } from './health-cache';
import { createExchangeInventorySource } from './sync/exchange-source';
import type { FullSyncCheckpoint, SyncDeps, SyncProgress } from './sync/ports';

export interface Runtime {
  config: Config;
  log: Logger;
  tokenProvider: TokenProvider;
  exo: ExoClient;
  storage: Storage;
  healthProbes: HealthProbes;
  /** The deep health check, at most one a minute (shared by concurrent requests). */
  health: HealthCache;
  verifyCaller: CallerVerifier;
  /** Ports of one sync run (a fresh Exchange view, so call counts are per run). */
  syncDeps(o?: { log?: Logger; onProgress?: (p: SyncProgress) => void }): SyncDeps;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  /** Storage table credential (account URL mode); defaults to the managed identity. */
  storageCredential?: TokenCredential;
  now?: () => Date;
  /** How long a deep health report answers later requests (default 60 s; 0: single-flight only). */
  healthCacheMs?: number;
}

export function createRuntime(config: Config, log: Logger, o: RuntimeOverrides = {}): Runtime {
  // A tenant configured by domain is resolved once to its GUID, which goes into Exchange's
  // URL and anchor and into the token authority.
  const resolveTenantId = createTenantResolver({ authorityHost: config.authorityHost, tenant: config.tenantId, agent: agentFor(config.proxy, config.authorityHost), timeoutMs: 10_000 });
  const tokenProvider = createTokenProvider(
    {
      tenantId: config.tenantId,
      clientId: config.clientId,
      authorityHost: config.authorityHost,
      resource: config.exchange.tokenResource,
      credential: config.credential,
      proxy: config.proxy,
      resolveTenantId,
    },
    log,
  );
  const exo = new ExoClient({
    endpoint: config.exchange.endpoint,
    tenantId: config.tenantId,
    resolveTenantId,
    proxy: config.proxy,
    tokenProvider,
    log,
    pageSize: config.exchange.pageSize,
    maxConcurrency: config.exchange.maxConcurrency,
    maxRetries: config.exchange.maxRetries,
    timeoutMs: config.exchange.timeoutMs,
  });
  const s = config.storage;
  const storage = createStorage(
    s.kind === 'connectionString'
      ? { connectionString: s.connectionString, tablePrefix: s.tablePrefix, log, proxy: config.proxy }
      : { accountUrl: s.accountUrl, credential: o.storageCredential ?? new ManagedIdentityCredential(s.managedIdentityClientId ? { clientId: s.managedIdentityClientId } : {}), tablePrefix: s.tablePrefix, log, proxy: config.proxy },
  );
  // v2.0 tokens name the API by the client id of the app registration exposing it; with a
  // managed identity, EXO_CLIENT_ID is the identity's, which exposes no API.
  const apiClientId = config.credential.kind === 'managedIdentity' ? undefined : config.clientId || undefined;
  const verifyCaller = createCallerVerifier({ authorityHost: config.authorityHost, tenantId: config.api.tenantId, audience: config.api.audience, clientId: apiClientId, proxy: config.proxy });

  const healthProbes: HealthProbes = {
    async storage() {
      const r = await storage.tables.ping();
      if (!r.ok) throw new StorageUnavailableError('ping', r.detail);
      return `${r.detail} (${r.latencyMs} ms)`;
    },
    async token() {
      const t = await tokenProvider.getToken();
      return `token by ${tokenProvider.describe()}, valid until ${t.expiresOn.toISOString()}`;
    },
    async exchange() {
      const settings = await getActiveSyncOrganizationSettings(exo);
      return `Exchange answered Get-ActiveSyncOrganizationSettings (default access level ${String(settings.DefaultAccessLevel ?? 'unknown')})`;
    },
  };

  return {
    config,
    log,
    tokenProvider,
    exo,
    storage,
    healthProbes,
    health: createHealthCache(() => checkHealth(async () => healthProbes), { ttlMs: o.healthCacheMs }),
    verifyCaller,
    syncDeps(so = {}) {
      const state = storage.state;
      return {
        tenantId: config.tenantId,
        // Unique per invocation: a lease is never taken over while valid, not even by its own host.
        instanceId: `${config.instanceId}#${randomBytes(3).toString('hex')}`,
        staleAfterDays: config.staleAfterDays,
        source: createExchangeInventorySource(exo, config.scope, { pageSize: config.exchange.pageSize }),
        store: {
          // The sync's own writes go unguarded: it manages the inventory snapshot itself (stored-index.ts).
          summaries: (tenantId) => storage.syncDevices.listHashes(tenantId),
          write: (records) => storage.syncDevices.upsertMany(records),
          markRemoved: (tenantId, guids, at) => storage.syncDevices.markRemoved(tenantId, guids, at),
          snapshot: storage.snapshots,
        },
        state: {
          acquireLease: (t, owner, ttl) => state.acquireLease(t, owner, ttl),
          renewLease: (lease) => state.renewLease(lease as Parameters<typeof state.renewLease>[0]),
          releaseLease: async (lease) => {
            await state.releaseLease(lease as Parameters<typeof state.releaseLease>[0]);
          },
          getCheckpoint: async (t, kind) => (await state.getCheckpoint<FullSyncCheckpoint>(t, kind))?.data ?? null,
          saveCheckpoint: (t, kind, c) => state.saveCheckpoint(t, kind, c),
          clearCheckpoint: (t, kind) => state.clearCheckpoint(t, kind),
        },
        runs: { save: (run) => storage.runs.update(run), latest: (t, n) => storage.runs.latest(t, n) },
        log: so.log ?? log,
        now: o.now,
        onProgress: so.onProgress,
      };
    },
    async close() {
      exo.close();
    },
  };
}

let current: Promise<Runtime> | null = null;

/** The process's runtime, built on first use from process.env (through lib/config). */
export function getRuntime(): Promise<Runtime> {
  if (!current) {
    const attempt = (async () => {
      const config = loadConfig();
      const log = consoleLogger(config.logLevel, { component: 'connector' });
      log.info('Connector configuration loaded', describeConfig(config));
      const runtime = createRuntime(config, log);
      await runtime.storage.tables.ensureTables();
      return runtime;
    })();
    // A failed start is not cached: the next invocation tries again (storage may come back).
    attempt.catch(() => {
      if (current === attempt) current = null;
    });
    current = attempt;
  }
  return current;
}

/** Installs a runtime built elsewhere (local host, tests), or clears it with null. */
export function setRuntime(runtime: Runtime | null): void {
  current = runtime ? Promise.resolve(runtime) : null;
}
