/**
 * The reports' answers as zod schemas: the use case's types come from them, and the route
 * gives them to the OpenAPI document, so the document describes what is answered. Each
 * report's `rows` are what its CSV holds (one line per row, the row's fields flattened in
 * this order; lib/app/reports/table.ts).
 */
import { z } from 'zod';

export const COUNT_REPORT_NAMES = ['devices-by-os', 'devices-by-type', 'devices-by-model', 'devices-by-client-type', 'devices-by-access-state', 'devices-by-activesync-version'] as const;
export const REPORT_NAMES = [...COUNT_REPORT_NAMES, 'policy-compliance', 'wipes', 'stale-by-user', 'sync-health'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

const count = z.number().int().min(0);
const time = z.string().describe('ISO 8601, UTC');
/** Computed by a sync: the run and when it ended its writes. */
const fromSync = { generatedAt: time, runId: z.string() };

const countRow = z.object({ value: z.string().nullable().describe('null: Exchange gave no value'), count });

export const countReportSchema = z.object({
  report: z.enum(COUNT_REPORT_NAMES),
  ...fromSync,
  total: count.describe('Stored devices not removed'),
  rows: z.array(countRow).describe('Count descending, at most 1,000'),
  other: count.optional().describe('Devices in the values beyond the rows (only when some were left out)'),
  exactOs: z.array(countRow).optional().describe('devices-by-os only: the exact DeviceOS strings, the first 200'),
});

const policyRow = z.object({
  policy: z.string().nullable().describe('DevicePolicyApplied as Exchange gave it; null: none given'),
  status: z.string().nullable().describe('DevicePolicyApplicationStatus as Exchange gave it (e.g. AppliedInFull, PartiallyApplied, NotApplied); null: none given'),
  count,
  managed: z.boolean().describe('The connector manages this mailbox policy (PUT /api/policies/{name})'),
  asDesired: z.boolean().nullable().describe('Managed policies: Exchange held it as desired at the last check (null: never checked, or not managed)'),
  checkedAt: time.nullable().describe('When that was last established (the last reconcile, repair or write)'),
});

export const policyComplianceSchema = z.object({
  report: z.literal('policy-compliance'),
  ...fromSync,
  total: count,
  rows: z.array(policyRow).describe('By policy and status, count descending'),
  other: count.optional(),
  managedPolicies: z.array(z.object({ name: z.string(), asDesired: z.boolean().nullable(), checkedAt: time.nullable(), devices: count })).describe('Every managed policy, also those no device reports'),
});

const wipeRow = z.object({
  actionId: z.string(),
  state: z.string().describe('awaitingApproval, submitting, outcomeUnknown, requested, sent, noContact (pending); acknowledged, cancelled, failed, rejected, expired'),
  pending: z.boolean().describe('Not final yet'),
  mode: z.string().nullable().describe('accountOnly or full'),
  requestedBy: z.string(),
  requestedAt: time,
  reason: z.string().nullable(),
  deviceGuid: z.string(),
  deviceId: z.string(),
  name: z.string().describe('The readable name, e.g. jdoe_iPhone_2'),
  user: z.string().describe('The UPN, else the mailbox Name'),
  mailbox: z.string(),
  updatedAt: time,
  note: z.string().nullable().describe('The last history line'),
});

export const wipesSchema = z.object({
  report: z.literal('wipes'),
  generatedAt: time.describe('When it was read (the actions table, at each request)'),
  windowDays: count,
  since: time,
  pending: count,
  recent: count.describe('Requested since `since` (pending or not)'),
  rows: z.array(wipeRow).describe('Newest first'),
  other: count.optional().describe('Wipe actions beyond the rows, not read'),
});

export const staleByUserSchema = z.object({
  report: z.literal('stale-by-user'),
  ...fromSync,
  staleAfterDays: count,
  users: count.describe('Users with at least one stale device'),
  devices: count.describe('Stale devices (stored, not removed)'),
  rows: z.array(z.object({ user: z.string().nullable(), count, names: z.array(z.string()).describe('Readable names, at most 10 (count says how many)') })).describe('Most stale devices first, at most 1,000 users'),
  other: count.optional().describe('Stale devices of the users beyond the rows'),
  otherUsers: count.optional(),
});

const runRow = z.object({
  runId: z.string(),
  kind: z.string(),
  outcome: z.string().describe('running, succeeded, failed, partial (continued by the next invocation), skipped, abandoned'),
  startedAt: time,
  endedAt: time.nullable(),
  durationMs: count.nullable().describe('endedAt - startedAt (a continued full sync also counts the gaps between invocations)'),
  activeMs: count.nullable().describe('Time spent syncing over all invocations'),
  invocations: count,
  exchangeCalls: count,
  throttled: count.describe('Exchange calls answered with throttling'),
  retries: count,
  seen: count,
  new: count,
  changed: count,
  removed: count,
  stale: count,
  statisticsUnavailable: count.describe('Partnerships stored without statistics'),
  mailboxesWithoutStatistics: count,
  error: z.string().nullable(),
  callsByCmdlet: z.record(z.string(), count),
});

export const syncHealthSchema = z.object({
  report: z.literal('sync-health'),
  generatedAt: time.describe('When it was read (the syncruns table, at each request)'),
  failedRuns: count.describe('Rows failed or abandoned'),
  rows: z.array(runRow).describe('The last runs, newest first'),
  mailboxesWithoutStatistics: z
    .object({ runId: z.string(), count, first: z.array(z.object({ mailbox: z.string(), reason: z.string() })).describe('The first ten') })
    .nullable()
    .describe('Of the newest successful run among the rows (null when none)'),
});

export const reportSchema = z.union([countReportSchema, policyComplianceSchema, wipesSchema, staleByUserSchema, syncHealthSchema]);

export const reportListingSchema = z.object({
  reports: z.array(
    z.object({
      name: z.enum(REPORT_NAMES),
      description: z.string(),
      source: z.enum(['sync', 'live']).describe('sync: computed by each successful sync; live: read when asked'),
      runId: z.string().nullable(),
      generatedAt: time.nullable(),
    }),
  ),
});

export type CountReport = z.output<typeof countReportSchema>;
export type PolicyComplianceReport = z.output<typeof policyComplianceSchema>;
export type WipesReport = z.output<typeof wipesSchema>;
export type StaleByUserReport = z.output<typeof staleByUserSchema>;
export type SyncHealthReport = z.output<typeof syncHealthSchema>;
export type ReportAnswer = z.output<typeof reportSchema>;
export type ReportListing = z.output<typeof reportListingSchema>;
export type WipeRow = z.output<typeof wipeRow>;
export type RunRow = z.output<typeof runRow>;
