/**
 * What the reports read, each a few entities (lib/app/reports/compose.ts wires them to
 * the storage adapters): the reports the last sync saved, the managed mailbox policies,
 * the open and recent wipe actions, and the last sync runs with the sync lease.
 */
import type { DeviceCounts } from '../../domain/device-counts';
import type { StaleByUser } from '../../domain/stale-by-user';
import type { LeaseHolder, SyncRun } from '../../domain/sync-run';
import type { DeviceAction } from '../actions/ports';
import type { ManagedPolicy } from '../policies/ports';

interface FromRun {
  runId: string;
  generatedAt: string;
}

export type SavedCounts = DeviceCounts & FromRun;
export type SavedStaleByUser = StaleByUser & FromRun & { staleAfterDays: number };

export interface ReportSources {
  /** One entity; null when no sync has computed them yet. */
  getCounts(tenantId: string): Promise<SavedCounts | null>;
  /** One entity; null when no sync has computed it yet. */
  getStaleByUser(tenantId: string): Promise<SavedStaleByUser | null>;
  /** The connector's desired policies: one partition, an entity each (a tenant has a few). */
  managedPolicies(tenantId: string): Promise<ManagedPolicy[]>;
  /** Wipe actions still open, and those requested at or after `since`; newest first, at most `limit`. */
  wipes(tenantId: string, since: string, limit: number): Promise<{ wipes: DeviceAction[]; more: number }>;
  /** Newest first; an entity each. */
  latestRuns(tenantId: string, n: number): Promise<SyncRun[]>;
  /** The sync lease (one entity), to tell a run left `running` by a killed instance. */
  syncLease(tenantId: string): Promise<LeaseHolder | null>;
}
