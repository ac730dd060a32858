/** What the reports need from outside: the counts the last sync saved (lib/storage/report-repository.ts). */
import type { DeviceCounts } from '../../domain/device-counts';

export interface SavedCounts extends DeviceCounts {
  runId: string;
  generatedAt: string;
}

export interface CountsSource {
  /** One entity read; null when no sync has computed them yet. */
  getCounts(tenantId: string): Promise<SavedCounts | null>;
}
