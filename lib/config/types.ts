/** The configuration the loader (./load.ts) builds from the settings (./settings.ts). */
import type { ProxySettings } from '../net/proxy';

export type CredentialConfig =
  | { kind: 'certificate'; certificatePem: string; source: string }
  | { kind: 'secret'; secret: string }
  | { kind: 'managedIdentity'; clientId?: string };

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string; tablePrefix: string }
  | { kind: 'accountUrl'; accountUrl: string; managedIdentityClientId?: string; tablePrefix: string };

export type ScopeConfig = (
  | { mode: 'organization' }
  | { mode: 'groups'; groups: string[] }
  /** `recipientFilter` as sent: `$true`/`$false` already rewritten (lib/exo/opath.ts). */
  | { mode: 'filter'; recipientFilter: string }
) & {
  /** Members of these groups (nested ones expanded) are out of scope, in every mode; absent when none. */
  excludeGroups?: string[];
};

export interface Schedules {
  fullSync: string;
  deltaSync: string;
  installCheck: string;
  policyReconcile: string;
}

export interface Config {
  tenantId: string;
  clientId: string;
  credential: CredentialConfig;
  exchange: {
    endpoint: string;
    /** Resource (audience) of the Exchange token; the endpoint unless set. */
    tokenResource: string;
    pageSize: number;
    maxConcurrency: number;
    maxRetries: number;
    timeoutMs: number;
  };
  authorityHost: string;
  storage: StorageConfig;
  schedules: Schedules;
  scope: ScopeConfig;
  staleAfterDays: number;
  actions: {
    wipesPerHourBeforeApproval: number;
    approvalTtlMs: number;
    noContactAfterDays: number;
    /** A bulk still running after this long answers 202; the follow-up carries it on. */
    bulkAnswerWithinMs: number;
  };
  access: {
    /** A change that would block or quarantine more devices than this needs confirmImpact (ACCESS_CONFIRM_ABOVE). */
    confirmAbove: number;
  };
  api: {
    /** Audience (application ID URI or client id) that inbound tokens must carry. */
    audience: string;
    /** Tenant whose tokens callers present; the connector's own tenant by default. */
    tenantId: string;
  };
  instanceId: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Outbound proxy for Exchange, Entra and Table Storage; null: every connection is direct. */
  proxy: ProxySettings | null;
}
