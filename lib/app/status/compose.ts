/** The status feature, composed from the storage adapters: what GET /api/status answers. */
import { SYNC_LEASE } from '../../domain/lease';
import type { Storage } from '../../storage';
import { connectorStatus, type StatusReport } from './status';

export interface StatusFeature {
  report(): Promise<StatusReport>;
}

export function composeStatus(a: { tenantId: string; storage: Pick<Storage, 'state' | 'runs' | 'devices'>; now?: () => Date }): StatusFeature {
  const { storage } = a;
  return {
    report: () =>
      connectorStatus({
        tenantId: a.tenantId,
        getStatus: (t) => storage.state.getStatus(t),
        latestRuns: (t, n) => storage.runs.latest(t, n),
        countDevices: (t, o) => storage.devices.count(t, o),
        getLease: (t) => storage.state.getLease(t, SYNC_LEASE),
        now: a.now,
      }),
  };
}
