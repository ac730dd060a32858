/**
 * The count reports are the sync's to compute: it alone sees every stored device (its
 * index holds each one's summary at the end of a run), so a report read is one entity
 * instead of a scan of 100,000 device entities.
 */
import { describeError } from '../../errors';
import type { SyncDeps } from './ports';
import type { StoredIndex } from './stored-index';

/** After a successful run's last write. A failure is logged, never fails the sync: the next run saves them again. */
export async function saveDeviceCounts(deps: SyncDeps, index: StoredIndex, runId: string, generatedAt: Date): Promise<void> {
  if (!deps.reports) return;
  const counts = index.deviceCounts();
  if (!counts) {
    deps.log.warn('Count reports not saved: another writer changed the inventory during this sync; the next sync saves them', { tenantId: deps.tenantId, runId });
    return;
  }
  try {
    await deps.reports.saveCounts(deps.tenantId, { ...counts, runId, generatedAt: generatedAt.toISOString() });
  } catch (e) {
    deps.log.warn(`Count reports not saved: ${describeError(e)}; the next sync saves them`, { tenantId: deps.tenantId, runId });
  }
}
