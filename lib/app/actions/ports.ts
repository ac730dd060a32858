/**
 * What the device-action use cases need from outside. The table storage adapter
 * (lib/storage/action-repository.ts) and the Exchange adapter (lib/exo/device-actions.ts)
 * implement these; the use cases never see a table, a cmdlet or an ETag header.
 */
import { AppError } from '../../errors';
import type { AuditEntry } from '../../domain/audit';
import type { ListingFacts, StatisticsFacts } from '../../domain/device';
import type { ActionEvent, ActionKind, ActionState, WipeMode } from '../../domain/device-action';
import type { InventoryQuery } from '../../domain/inventory-query';
import type { Logger } from '../../log';
import type { Clock } from '../../clock';
import type { BulkStore } from './bulk-ports';

/** One Exchange call an action made: what the audit and the action's history show. */
export interface ExchangeCall {
  cmdlet: string;
  at: string;
  /** Exchange's request id, when it answered. */
  requestId: string | null;
  outcome: 'done' | 'refused' | 'outcomeUnknown';
  /** Exchange's own words when it refused. */
  detail?: string;
  /** The refusal's code (e.g. PermissionMissing: the connector lacks the role for the cmdlet). */
  exchangeCode?: string;
}

export interface Approval {
  /** Why a second person must approve (e.g. "the 6th wipe within an hour; the limit is 5"). */
  requiredBecause: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  decision?: 'approved' | 'rejected';
}

export interface DeviceAction {
  tenantId: string;
  /** Time-ordered and unique: `<inverted-free ISO-sortable time>-<random>`. */
  actionId: string;
  deviceGuid: string;
  kind: ActionKind;
  /** Wipes only. */
  mode: WipeMode | null;
  state: ActionState;
  requestedBy: string;
  requestedAt: string;
  reason: string | null;
  /** Wipes: addresses Exchange mails when the wipe completes. */
  notify: string[];
  /** Wipes: remove the partnership once the device acknowledged (ends wipe loops). */
  removeAfterAcknowledged: boolean;
  /**
   * The device as the inventory knew it when asked: mailbox Name, DeviceId, name, and the
   * mailbox identity Exchange calls use (the UPN when known: it also routes the call to the
   * mailbox's server through X-AnchorMailbox; else the Name).
   */
  device: { mailbox: string; deviceId: string; name: string; userUpn: string | null; mailboxIdentity: string };
  /** When the state-changing Exchange call was sent (or about to be). */
  submittedAt: string | null;
  approval: Approval | null;
  /** Part of a bulk request. */
  bulkId: string | null;
  exchange: ExchangeCall[];
  history: ActionEvent[];
  updatedAt: string;
}

/** An action as read from the store: `version` guards the next update (an ETag). */
export interface StoredAction extends DeviceAction {
  version: string;
}

export type BeginResult = { begun: true; action: StoredAction } | { begun: false; holder: StoredAction };

export interface ActionStore {
  /**
   * Writes a new action. For a wipe it first claims the device's wipe slot: at most one
   * open wipe per device, so of two concurrent wipe requests exactly one is begun and the
   * other is told who holds the slot. Other kinds never claim it.
   */
  begin(action: DeviceAction): Promise<BeginResult>;
  /** Replaces the action unless it changed since read (then ConcurrencyConflictError). Frees the wipe slot when the action ends. */
  update(action: StoredAction): Promise<StoredAction>;
  get(tenantId: string, actionId: string): Promise<StoredAction | null>;
  /** The device's actions, newest first. */
  forDevice(tenantId: string, deviceGuid: string, o?: { limit?: number }): Promise<StoredAction[]>;
  /** The device's open wipe (the slot's holder), if any. */
  openWipe(tenantId: string, deviceGuid: string): Promise<StoredAction | null>;
  /** Every action not final yet (the follow-up's work list); one partition read. */
  open(tenantId: string): Promise<StoredAction[]>;
  /** Wipes requested since `since` (approval threshold). */
  wipesSince(tenantId: string, since: string): Promise<number>;
}

export class ConcurrencyConflictError extends AppError {
  constructor(what: string) {
    super('ConcurrencyConflict', `${what} changed while it was being updated; read it again`, 409);
  }
}

/** A stored answer of a request made with an Idempotency-Key. */
export interface IdempotentAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type IdempotencyClaim =
  | { state: 'new' }
  | { state: 'answered'; bodyHash: string; answer: IdempotentAnswer }
  | { state: 'inProgress'; bodyHash: string };

export interface IdempotencyStore {
  /** Claims `key` for a request with `bodyHash`, or tells what the first request with it did. */
  claim(tenantId: string, key: string, bodyHash: string, at: string): Promise<IdempotencyClaim>;
  /** The first request's answer, returned to every retry. */
  answer(tenantId: string, key: string, answer: IdempotentAnswer): Promise<void>;
  /** Frees a claim whose request failed before Exchange was called (a retry may run afresh). */
  release(tenantId: string, key: string): Promise<void>;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<unknown>;
  /** Many entries in few writes (a bulk's per-device results). */
  appendMany(entries: readonly AuditEntry[]): Promise<void>;
}

/** The inventory's record of a device, as the actions need it. */
export interface InventoryDevice extends ListingFacts, StatisticsFacts {
  name: string;
  userUpn: string | null;
  userPrimarySmtp: string | null;
  userDisplayName: string | null;
  removed: boolean;
  removedAt?: string | null;
}

export interface DeviceInventory {
  get(tenantId: string, deviceGuid: string): Promise<InventoryDevice | null>;
  getMany(tenantId: string, deviceGuids: readonly string[]): Promise<Map<string, InventoryDevice>>;
  /** Every record's fields a bulk chooses by and acts on, removed ones left out (a projection of the table). */
  listForBulk(tenantId: string, o?: { includeRemoved?: boolean }): AsyncIterable<BulkDevice>;
  /** Every device matching the inventory's filters (lib/app/inventory/query.ts selectMatching: through a secondary index where they have one). */
  selectForBulk(tenantId: string, q: InventoryQuery): AsyncIterable<BulkDevice>;
  /** After Remove-MobileDevice succeeded: the record shows removed at once (a sync would too). */
  markRemoved(tenantId: string, deviceGuid: string, at: string): Promise<void>;
}

/** What a bulk action reads of each device: enough to filter, answer a dry run and call Exchange. */
export const BULK_FIELDS = ['deviceGuid', 'deviceId', 'mailbox', 'name', 'userUpn', 'userPrimarySmtp', 'userDisplayName', 'deviceType', 'deviceModel', 'deviceOs', 'clientType', 'accessState', 'lastSuccessSync', 'removed'] as const;
export type BulkDevice = Pick<InventoryDevice, (typeof BULK_FIELDS)[number]>;

/** A state-changing call Exchange refused: nothing changed there. */
export class ExchangeRefusedError extends AppError {
  constructor(readonly cmdlet: string, message: string, readonly requestId: string | null, readonly exchangeCode: string) {
    super('ExchangeRefused', `Exchange refused ${cmdlet}: ${message}`, 502, { cmdlet, requestId, exchangeCode });
  }
}

/** A state-changing call whose outcome is unknown (sent, no answer): never sent again. */
export class ExchangeOutcomeUnknownError extends AppError {
  constructor(readonly cmdlet: string, message: string) {
    super('ExchangeOutcomeUnknown', `The outcome of ${cmdlet} is unknown: ${message}`, 502, { cmdlet });
  }
}

export interface CallReceipt {
  requestId: string | null;
}

export interface DeviceExchange {
  wipe(device: { guid: string }, o: { accountOnly: boolean; notify: string[] }): Promise<CallReceipt>;
  cancelWipe(device: { guid: string }): Promise<CallReceipt>;
  remove(device: { guid: string }): Promise<CallReceipt>;
  /** One Set-CASMailbox for one mailbox: DeviceIds added to and removed from its allowed and blocked lists. */
  setDeviceLists(mailbox: string, change: { allowed?: { add?: string[]; remove?: string[] }; blocked?: { add?: string[]; remove?: string[] } }): Promise<CallReceipt>;
  /** The mailbox's allowed and blocked DeviceIds (Get-CASMailbox), to settle a list change of unknown outcome. */
  deviceLists(mailbox: string): Promise<{ allowed: string[]; blocked: string[] }>;
  /** Statistics of every partnership of one mailbox, by lower-cased Guid (one call for many actions). */
  mailboxNow(mailbox: string): Promise<Map<string, StatisticsFacts>>;
}

export interface ActionSettings {
  /** More wipes than this within an hour (per tenant) wait for a second person (default 5). */
  wipesPerHourBeforeApproval: number;
  /** How long a request waits for approval (default 24 h). */
  approvalTtlMs: number;
  /** A pending wipe with no device contact for this long ends noContact (default 14). */
  noContactAfterDays: number;
  /** The inventory's stale rule (bulk filter `stale`). */
  staleAfterDays: number;
  /** A bulk still running after this long answers 202 and the follow-up carries it on (default 60 s). */
  bulkAnswerWithinMs: number;
}

export interface ActionDeps {
  tenantId: string;
  actions: ActionStore;
  bulks: BulkStore;
  idempotency: IdempotencyStore;
  audit: AuditLog;
  inventory: DeviceInventory;
  /** A bulk by collection reads its filter here (lib/app/collections: NotFound when there is no such collection). */
  collections: CollectionFilters;
  exchange: DeviceExchange;
  settings: ActionSettings;
  clock: Clock;
  log: Logger;
}

export interface CollectionFilters {
  get(name: string): Promise<{ filter: InventoryQuery }>;
}
