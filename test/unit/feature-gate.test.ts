import { createFeatureGate, FeatureUnavailableError } from '../../lib/app/features/gate';
import type { ConnectorStatus } from '../../lib/domain/connector-status';
import { FakeClock } from '../support/fake-clock';

const status = (missing: string[]): ConnectorStatus => ({
  state: 'installed',
  messageId: 1015,
  missingCmdlets: missing,
  features: [{ feature: 'deviceActions', state: missing.length ? 'unavailable' : 'available', missingCmdlets: missing }],
  checkedAt: '2026-01-01T00:00:00.000Z',
  nextCheckAt: '2026-01-01T01:00:00.000Z',
  detail: '',
});

function gate(read: () => Promise<ConnectorStatus | null>) {
  const clock = new FakeClock();
  let reads = 0;
  const g = createFeatureGate({ tenantId: 't', clock, ttlMs: 1000, status: { getStatus: async () => { reads++; const s = await read(); return s && { status: s }; } } });
  return { g, clock, reads: () => reads };
}

test('When the feature is unavailable, then only a route using a missing cmdlet is refused, naming the cmdlets it lacks', async () => {
  const { g } = gate(async () => status(['Clear-MobileDevice']));
  await expect(g.require({ feature: 'deviceActions', cmdlets: ['Clear-MobileDevice'] })).rejects.toMatchObject({ code: 'FeatureUnavailable', status: 503, details: { missingCmdlets: ['Clear-MobileDevice'] } });
  await expect(g.require({ feature: 'deviceActions', cmdlets: ['Set-CASMailbox'] })).resolves.toBeUndefined();
  await expect(g.require({ feature: 'accessRules', cmdlets: ['Clear-MobileDevice'] })).resolves.toBeUndefined();
});

test('When no install check has run yet, then nothing is refused (Exchange answers)', async () => {
  const { g } = gate(async () => null);
  await expect(g.require({ feature: 'deviceActions', cmdlets: ['Clear-MobileDevice'] })).resolves.toBeUndefined();
});

test('When requests come within the cache time, then the status is read once; after it, again, and a newer check that found the role lets the route through', async () => {
  let current = status(['Clear-MobileDevice']);
  const { g, clock, reads } = gate(async () => current);
  const need = { feature: 'deviceActions', cmdlets: ['Clear-MobileDevice'] };
  await expect(g.require(need)).rejects.toBeInstanceOf(FeatureUnavailableError);
  await expect(g.require(need)).rejects.toBeInstanceOf(FeatureUnavailableError);
  expect(reads()).toBe(1);
  current = status([]);
  await clock.advance(1000);
  await expect(g.require(need)).resolves.toBeUndefined();
  expect(reads()).toBe(2);
});

test('When reading the status fails, then that request fails and the next one reads again', async () => {
  let fail = true;
  const { g, reads } = gate(async () => { if (fail) throw new Error('storage down'); return status([]); });
  await expect(g.require({ feature: 'deviceActions', cmdlets: ['Clear-MobileDevice'] })).rejects.toThrow('storage down');
  fail = false;
  await expect(g.require({ feature: 'deviceActions', cmdlets: ['Clear-MobileDevice'] })).resolves.toBeUndefined();
  expect(reads()).toBe(2);
});
