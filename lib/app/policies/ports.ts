/**
 * What the mailbox-policy use cases need from outside: the desired state (Table Storage,
 * ETag-guarded), Exchange's policies, and the audit. The use cases never see a table, a
 * cmdlet's wire form or an ETag header.
 */
import type { Clock } from '../../clock';
import type { Logger } from '../../log';
import type { AuditLog, CallReceipt } from '../actions/ports';
import type { DesiredGroups, PolicyValue } from '../../domain/policy';

/** One difference between the desired and the found value, and its repair. */
export interface DriftEntry {
  group: string | null;
  key: string;
  parameter: string;
  desired: PolicyValue;
  found: unknown;
  foundAt: string;
  repairedAt: string | null;
  /** Exchange's request id of the repair. */
  requestId: string | null;
}

/** A mailbox policy the connector manages: only the groups given here are ever written. */
export interface ManagedPolicy {
  name: string;
  groups: DesiredGroups;
  /** Managed on its own (the seed's "Allow external mobile device management"); absent: left alone. */
  allowExternalDeviceManagement?: boolean;
  /** true: this policy is the default (Exchange clears the flag on the others). */
  isDefault?: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  /** The last write to Exchange and its outcome. */
  lastApplied: { at: string; requestId: string | null; outcome: 'done' | 'refused' | 'outcomeUnknown'; detail?: string } | null;
  /** Drift found by the reconcile, newest first (the 50 most recent). */
  drift: DriftEntry[];
  lastReconciledAt: string | null;
}

export type StoredPolicy = ManagedPolicy & { version: string };

export interface PolicyStore {
  get(tenantId: string, name: string): Promise<StoredPolicy | null>;
  list(tenantId: string): Promise<StoredPolicy[]>;
  /** Creates (fails with ConcurrencyConflictError when it exists). */
  create(tenantId: string, p: ManagedPolicy): Promise<StoredPolicy>;
  /** Replaces unless it changed since read (ConcurrencyConflictError). */
  update(tenantId: string, p: StoredPolicy): Promise<StoredPolicy>;
  /** Removes unless it changed since read. */
  remove(tenantId: string, p: StoredPolicy): Promise<void>;
}

/** A policy as Exchange shows it: its name, default flag and every parameter as read (display forms). */
export interface FoundPolicy {
  name: string;
  isDefault: boolean;
  values: Record<string, unknown>;
}

export interface PolicyExchange {
  list(): Promise<FoundPolicy[]>;
  get(name: string): Promise<FoundPolicy | null>;
  create(name: string, parameters: Record<string, unknown>): Promise<CallReceipt>;
  set(name: string, parameters: Record<string, unknown>): Promise<CallReceipt>;
  remove(name: string): Promise<CallReceipt>;
  /** Set-CASMailbox -ActiveSyncMailboxPolicy (null: back to the default policy). */
  assign(mailbox: string, policy: string | null): Promise<CallReceipt>;
}

export interface PolicyDeps {
  tenantId: string;
  store: PolicyStore;
  exchange: PolicyExchange;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}
