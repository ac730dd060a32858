/** The audit feature, composed from the storage adapter: what GET /api/audit answers. Read only: the trail is append-only and no route changes it. */
import { systemClock, type Clock } from '../../clock';
import type { Storage } from '../../storage';
import { queryAudit, type AuditPageView, type AuditQueryInput } from './query';

export interface AuditFeature {
  query(q: AuditQueryInput): Promise<AuditPageView>;
}

export function composeAudit(a: { tenantId: string; storage: Pick<Storage, 'audit'>; clock?: Clock }): AuditFeature {
  const deps = { tenantId: a.tenantId, audit: a.storage.audit, clock: a.clock ?? systemClock };
  return {
    query: (q) => queryAudit(deps, q),
  };
}
