/**
 * The access feature (device access rules and organization settings), composed from the
 * runtime's adapters: the use cases bound to their ports, and the reconcile under its
 * own named tenant lease (`accessReconcile`), so two instances never repair the same
 * drift twice; the policyReconcile timer calls `reconcile`.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import type { Storage } from '../../storage';
import { takeLease } from '../lease/keeper';
import type { LeaseStore } from '../lease/ports';
import { organizationView, setOrganization, type OrganizationChange, type OrganizationView } from './organization';
import { preview, type PreviewAnswer, type PreviewRequest } from './preview';
import { reconcile, type ReconcileReport } from './reconcile';
import { createRule, removeRule, updateRule, type RuleInput } from './rules';
import { rulesView, type RuleView, type RulesView } from './rules-view';
import type { AccessDeps, AccessExchange, AccessSettings, PreviewDevice, Requester } from './ports';

export const ACCESS_RECONCILE_LEASE = 'accessReconcile';
const RECONCILE_LEASE_TTL_MS = 60_000;

/** What the preview reads of each inventory record. */
const PREVIEW_FIELDS = ['deviceGuid', 'name', 'userUpn', 'mailbox', 'clientType', 'deviceType', 'deviceModel', 'deviceOs', 'deviceUserAgent', 'accessState', 'accessStateReason', 'wipeAckTime', 'accountOnlyWipeAckTime'] as const;

export interface AccessAdapters {
  tenantId: string;
  instanceId: string;
  log: Logger;
  clock: Clock;
  storage: Pick<Storage, 'access' | 'audit' | 'devices'>;
  leases: LeaseStore;
  exchange: AccessExchange;
  settings: AccessSettings;
}

export interface AccessFeature {
  organization(): Promise<OrganizationView>;
  setOrganization(caller: Requester, change: OrganizationChange, ifMatch: string | undefined, log?: Logger): Promise<OrganizationView>;
  rules(): Promise<RulesView>;
  createRule(caller: Requester, rule: RuleInput, log?: Logger): Promise<RuleView>;
  updateRule(caller: Requester, id: string, rule: RuleInput, ifMatch: string | undefined, log?: Logger): Promise<RuleView>;
  removeRule(caller: Requester, id: string, o: { ifMatch?: string; confirmImpact?: number }, log?: Logger): Promise<{ id: string; removed: string[] }>;
  preview(request: PreviewRequest): Promise<PreviewAnswer>;
  /** One reconcile pass; null when another instance holds its lease. */
  reconcile(log?: Logger): Promise<ReconcileReport | null>;
}

export function composeAccess(a: AccessAdapters): AccessFeature {
  const deps = (log: Logger = a.log): AccessDeps => ({
    tenantId: a.tenantId,
    store: a.storage.access,
    exchange: a.exchange,
    inventory: {
      async *devices(t) {
        for await (const d of a.storage.devices.listSelected(t, PREVIEW_FIELDS)) {
          const { wipeAckTime, accountOnlyWipeAckTime, ...rest } = d;
          yield { ...rest, wiped: wipeAckTime !== null || accountOnlyWipeAckTime !== null } satisfies PreviewDevice;
        }
      },
    },
    audit: a.storage.audit,
    settings: a.settings,
    clock: a.clock,
    log,
  });
  return {
    organization: () => organizationView(deps()),
    setOrganization: (caller, change, ifMatch, log) => setOrganization(deps(log), caller, change, ifMatch),
    rules: () => rulesView(deps()),
    createRule: (caller, rule, log) => createRule(deps(log), caller, rule),
    updateRule: (caller, id, rule, ifMatch, log) => updateRule(deps(log), caller, id, rule, ifMatch),
    removeRule: (caller, id, o, log) => removeRule(deps(log), caller, id, o.ifMatch, o.confirmImpact),
    preview: (request) => preview(deps(), request),
    async reconcile(log = a.log) {
      const owner = `${a.instanceId}#${randomBytes(3).toString('hex')}`;
      const taken = await takeLease({ store: a.leases, tenantId: a.tenantId, name: ACCESS_RECONCILE_LEASE, owner, ttlMs: RECONCILE_LEASE_TTL_MS, log, clock: a.clock });
      if (!taken.acquired) {
        log.info(`Access reconcile skipped: instance ${taken.holder} holds its lease until ${taken.expiresAt}`);
        return null;
      }
      try {
        // An instance that lost the lease writes nothing more (each write checks it first).
        const d = deps(log);
        const keeper = taken.keeper;
        const store = {
          ...d.store,
          saveOrganization: (r: Parameters<typeof d.store.saveOrganization>[0], v: string | null) => (keeper.check(), d.store.saveOrganization(r, v)),
          saveRule: (r: Parameters<typeof d.store.saveRule>[0], v: string | null) => (keeper.check(), d.store.saveRule(r, v)),
          deleteRule: (t: string, id: string, v: string) => (keeper.check(), d.store.deleteRule(t, id, v)),
        };
        return await reconcile({ ...d, store });
      } finally {
        await taken.keeper.stop();
      }
    },
  };
}
