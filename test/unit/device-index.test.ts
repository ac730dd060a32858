/**
 * The secondary indexes' membership (lib/domain/device-index.ts) against the filters
 * (every device a query matches is a member of the index the query reads), and the
 * batch planner keeping a record with its entries in one transaction.
 */
import { indexesOf, indexForQuery } from '../../lib/domain/device-index';
import { MATCH_FIELDS, matchesQuery, type InventoryQuery } from '../../lib/domain/inventory-query';
import { planTransactions, type EntityWrite } from '../../lib/storage/batch';
import { deviceRecord } from '../integration/storage-fixtures';
import type { DeviceRecord } from '../../lib/domain/device';

const NOW = new Date('2024-07-01T00:00:00.000Z');

/** Records over every value the indexed fields take (a small deterministic grid). */
function grid(): DeviceRecord[] {
  const out: DeviceRecord[] = [];
  let i = 0;
  for (const accessState of ['Allowed', 'Blocked', 'Quarantined', 'DeviceDiscovery', null])
    for (const activeSyncVersion of ['16.1', '16.0', '14.1', '2.5', null, 'n/a'])
      for (const wipe of ['none', 'pending', 'acked', 'old-ack', 'account-only'])
        for (const removed of [false, true]) {
          i++;
          out.push(
            deviceRecord({
              accessState,
              activeSyncVersion,
              removed,
              statisticsUnavailable: i % 7 === 0 ? 'Throttled' : null,
              wipeRequestTime: wipe === 'pending' || wipe === 'acked' || wipe === 'old-ack' ? '2024-06-20T00:00:00.000Z' : null,
              wipeAckTime: wipe === 'acked' ? '2024-06-21T00:00:00.000Z' : wipe === 'old-ack' ? '2024-01-01T00:00:00.000Z' : null,
              accountOnlyWipeRequestTime: wipe === 'account-only' ? '2024-06-25T00:00:00.000Z' : null,
              accountOnlyWipeAckTime: wipe === 'account-only' ? '2024-06-26T00:00:00.000Z' : null,
            }),
          );
        }
  return out;
}

describe('secondary index membership', () => {
  test('When a query reads an index, then every record it matches is a member of that index', () => {
    const queries: InventoryQuery[] = [
      { accessState: 'Blocked' },
      { accessState: 'quarantined' },
      { accessState: 'DeviceDiscovery', deviceType: 'iPhone' },
      { wipeState: 'pending' },
      { wipeState: 'acknowledged' },
      { wipedWithinDays: 30 },
      { wipedWithinDays: 400 },
      { statisticsUnavailable: true },
      { activeSyncVersionBelow: '16.1' },
      { activeSyncVersionBelow: '15' },
      { removed: true },
      { removed: true, accessState: 'Blocked' },
    ];
    const records = grid();
    for (const q of queries) {
      const index = indexForQuery(q);
      expect({ q, index: typeof index }).toEqual({ q, index: 'string' });
      const matching = records.filter((r) => matchesQuery(r, q, NOW, 30));
      expect({ q, some: matching.length > 0 }).toEqual({ q, some: true });
      for (const r of matching) expect({ q, member: indexesOf(r).includes(index!) }).toEqual({ q, member: true });
    }
  });

  test('When a record is removed, then it is only in the removed index; an allowed one on 16.1 is in none', () => {
    expect(indexesOf(deviceRecord({ removed: true, accessState: 'Blocked', activeSyncVersion: '14.1' }))).toEqual(['removed']);
    expect(indexesOf(deviceRecord())).toEqual([]);
    expect(indexesOf(deviceRecord({ accessState: 'Quarantined', activeSyncVersion: '14.1', statisticsUnavailable: 'Throttled' }))).toEqual(['access-quarantined', 'stats-unavailable', 'activesync-below-16.1']);
  });

  test('When a filter would match most devices or a value no index holds, then the listing scans', () => {
    for (const q of [{}, { accessState: 'Allowed' }, { accessState: 'Device Discovery' }, { wipeState: 'none' }, { statisticsUnavailable: false }, { activeSyncVersionBelow: '16.2' }, { policyAppliedInFull: false }, { os: 'iOS' }] as InventoryQuery[]) {
      expect({ q, index: indexForQuery(q) }).toEqual({ q, index: null });
    }
  });
});

describe('transactions of write groups', () => {
  const w = (rowKey: string, group?: string, pk = 'p'): EntityWrite => ({ op: 'upsert', mode: 'Replace', entity: { partitionKey: pk, rowKey }, ...(group ? { group } : {}) });

  test('When records come with their entries, then no group is split across transactions', () => {
    const writes: EntityWrite[] = [];
    for (let i = 0; i < 60; i++) writes.push(w(`d${i}`), w(`~a~d${i}`, `d${i}`), w(`~b~d${i}`, `d${i}`));
    const plan = planTransactions(writes);
    expect(plan.map((c) => c.writes.length)).toEqual([99, 81]);
    for (const chunk of plan) {
      const devices = new Set(chunk.writes.filter((x) => !x.entity.rowKey.startsWith('~')).map((x) => x.entity.rowKey));
      for (const x of chunk.writes) expect(devices.has(x.group ?? x.entity.rowKey)).toBe(true);
    }
  });

  test('When a record is written twice in one call, then its later group replaces the earlier one whole', () => {
    const plan = planTransactions([w('d1'), w('~a~d1', 'd1'), w('d2'), w('d1'), w('~b~d1', 'd1')]);
    expect(plan).toHaveLength(1);
    expect(plan[0]!.writes.map((x) => x.entity.rowKey)).toEqual(['d2', 'd1', '~b~d1']);
  });

  test('When a group is larger than a transaction, then planning refuses it', () => {
    expect(() => planTransactions(Array.from({ length: 101 }, (_, i) => w(`r${i}`, 'g')))).toThrow(/does not fit one transaction/);
  });
});

test('When a query is matched on a projection of MATCH_FIELDS, then it matches exactly as on the whole record (the sorted listing scans one)', () => {
  const queries: InventoryQuery[] = [
    { user: 'user' }, { deviceType: 'iphone' }, { model: 'iPhone15,2' }, { os: 'iOS 17' }, { clientType: 'EAS' }, { accessState: 'Blocked' }, { stale: true }, { stale: false },
    { removed: true }, { wipeState: 'pending' }, { wipeState: 'none' }, { lastSyncBefore: '2024-06-01T00:00:00Z' }, { lastSyncAfter: '2024-06-01T00:00:00Z' }, { name: 'user' },
    { policy: 'default' }, { statisticsUnavailable: true }, { wipedWithinDays: 30 }, { policyAppliedInFull: false }, { activeSyncVersionBelow: '16.1' }, { activeSyncVersionAtLeast: '16.0' },
  ];
  const records = grid().map((r, i) => ({ ...r, lastSuccessSync: i % 3 ? `2024-0${(i % 6) + 1}-15T00:00:00.000Z` : null, devicePolicyApplicationStatus: i % 4 ? 'AppliedInFull' : 'PartiallyApplied' }));
  for (const r of records) {
    const projection = Object.fromEntries(Object.keys(r).map((k) => [k, (MATCH_FIELDS as readonly string[]).includes(k) ? r[k as keyof DeviceRecord] : null])) as unknown as DeviceRecord;
    for (const q of queries) expect({ q, m: matchesQuery(projection, q, NOW, 30) }).toEqual({ q, m: matchesQuery(r, q, NOW, 30) });
  }
});
