/**
 * The reports feature, composed from the storage adapters: what GET /api/reports answers.
 * Every source counts the entities it read (`entitiesRead`: the tests' and the bench's
 * measure of "a report reads at most a few entities"); device entities are counted by
 * the storage itself (`storage.read.deviceEntities`), and no report reads one.
 */
import { systemClock, type Clock } from '../../clock';
import { SYNC_LEASE } from '../../domain/lease';
import type { Storage } from '../../storage';
import type { ReportSources } from './ports';
import { createReports, type ReportsFeature } from './reports';

export type { ReportsFeature } from './reports';

export interface ComposedReports extends ReportsFeature {
  /** Entities the reports read since the process started (state, policies, actions and syncruns tables). */
  readonly entitiesRead: number;
}

export function composeReports(a: { tenantId: string; storage: Pick<Storage, 'reports' | 'policies' | 'wipes' | 'runs' | 'state'>; clock?: Clock }): ComposedReports {
  const { storage } = a;
  let read = 0;
  const one = <T>(v: T | null): T | null => {
    if (v !== null) read++;
    return v;
  };
  const each = <T>(v: T[]): T[] => {
    read += v.length;
    return v;
  };
  const sources: ReportSources = {
    getCounts: async (t) => one(await storage.reports.getCounts(t)),
    getStaleByUser: async (t) => one(await storage.reports.getStaleByUser(t)),
    managedPolicies: async (t) => each(await storage.policies.list(t)),
    wipes: async (t, since, limit) => {
      const r = await storage.wipes.openAndRecent(t, since, limit);
      read += r.entitiesRead;
      return r;
    },
    latestRuns: async (t, n) => each(await storage.runs.latest(t, n)),
    syncLease: async (t) => one(await storage.state.getLease(t, SYNC_LEASE)),
  };
  const reports = createReports({ tenantId: a.tenantId, sources, clock: a.clock ?? systemClock });
  return {
    list: () => reports.list(),
    get: (name) => reports.get(name),
    get entitiesRead() {
      return read;
    },
  };
}
