/**
 * The composition root: builds, once per process, the adapters from the validated
 * configuration (token provider, Exchange client, storage, caller verification), and
 * each feature composes its use cases from them (lib/app/<feature>/compose.ts).
 * Triggers, the CLI and the local stack call the features; tests and the local host
 * build their own runtime with createRuntime and install it with setRuntime.
 */
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { loadConfig, describeConfig, type Config } from '../config';
import { createTenantResolver, createTokenProvider, type TokenProvider } from '../auth';
import { agentFor } from '../net/proxy';
import { ExoClient } from '../exo/client';
import { getActiveSyncOrganizationSettings, type ExoInvoker } from '../exo/cmdlets';
import { createStorage, StorageUnavailableError, type Storage } from '../storage';
import { consoleLogger, type Logger } from '../log';
import type { Clock } from '../clock';
import { createCallerVerifier, type CallerVerifier } from '../http/caller';
import type { ConnectorStatus } from '../domain/connector-status';
import { composeHealth, type HealthFeature } from './health/compose';
import type { HealthProbes } from './health/health';
import { runInstallCheck as checkInstallation, type InstallCheckDeps } from './install-check';
import { composeStatus, type StatusFeature } from './status/compose';
import { composeReports, type ComposedReports } from './reports/compose';
import { composeSync, type SyncFeature } from './sync/compose';
import { createExchangeInventorySource } from '../exo/inventory/source';
import { createPermissionProbe } from '../exo/permission-probe';
import { createDeviceExchange } from '../exo/actions';
import { systemClock } from '../clock';
import { composeActions, type ActionsFeature } from './actions/compose';
import { composeAudit, type AuditFeature } from './audit/compose';
import { createFeatureGate, type FeatureGate } from './features/gate';
import { composePolicies, runReconcile, type PoliciesFeature, type Reconciler, type ReconcileRun } from './policies/compose';
import { createPolicyExchange } from '../exo/policies';
import { composeInventory, type InventoryFeature } from './inventory/compose';
import { composeCollections, type CollectionsFeature } from './collections/collections';
import { composeAccess, type AccessFeature } from './access/compose';
import { createAccessExchange } from '../exo/access';

export interface InstallCheckFeature {
  /** Checks the app's cmdlet permissions and records the connector status (1015 when installed). */
  run(o?: { log?: Logger }): Promise<ConnectorStatus>;
}

export interface Runtime {
  config: Config;
  log: Logger;
  /** Adapters, built once (tests read the state they leave). */
  tokenProvider: TokenProvider;
  exo: ExoClient;
  storage: Storage;
  verifyCaller: CallerVerifier;
  /** Refuses routes whose cmdlets the install check found missing. */
  featureGate: FeatureGate;
  /** Features: what triggers, the CLI and the local stack call. */
  sync: SyncFeature;
  actions: ActionsFeature;
  audit: AuditFeature;
  policies: PoliciesFeature;
  /** GET /api/devices: the inventory filtered, a page at a time. */
  inventory: InventoryFeature;
  /** Named saved filters over the inventory, built in and saved. */
  collections: CollectionsFeature;
  /** The policyReconcile run: mailbox policies (and access rules and organization settings) against their desired state. */
  reconcile: { run(log?: Logger): Promise<ReconcileRun> };
  /** Device access rules and organization settings (desired state, preview, reconcile). */
  access: AccessFeature;
  status: StatusFeature;
  /** The reports: those the last sync computed, and the wipes and sync-health read when asked. */
  reports: ComposedReports;
  installCheck: InstallCheckFeature;
  health: HealthFeature;
  /** Ports of one sync run: `sync.deps` (tests drive the use cases with them). */
  syncDeps: SyncFeature['deps'];
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  /** Storage table credential (account URL mode); defaults to the managed identity. */
  storageCredential?: TokenCredential;
  /** The time of the features and storage (lease expiry, budgets, checkpoints, status); systemClock unless set. */
  clock?: Clock;
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
      ? { connectionString: s.connectionString, tablePrefix: s.tablePrefix, log, proxy: config.proxy, clock: o.clock }
      : { accountUrl: s.accountUrl, credential: o.storageCredential ?? new ManagedIdentityCredential(s.managedIdentityClientId ? { clientId: s.managedIdentityClientId } : {}), tablePrefix: s.tablePrefix, log, proxy: config.proxy, clock: o.clock },
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

  const inventory = composeInventory({ tenantId: config.tenantId, devices: storage.devices, clock: o.clock ?? systemClock, staleAfterDays: config.staleAfterDays });
  const collections = composeCollections({ tenantId: config.tenantId, store: storage.collections, inventory, clock: o.clock ?? systemClock });
  const actions = composeActions({
    tenantId: config.tenantId,
    instanceId: config.instanceId,
    log,
    clock: o.clock ?? systemClock,
    storage,
    leases: storage.state,
    exchange: createDeviceExchange(exo),
    settings: { ...config.actions, staleAfterDays: config.staleAfterDays },
    collections,
  });
  const sync = composeSync({
    tenantId: config.tenantId,
    instanceId: config.instanceId,
    staleAfterDays: config.staleAfterDays,
    log,
    storage,
    newSource: () => createExchangeInventorySource(exo, config.scope, { pageSize: config.exchange.pageSize }),
    clock: o.clock,
    watcher: actions.syncWatcher,
  });
  const policies = composePolicies({ tenantId: config.tenantId, instanceId: config.instanceId, log, clock: o.clock ?? systemClock, store: storage.policies, audit: storage.audit, exchange: createPolicyExchange(exo), leases: storage.state });
  const access = composeAccess({ tenantId: config.tenantId, instanceId: config.instanceId, log, clock: o.clock ?? systemClock, storage, leases: storage.state, exchange: createAccessExchange(exo), settings: config.access });
  const reconcilers: Reconciler[] = [{ name: 'policies', run: (l) => policies.reconcile(l) }, { name: 'access', run: (l) => access.reconcile(l) }];
  // The status and the install check take the time as a date (of the same clock).
  const clock = o.clock;
  const now = clock ? () => new Date(clock.now()) : undefined;
  return {
    config,
    log,
    tokenProvider,
    exo,
    storage,
    verifyCaller,
    featureGate: createFeatureGate({ tenantId: config.tenantId, status: storage.state, clock: o.clock ?? systemClock }),
    sync,
    actions,
    audit: composeAudit({ tenantId: config.tenantId, storage, clock: o.clock }),
    policies,
    inventory,
    collections,
    reconcile: { run: (l = log) => runReconcile({ tenantId: config.tenantId, instanceId: config.instanceId, clock: o.clock ?? systemClock, leases: storage.state }, reconcilers, l) },
    access,
    status: composeStatus({ tenantId: config.tenantId, storage, now }),
    reports: composeReports({ tenantId: config.tenantId, storage, clock: o.clock }),
    installCheck: {
      run: (io = {}) => runInstallCheck({ tenantId: config.tenantId, appId: config.clientId, exo, status: storage.state, scope: config.scope, log: io.log ?? log, now }),
    },
    health: composeHealth(healthProbes, { ttlMs: o.healthCacheMs }),
    syncDeps: sync.deps,
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

/** The install check's deps as the runtime, the local stack and tests hold them: the app whose Exchange permissions are probed, and the client that asks. */
export type ExchangeInstallCheckDeps = Omit<InstallCheckDeps, 'permissions'> & { appId: string; exo: ExoInvoker };

/** The install check (./install-check.ts) with the Exchange permission probe (lib/exo/permission-probe.ts) wired in. */
export function runInstallCheck(deps: ExchangeInstallCheckDeps, o: { force?: boolean } = {}): Promise<ConnectorStatus> {
  const { appId, exo, ...rest } = deps;
  return checkInstallation({ ...rest, permissions: createPermissionProbe(exo, appId) }, o);
}
