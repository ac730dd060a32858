/**
 * The connector's tables and their clients. Table names live here (and in
 * ./table-names.ts) and nowhere else; a prefix lets several deployments (or test suites)
 * share one storage account.
 */
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { ConfigError, type FieldIssue } from '../errors';
import { describeStorageError, guard } from './errors';
import { azureProxyOptions, type ProxySettings } from '../net/proxy';
import { TABLES, TABLE_PREFIX_PATTERN, TABLE_PREFIX_RULE, type TableName } from './table-names';

export { TABLES, type TableName } from './table-names';

export interface TableClientsOptions {
  /** Shared-key or SAS connection string (Azurite, local runs). Never logged. */
  connectionString?: string;
  /** `https://<account>.table.core.windows.net`, used with `credential` (managed identity). */
  accountUrl?: string;
  credential?: TokenCredential;
  /** Letters and digits prepended to every table name (TABLE_PREFIX_RULE, as STORAGE_TABLE_PREFIX); default ''. */
  tablePrefix?: string;
  /** Upper bound of one health ping (default 5 s). */
  pingTimeoutMs?: number;
  /** The SDK's own retries of one request (network errors, 408, 5xx); default 3. */
  maxRetries?: number;
  /** Outbound proxy (from lib/config); NO_PROXY applies to the table endpoint. */
  proxy?: ProxySettings | null;
}

export type PingResult = { ok: true; detail: string; latencyMs: number } | { ok: false; detail: string; latencyMs: number };

export interface StorageTables {
  readonly devices: TableClient;
  readonly syncruns: TableClient;
  readonly state: TableClient;
  readonly audit: TableClient;
  readonly actions: TableClient;
  readonly policies: TableClient;
  /** Actual table names (with prefix), e.g. for messages. */
  readonly names: Readonly<Record<TableName, string>>;
  /** Creates the tables that do not exist yet; safe to call on every start. */
  ensureTables(): Promise<void>;
  /** A cheap read for health checks; never throws, never reveals keys. */
  ping(): Promise<PingResult>;
}

/** Azurite and other local endpoints speak plain http; the SDK refuses that unless told. */
function isHttpEndpoint(o: TableClientsOptions): boolean {
  if (o.accountUrl) return o.accountUrl.toLowerCase().startsWith('http:');
  const cs = o.connectionString ?? '';
  return /UseDevelopmentStorage=true/i.test(cs) || /TableEndpoint=http:/i.test(cs) || (/DefaultEndpointsProtocol=http;/i.test(cs) && !/TableEndpoint=https:/i.test(cs));
}

/** The table endpoint a connection string or account URL names, to decide on the proxy. */
export function tableEndpointOf(o: TableClientsOptions): string {
  if (o.accountUrl) return o.accountUrl;
  const cs = o.connectionString ?? '';
  if (/UseDevelopmentStorage=true/i.test(cs)) return 'http://127.0.0.1:10002/devstoreaccount1';
  const part = (name: string) => new RegExp(`(?:^|;)\\s*${name}=([^;]+)`, 'i').exec(cs)?.[1]?.trim();
  const explicit = part('TableEndpoint');
  if (explicit) return explicit;
  return `${part('DefaultEndpointsProtocol') ?? 'https'}://${part('AccountName') ?? 'unknown'}.table.${part('EndpointSuffix') ?? 'core.windows.net'}`;
}

export function createTableClients(o: TableClientsOptions): StorageTables {
  const issues: FieldIssue[] = [];
  const prefix = o.tablePrefix ?? '';
  if (!TABLE_PREFIX_PATTERN.test(prefix)) issues.push({ field: 'tablePrefix', reason: `must ${TABLE_PREFIX_RULE}` });
  if (o.connectionString && o.accountUrl) issues.push({ field: 'connectionString', reason: 'and accountUrl are both set: set only one' });
  if (!o.connectionString && !o.accountUrl) issues.push({ field: 'connectionString', reason: 'or accountUrl (with a credential) is required' });
  if (o.accountUrl && !o.credential) issues.push({ field: 'credential', reason: 'is required with accountUrl' });
  if (issues.length) throw new ConfigError(issues);

  const proxyOptions = o.proxy ? azureProxyOptions(o.proxy, tableEndpointOf(o)) : undefined;
  const options: TableServiceClientOptions = {
    allowInsecureConnection: isHttpEndpoint(o),
    ...(proxyOptions ? { proxyOptions } : {}),
    ...(o.maxRetries !== undefined ? { retryOptions: { maxRetries: o.maxRetries } } : {}),
  };
  const make = (table: string, extra: TableServiceClientOptions = {}) =>
    o.connectionString
      ? TableClient.fromConnectionString(o.connectionString, table, { ...options, ...extra })
      : new TableClient(o.accountUrl!, table, o.credential!, { ...options, ...extra });

  const names = Object.fromEntries(TABLES.map((t) => [t, `${prefix}${t}`])) as Record<TableName, string>;
  const clients = Object.fromEntries(TABLES.map((t) => [t, make(names[t])])) as Record<TableName, TableClient>;
  // The ping must answer fast, so it skips the SDK's retries (about 1 s, 2 s, 4 s apart).
  let pingClient: TableClient | undefined;
  const pingTimeoutMs = o.pingTimeoutMs ?? 5_000;

  return {
    ...clients,
    names,
    async ensureTables() {
      // createTable already treats 409 TableAlreadyExists as success.
      await Promise.all(TABLES.map((t) => guard(`create table ${names[t]}`, () => clients[t].createTable())));
    },
    async ping() {
      pingClient ??= make(names.state, { retryOptions: { maxRetries: 0 } });
      const started = Date.now();
      let endpoint = 'table storage';
      try {
        endpoint = new URL(pingClient.url).origin;
      } catch {
        // keep the generic name
      }
      try {
        const page = pingClient
          .listEntities({ queryOptions: { filter: "PartitionKey eq '~ping'", select: ['PartitionKey'] }, abortSignal: AbortSignal.timeout(pingTimeoutMs) })
          .byPage({ maxPageSize: 1 });
        await page.next();
        return { ok: true, detail: `tables reachable at ${endpoint}`, latencyMs: Date.now() - started };
      } catch (e) {
        const reason = describeStorageError(e);
        const hint = /TableNotFound/.test(reason) ? ' (tables not created yet: run ensureTables)' : '';
        return { ok: false, detail: `table storage at ${endpoint} is not usable: ${reason}${hint}`, latencyMs: Date.now() - started };
      }
    },
  };
}
