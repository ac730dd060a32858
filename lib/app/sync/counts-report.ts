/**
 * The reports the sync computes are the sync's because it alone sees every stored device
 * (its index holds each one's summary at the end of a run): a report read is then one
 * entity instead of a scan of 100,000 device entities. Two are saved: the counts (the six
 * count reports and policy-compliance) and stale-by-user.
 */
import { describeError } from '../../errors';
import type { DeviceRecord } from '../../domain/device';
import { reportKeyOf } from '../../domain/device-counts';
import type { StoredDeviceSummary, SyncDeps } from './ports';
import type { StoredIndex } from './stored-index';

/** After a successful run's last write. A failure is logged, never fails the sync: the next run saves them again. */
export async function saveDeviceCounts(deps: SyncDeps, index: StoredIndex, runId: string, generatedAt: Date): Promise<void> {
  if (!deps.reports) return;
  const counts = index.deviceCounts();
  const stale = index.staleByUser();
  if (!counts || !stale) {
    deps.log.warn('Reports not saved: another writer changed the inventory during this sync; the next sync saves them', { tenantId: deps.tenantId, runId });
    return;
  }
  const at = generatedAt.toISOString();
  try {
    await deps.reports.saveCounts(deps.tenantId, { ...counts, runId, generatedAt: at });
    await deps.reports.saveStaleByUser(deps.tenantId, { ...stale, staleAfterDays: deps.staleAfterDays, runId, generatedAt: at });
  } catch (e) {
    deps.log.warn(`Reports not saved: ${describeError(e)}; the next sync saves them`, { tenantId: deps.tenantId, runId });
  }
}

/** What a summary read from the device table needs: the sync's own fields and those of its report key. */
export const SUMMARY_FIELDS = [
  'deviceGuid', 'mailbox', 'name', 'contentHash', 'listingHash', 'firstSeen', 'removed', 'stale', 'statisticsUnavailable', 'userUpn', 'userPrimarySmtp',
  'deviceOs', 'deviceType', 'deviceModel', 'clientType', 'accessState', 'activeSyncVersion', 'devicePolicyApplied', 'devicePolicyApplicationStatus',
] as const satisfies readonly (keyof DeviceRecord)[];

/**
 * The stored summaries from the device table (when there is no usable snapshot), with the
 * report key computed here from the record's own fields, so it is the key a write of the
 * same record gives (stored-index.ts `written`).
 */
export async function* summariesFromTable(rows: AsyncIterable<Pick<DeviceRecord, (typeof SUMMARY_FIELDS)[number]>>): AsyncIterable<StoredDeviceSummary> {
  for await (const r of rows) {
    yield {
      deviceGuid: r.deviceGuid,
      mailbox: r.mailbox,
      name: r.name,
      contentHash: r.contentHash,
      listingHash: r.listingHash,
      firstSeen: r.firstSeen,
      removed: r.removed,
      stale: r.stale,
      statisticsUnavailable: r.statisticsUnavailable !== null,
      facets: reportKeyOf(r),
    };
  }
}
