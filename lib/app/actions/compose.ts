/**
 * The device-action feature, composed from the runtime's adapters: the use cases bound
 * to their ports, and the follow-up under its own named tenant lease (`actionFollowUp`),
 * which never blocks a sync or another job's lease.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { NotFoundError, describeError } from '../../errors';
import { isFinal, wipeOnDevice } from '../../domain/device-action';
import type { Logger } from '../../log';
import type { Storage } from '../../storage';
import { selectMatching } from '../inventory/query';
import { takeLease } from '../lease/keeper';
import type { LeaseStore } from '../lease/ports';
import { removeDevice, setDeviceAccess, type ListAction } from './access';
import { bulkView, runBulk, type BulkAnswer, type BulkRequest } from './bulk';
import { followUpActions, type FollowUpReport } from './follow-up';
import { idempotent, type IdempotentRequest } from './idempotent';
import { createSyncWatcher, type SyncWatcher } from './sync-watch';
import { BULK_FIELDS, type ActionDeps, type CollectionFilters, type ActionSettings, type DeviceExchange, type IdempotentAnswer, type InventoryDevice, type StoredAction } from './ports';
import { continueBulk } from './bulk-job';
import { approveWipe, cancelWipe, deviceFor, rejectWipe, requestWipe, type Requester, type WipeRequest } from './wipe';

export const FOLLOW_UP_LEASE = 'actionFollowUp';
const FOLLOW_UP_LEASE_TTL_MS = 60_000;
/** A follow-up carries running bulks on for at most this long (the timer runs every 5 minutes). */
export const FOLLOW_UP_BULK_BUDGET_MS = 4 * 60_000;

export interface ActionsAdapters {
  tenantId: string;
  instanceId: string;
  log: Logger;
  clock: Clock;
  storage: Pick<Storage, 'actions' | 'bulks' | 'idempotency' | 'audit' | 'devices'>;
  leases: LeaseStore;
  exchange: DeviceExchange;
  settings: ActionSettings;
  collections: CollectionFilters;
}

export interface DeviceView {
  device: InventoryDevice;
  openActions: StoredAction[];
  /** The wipe Exchange holds for the device (by whoever asked), from the last statistics read. */
  wipe: ReturnType<typeof wipeOnDevice>;
}

export interface ActionsFeature {
  deps(log?: Logger): ActionDeps;
  device(guid: string): Promise<DeviceView>;
  history(guid: string): Promise<StoredAction[]>;
  action(id: string): Promise<StoredAction | null>;
  wipe(caller: Requester, r: WipeRequest, log?: Logger): Promise<StoredAction>;
  cancelWipe(caller: Requester, guid: string, log?: Logger): Promise<StoredAction>;
  approve(caller: Requester, actionId: string, log?: Logger): Promise<StoredAction>;
  /** One action, or with a bulk id every wipe of that bulk still waiting for approval. */
  approveAny(caller: Requester, id: string, log?: Logger): Promise<StoredAction | StoredAction[]>;
  reject(caller: Requester, actionId: string, reason: string | null, log?: Logger): Promise<StoredAction>;
  setAccess(caller: Requester, kind: ListAction, guid: string, log?: Logger): Promise<StoredAction>;
  remove(caller: Requester, guid: string, o: { force: boolean }, log?: Logger): Promise<StoredAction>;
  bulk(caller: Requester, r: BulkRequest, log?: Logger): Promise<BulkAnswer>;
  /** A bulk job as it stands (null: no such bulk). */
  bulkJob(id: string): Promise<BulkAnswer | null>;
  /** Runs `run` once per Idempotency-Key (the first answer is returned to retries). */
  idempotent(r: IdempotentRequest, run: () => Promise<IdempotentAnswer>): Promise<IdempotentAnswer>;
  /** What a sync tells the actions (its written records, its end). */
  syncWatcher: SyncWatcher;
  /** One follow-up pass; null when another instance holds the follow-up lease. */
  followUp(log?: Logger): Promise<FollowUpReport | null>;
}

export function composeActions(a: ActionsAdapters): ActionsFeature {
  const { storage } = a;
  const claimant = () => `${a.instanceId}#${randomBytes(3).toString('hex')}`;
  const deps = (log: Logger = a.log): ActionDeps => ({
    tenantId: a.tenantId,
    actions: storage.actions,
    bulks: storage.bulks,
    idempotency: storage.idempotency,
    audit: storage.audit,
    inventory: {
      get: (t, guid) => storage.devices.get(t, guid),
      getMany: (t, guids) => storage.devices.getMany(t, guids),
      listForBulk: (t, o) => storage.devices.listSelected(t, BULK_FIELDS, o),
      selectForBulk: (t, q) => selectMatching({ tenantId: t, devices: storage.devices, clock: a.clock, staleAfterDays: a.settings.staleAfterDays }, q, BULK_FIELDS),
      markRemoved: async (t, guid, at) => {
        await storage.devices.markRemoved(t, [guid], at);
      },
    },
    collections: a.collections,
    exchange: a.exchange,
    settings: a.settings,
    clock: a.clock,
    log,
  });
  return {
    deps,
    syncWatcher: createSyncWatcher(deps),
    async device(guid) {
      const d = deps();
      const device = await deviceFor(d, guid);
      const history = await d.actions.forDevice(a.tenantId, device.deviceGuid, { limit: 20 });
      return { device, openActions: history.filter((x) => !isFinal(x.state)), wipe: wipeOnDevice(device) };
    },
    history: async (guid) => {
      const d = deps();
      const device = await deviceFor(d, guid);
      return d.actions.forDevice(a.tenantId, device.deviceGuid);
    },
    action: (id) => storage.actions.get(a.tenantId, id),
    wipe: (caller, r, log) => requestWipe(deps(log), caller, r),
    cancelWipe: (caller, guid, log) => cancelWipe(deps(log), caller, guid),
    approve: (caller, id, log) => approveWipe(deps(log), caller, id),
    async approveAny(caller, id, log) {
      const d = deps(log);
      if (await storage.actions.get(a.tenantId, id)) return approveWipe(d, caller, id);
      const waiting = (await storage.actions.open(a.tenantId)).filter((x) => x.bulkId === id && x.state === 'awaitingApproval');
      if (waiting.length === 0) throw new NotFoundError(`No action ${id}, and no bulk ${id} with wipes awaiting approval`, { actionId: id });
      const out: StoredAction[] = [];
      for (const w of waiting) out.push(await approveWipe(d, caller, w.actionId));
      return out;
    },
    reject: (caller, id, reason, log) => rejectWipe(deps(log), caller, id, reason),
    setAccess: (caller, kind, guid, log) => setDeviceAccess(deps(log), caller, kind, guid),
    remove: (caller, guid, o, log) => removeDevice(deps(log), caller, guid, o),
    bulk: (caller, r, log) => runBulk(deps(log), caller, r, claimant()),
    async bulkJob(id) {
      const got = await storage.bulks.get(a.tenantId, id);
      return got && bulkView(got.job, got.chunks);
    },
    idempotent: (r, run) => idempotent(deps(), r, run),
    async followUp(log = a.log) {
      // Nothing open (the usual case): two small partition reads, no lease, no Exchange call.
      const [open, bulks] = await Promise.all([storage.actions.open(a.tenantId), storage.bulks.running(a.tenantId)]);
      if (open.length === 0 && bulks.length === 0) return { open: 0, changed: 0, mailboxesRead: 0, failures: 0, stillOpen: 0, bulks: 0, bulksRunning: 0 };
      const owner = claimant();
      const taken = await takeLease({ store: a.leases, tenantId: a.tenantId, name: FOLLOW_UP_LEASE, owner, ttlMs: FOLLOW_UP_LEASE_TTL_MS, log, clock: a.clock });
      if (!taken.acquired) {
        log.info(`Action follow-up skipped: instance ${taken.holder} holds its lease until ${taken.expiresAt}`);
        return null;
      }
      try {
        // Like the sync: an instance that lost the lease writes nothing more (each update checks it first).
        const d = deps(log);
        const keeper = taken.keeper;
        const guarded: ActionDeps = {
          ...d,
          actions: { ...d.actions, update: (x) => (keeper.check(), d.actions.update(x)) },
          bulks: { ...d.bulks, updateChunk: (t, id, c) => (keeper.check(), d.bulks.updateChunk(t, id, c)) },
        };
        const report = open.length ? await followUpActions(guarded) : { open: 0, changed: 0, mailboxesRead: 0, failures: 0, stillOpen: 0 };
        const deadline = a.clock.now() + FOLLOW_UP_BULK_BUDGET_MS;
        let bulksRunning = 0;
        for (const id of bulks) {
          try {
            const got = await continueBulk(guarded, id, { deadline, by: owner });
            if (got && got.job.state !== 'done') bulksRunning++;
          } catch (e) {
            report.failures++;
            bulksRunning++;
            log.warn(`Bulk ${id} could not be carried on; the next follow-up tries again`, { error: describeError(e) });
          }
        }
        return { ...report, bulks: bulks.length, bulksRunning };
      } finally {
        await taken.keeper.stop();
      }
    },
  };
}
