/**
 * Collections: named saved filters over the inventory (the seed's "collections of mobile
 * devices"), the built-in ones and those administrators save. A collection's devices are
 * GET /api/devices with its filter, paged the same way.
 */
import { AppError, NotFoundError } from '../../errors';
import type { Clock } from '../../clock';
import type { InventoryQuery } from '../../domain/inventory-query';
import type { InventoryFeature } from '../inventory/compose';
import type { InventoryPage } from '../inventory/query';
import type { SortOrder } from '../inventory/sorted';

export interface Collection {
  name: string;
  description: string;
  filter: InventoryQuery;
  builtIn: boolean;
  updatedAt?: string;
  updatedBy?: string;
}

export interface CollectionStore {
  get(tenantId: string, name: string): Promise<Collection | null>;
  list(tenantId: string): Promise<Collection[]>;
  put(tenantId: string, c: Collection): Promise<void>;
  /** False when there was none. */
  remove(tenantId: string, name: string): Promise<boolean>;
}

/** Built in, never changed or deleted. */
export const BUILT_IN: readonly Collection[] = [
  { name: 'all-mobile-devices', description: 'Every device syncing mail (removed partnerships left out)', filter: {}, builtIn: true },
  { name: 'ios', description: 'Devices reporting iOS (or iPadOS as iOS)', filter: { os: 'iOS' }, builtIn: true },
  { name: 'android', description: 'Devices reporting Android', filter: { os: 'Android' }, builtIn: true },
  { name: 'windows', description: 'Devices reporting Windows', filter: { os: 'Windows' }, builtIn: true },
  { name: 'blocked', description: 'Devices Exchange blocks', filter: { accessState: 'Blocked' }, builtIn: true },
  { name: 'quarantined', description: 'Devices Exchange holds in quarantine', filter: { accessState: 'Quarantined' }, builtIn: true },
  { name: 'stale', description: 'Last successful sync older than STALE_AFTER_DAYS (unknown sync times never are)', filter: { stale: true }, builtIn: true },
  { name: 'wipe-pending', description: 'A wipe Exchange holds that the device has not acknowledged', filter: { wipeState: 'pending' }, builtIn: true },
  { name: 'recently-wiped', description: 'The device acknowledged a wipe in the last 30 days', filter: { wipedWithinDays: 30 }, builtIn: true },
  { name: 'policy-not-applied', description: 'The mailbox policy is not applied in full (DevicePolicyApplicationStatus other than AppliedInFull)', filter: { policyAppliedInFull: false }, builtIn: true },
  { name: 'below-activesync-16-1', description: 'Native-mail devices below ActiveSync 16.1 (before a platform change; account-only wipe needs 16.1)', filter: { activeSyncVersionBelow: '16.1' }, builtIn: true },
  { name: 'statistics-unavailable', description: 'Exchange could not give their statistics at the last sync', filter: { statisticsUnavailable: true }, builtIn: true },
];

export class BuiltInCollectionError extends AppError {
  constructor(name: string) {
    super('BuiltInCollection', `"${name}" is a built-in collection: it cannot be changed or deleted (save a copy under another name)`, 409, { collection: name });
  }
}

export interface CollectionsDeps {
  tenantId: string;
  store: CollectionStore;
  inventory: InventoryFeature;
  clock: Clock;
}

const builtIn = (name: string) => BUILT_IN.find((c) => c.name === name);

export interface CollectionsFeature {
  list(): Promise<Collection[]>;
  get(name: string): Promise<Collection>;
  put(by: string, name: string, c: { description: string; filter: InventoryQuery }): Promise<{ collection: Collection; created: boolean }>;
  remove(name: string): Promise<void>;
  devices(name: string, o: { top: number; continuation?: string; orderBy?: SortOrder }): Promise<InventoryPage>;
}

export function composeCollections(deps: CollectionsDeps): CollectionsFeature {
  const get = async (name: string) => {
    const c = builtIn(name) ?? (await deps.store.get(deps.tenantId, name));
    if (!c) throw new NotFoundError(`No collection "${name}" (GET /api/collections lists them)`, { collection: name });
    return c;
  };
  return {
    list: async () => [...BUILT_IN, ...(await deps.store.list(deps.tenantId))],
    get,
    async put(by, name, c) {
      if (builtIn(name)) throw new BuiltInCollectionError(name);
      const created = !(await deps.store.get(deps.tenantId, name));
      const collection: Collection = { name, description: c.description, filter: c.filter, builtIn: false, updatedAt: new Date(deps.clock.now()).toISOString(), updatedBy: by };
      await deps.store.put(deps.tenantId, collection);
      return { collection, created };
    },
    async remove(name) {
      if (builtIn(name)) throw new BuiltInCollectionError(name);
      if (!(await deps.store.remove(deps.tenantId, name))) throw new NotFoundError(`No collection "${name}"`, { collection: name });
    },
    devices: async (name, o) => deps.inventory.query((await get(name)).filter, o),
  };
}
