import { randomBytes, randomUUID } from 'node:crypto';
import type { DeviceRecord } from '../../lib/domain/device';
import { bucketOf } from '../../lib/storage';

export const TENANT = 'contoso.onmicrosoft.com';

/** A unique table prefix per test, so tests sharing one Azurite never see each other. */
export const prefix = () => `t${randomBytes(5).toString('hex')}`;

export function deviceRecord(overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  const guid = overrides.deviceGuid ?? randomUUID();
  const user = `user${guid.slice(0, 6)}`;
  return {
    tenantId: TENANT,
    deviceGuid: guid,
    deviceId: `DEV${guid.slice(0, 8).toUpperCase()}`,
    activeSyncVersion: '16.1',
    identity: `${user}\\ExchangeActiveSyncDevices\\iPhone§${guid.slice(0, 8)}`,
    mailbox: user,
    name: `${user}_iPhone`,
    userUpn: `${user}@contoso.com`,
    userDisplayName: `User ${guid.slice(0, 6)}`,
    userPrimarySmtp: null,
    deviceType: 'iPhone',
    deviceModel: 'iPhone15,2',
    deviceOs: 'iOS 17.1',
    deviceUserAgent: 'Apple-iPhone15C2/2101.1',
    friendlyName: null,
    clientType: 'EAS',
    deviceImei: null,
    deviceMobileOperator: null,
    accessState: 'Allowed',
    accessStateReason: 'Global',
    accessControlRule: null,
    firstSyncTime: '2024-01-01T00:00:00.000Z',
    whenChanged: '2024-01-02T00:00:00.000Z',
    whenCreated: '2024-01-01T00:00:00.000Z',
    lastSuccessSync: null,
    lastSyncAttemptTime: null,
    lastPolicyUpdateTime: null,
    devicePolicyApplied: 'Default',
    devicePolicyApplicationStatus: 'AppliedInFull',
    status: 'DeviceOk',
    wipeRequestTime: null,
    wipeSentTime: null,
    wipeAckTime: null,
    accountOnlyWipeRequestTime: null,
    accountOnlyWipeSentTime: null,
    accountOnlyWipeAckTime: null,
    lastWipeRequestor: null,
    isRemoteWipeSupported: true,
    statisticsUnavailable: null,
    isManaged: false,
    isCompliant: null,
    isDisabled: true,
    stale: false,
    firstSeen: '2024-06-01T00:00:00.000Z',
    lastSeen: '2024-06-01T00:00:00.000Z',
    removed: false,
    removedAt: null,
    contentHash: `c-${guid}`,
    listingHash: `l-${guid}`,
    ...overrides,
  };
}

/** Random device guids that all fall into one bucket partition. */
export function guidsInBucket(n: number, bucket: string, bucketCount: number): string[] {
  const out: string[] = [];
  while (out.length < n) {
    const g = randomUUID();
    if (bucketOf(g, bucketCount) === bucket) out.push(g);
  }
  return out;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
