import type { ManagedPolicy, DriftEntry } from '../../lib/app/policies/ports';
import { heldAsDesired, policyComplianceReport } from '../../lib/app/reports/policy-compliance';

const policy = (o: Partial<ManagedPolicy> = {}): ManagedPolicy => ({ name: 'Sales Phones', groups: {}, createdAt: '2026-11-01T00:00:00.000Z', createdBy: 'a', updatedAt: '2026-11-01T00:00:00.000Z', updatedBy: 'a', lastApplied: null, drift: [], lastReconciledAt: null, ...o });
const drift = (foundAt: string, repairedAt: string | null): DriftEntry => ({ group: 'password', key: 'minPasswordLength', parameter: 'MinPasswordLength', desired: 8, found: 4, foundAt, repairedAt, requestId: null });
const done = (at: string) => ({ at, requestId: 'r', outcome: 'done' as const });

describe('whether Exchange holds a managed policy as desired', () => {
  test('When nothing was written or checked yet, then it is unknown', () => {
    expect(heldAsDesired(policy())).toEqual({ asDesired: null, checkedAt: null });
  });

  test('When the last write was done or the last reconcile found nothing, then it is held as desired since then', () => {
    expect(heldAsDesired(policy({ lastApplied: done('2026-11-02T00:00:00.000Z') }))).toEqual({ asDesired: true, checkedAt: '2026-11-02T00:00:00.000Z' });
    expect(heldAsDesired(policy({ lastApplied: done('2026-11-02T00:00:00.000Z'), lastReconciledAt: '2026-11-03T00:00:00.000Z' }))).toEqual({ asDesired: true, checkedAt: '2026-11-03T00:00:00.000Z' });
  });

  test('When the last reconcile found drift it could not repair, or the last write was refused, then it is not held as desired', () => {
    const found = '2026-11-04T00:00:00.000Z';
    expect(heldAsDesired(policy({ lastApplied: done('2026-11-02T00:00:00.000Z'), drift: [drift(found, null)], lastReconciledAt: found }))).toEqual({ asDesired: false, checkedAt: found });
    expect(heldAsDesired(policy({ lastApplied: { at: '2026-11-05T00:00:00.000Z', requestId: null, outcome: 'refused' }, drift: [drift(found, null)], lastReconciledAt: found }))).toEqual({ asDesired: false, checkedAt: '2026-11-05T00:00:00.000Z' });
  });

  test('When drift was repaired, or a later reconcile found none, then it is held as desired again', () => {
    const found = '2026-11-04T00:00:00.000Z';
    expect(heldAsDesired(policy({ lastApplied: done('2026-11-04T00:00:01.000Z'), drift: [drift(found, '2026-11-04T00:00:01.000Z')], lastReconciledAt: found }))).toEqual({ asDesired: true, checkedAt: '2026-11-04T00:00:01.000Z' });
    expect(heldAsDesired(policy({ drift: [drift(found, null)], lastReconciledAt: '2026-11-05T00:00:00.000Z' }))).toEqual({ asDesired: true, checkedAt: '2026-11-05T00:00:00.000Z' });
  });
});

describe('the policy-compliance report', () => {
  test('When device policies are matched to managed ones, then names match without case, other policies are not managed, and each managed policy counts its devices', () => {
    const saved = {
      runId: 'full-1', generatedAt: '2026-11-06T00:00:00.000Z', total: 10, dimensions: {} as never, other: {} as never, exactOs: [],
      policyCompliance: { rows: [{ policy: 'Default', status: 'AppliedInFull', count: 5 }, { policy: 'sales phones', status: 'AppliedInFull', count: 3 }, { policy: 'Sales Phones', status: 'NotApplied', count: 1 }, { policy: null, status: null, count: 1 }], other: 0 },
    };
    const r = policyComplianceReport(saved, [policy({ lastApplied: done('2026-11-02T00:00:00.000Z') }), policy({ name: 'Unused' })]);
    expect(r.rows).toEqual([
      { policy: 'Default', status: 'AppliedInFull', count: 5, managed: false, asDesired: null, checkedAt: null },
      { policy: 'sales phones', status: 'AppliedInFull', count: 3, managed: true, asDesired: true, checkedAt: '2026-11-02T00:00:00.000Z' },
      { policy: 'Sales Phones', status: 'NotApplied', count: 1, managed: true, asDesired: true, checkedAt: '2026-11-02T00:00:00.000Z' },
      { policy: null, status: null, count: 1, managed: false, asDesired: null, checkedAt: null },
    ]);
    expect(r.managedPolicies).toEqual([
      { name: 'Sales Phones', asDesired: true, checkedAt: '2026-11-02T00:00:00.000Z', devices: 4 },
      { name: 'Unused', asDesired: null, checkedAt: null, devices: 0 },
    ]);
    expect(r).toMatchObject({ report: 'policy-compliance', runId: 'full-1', total: 10 });
    expect(r.other).toBeUndefined();
  });
});
