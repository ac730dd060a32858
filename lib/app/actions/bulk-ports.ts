/**
 * A bulk of thousands is a job that outlives one invocation, like a full sync: its plan
 * (the mailboxes and DeviceIds each Set-CASMailbox carries) is written in chunks before
 * the first call, each chunk is claimed (ETag-guarded) before its calls and holds their
 * results after, so an instance that stops half-way leaves every chunk either untouched
 * (carried on later), finished, or claimed: a claimed chunk whose instance went away is
 * settled from what Exchange shows, never sent again.
 */
import type { BulkKind, BulkFilter } from './bulk-select';

export type DeviceResult =
  | { deviceGuid: string; result: 'done'; mailbox: string }
  | { deviceGuid: string; result: 'awaitingApproval'; actionId: string }
  | { deviceGuid: string; result: 'skipped'; why: string }
  | { deviceGuid: string; result: 'failed'; why: string; mailbox: string };

export type ResultCounts = { done: number; skipped: number; failed: number; awaitingApproval: number };

/** One Set-CASMailbox: the mailbox (its UPN when known) and the devices whose DeviceIds it moves. */
export interface MailboxWork {
  identity: string;
  devices: { guid: string; deviceId: string }[];
}

export interface BulkChunk {
  index: number;
  /** pending: not begun; sending: claimed, its calls may have gone out; done: results final. */
  state: 'pending' | 'sending' | 'done';
  claimedAt: string | null;
  claimedBy: string | null;
  mailboxes: MailboxWork[];
  results: DeviceResult[];
}

export interface BulkJob {
  bulkId: string;
  action: BulkKind;
  requestedBy: string;
  requestedAt: string;
  reason: string | null;
  force: boolean;
  filter: BulkFilter | null;
  /** Devices named in the request (null: chosen by filter). */
  named: number | null;
  selected: number;
  mailboxes: number;
  chunks: number;
  state: 'running' | 'done';
  counts: ResultCounts;
  mailboxCalls: number;
  finishedAt: string | null;
}

export type Stored<T> = T & { version: string };

export interface BulkStore {
  /** Writes the job (running) and every chunk; the job is listed by running() until it is done. */
  create(tenantId: string, job: BulkJob, chunks: BulkChunk[]): Promise<void>;
  get(tenantId: string, bulkId: string): Promise<{ job: Stored<BulkJob>; chunks: Stored<BulkChunk>[] } | null>;
  /** Replaces the chunk unless it changed since read (then ConcurrencyConflictError). */
  updateChunk(tenantId: string, bulkId: string, chunk: Stored<BulkChunk>): Promise<Stored<BulkChunk>>;
  /** Replaces the job unless it changed since read; a done job leaves running(). */
  updateJob(tenantId: string, job: Stored<BulkJob>): Promise<Stored<BulkJob>>;
  /** Ids of the jobs not done (one small partition read). */
  running(tenantId: string): Promise<string[]>;
}
