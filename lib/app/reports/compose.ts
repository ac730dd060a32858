/** The reports feature, composed from the storage adapters: what GET /api/reports answers. */
import type { Storage } from '../../storage';
import { createReports, type ReportsFeature } from './reports';

export type { ReportsFeature } from './reports';

export function composeReports(a: { tenantId: string; storage: Pick<Storage, 'reports'> }): ReportsFeature {
  return createReports({ tenantId: a.tenantId, counts: a.storage.reports });
}
