/**
 * The install check's decisions on a permission report, with a fake PermissionProbe and
 * an in-memory status store: no Exchange involved (the probe against the emulator is in
 * test/integration/install-check.test.ts).
 */
import { INSTALLED_MESSAGE_ID, runInstallCheck, type InstallCheckDeps, type PermissionReport, type StatusStore } from '../../lib/app/install-check';
import type { ConnectorStatus } from '../../lib/domain/connector-status';
import { memoryLogger } from '../support/memory-logger';

const available = (feature: string) => ({ feature, state: 'available' as const, missingCmdlets: [] });
const allAvailable: PermissionReport = { missing: [], features: ['sync', 'groupScope', 'deviceActions'].map(available) };

function memoryStatus(): StatusStore & { saved: ConnectorStatus[] } {
  let current: { status: ConnectorStatus; etag: string } | null = null;
  const saved: ConnectorStatus[] = [];
  return {
    saved,
    getStatus: async () => current,
    saveStatus: async (_tenant, status) => {
      saved.push(status);
      current = { status, etag: String(saved.length) };
      return { etag: current.etag };
    },
  };
}

function setUp(check: () => Promise<PermissionReport>, o: Partial<InstallCheckDeps> = {}) {
  const status = memoryStatus();
  const log = memoryLogger();
  let asked = 0;
  const deps: InstallCheckDeps = {
    tenantId: 't1',
    permissions: {
      check: () => {
        asked++;
        return check();
      },
    },
    status,
    log,
    now: () => new Date('2026-02-01T08:00:00Z'),
    ...o,
  };
  return { deps, status, log, asked: () => asked };
}

describe('install check decisions', () => {
  test('When the probe finds every feature available, then the connector is installed with 1015 and is not checked again', async () => {
    const { deps, status, asked } = setUp(async () => allAvailable);
    const s = await runInstallCheck(deps);
    expect(s).toMatchObject({ state: 'installed', messageId: INSTALLED_MESSAGE_ID, missingCmdlets: [], nextCheckAt: null });
    expect(status.saved.map((x) => x.state)).toEqual(['flaggedForInstallation', 'installed']);
    await runInstallCheck(deps);
    expect(asked()).toBe(1);
  });

  test('When the scope names groups and the probe finds groupScope unavailable, then the install fails naming the cmdlet', async () => {
    const report: PermissionReport = {
      missing: ['Get-UnifiedGroupLinks'],
      features: [available('sync'), { feature: 'groupScope', state: 'unavailable', missingCmdlets: ['Get-UnifiedGroupLinks'] }],
    };
    const { deps, log } = setUp(async () => report, { scope: { mode: 'groups', groups: ['Pilot'] } });
    const s = await runInstallCheck(deps);
    expect(s).toMatchObject({ state: 'failed', messageId: null, missingCmdlets: ['Get-UnifiedGroupLinks'], nextCheckAt: '2026-02-01T09:00:00.000Z' });
    expect(log.entries.map((e) => e.message)).toContain('Invoking cmdlet Get-UnifiedGroupLinks failed: the app is not allowed to run it');
  });

  test('When the probe cannot tell (Exchange throttles), then an installed connector stays installed with its last result and retries in an hour', async () => {
    let fail = false;
    const { deps } = setUp(async () => {
      if (fail) throw new Error('Exchange is throttling');
      return { missing: ['Set-CASMailbox'], features: [available('sync'), { feature: 'deviceActions', state: 'unavailable', missingCmdlets: ['Set-CASMailbox'] }] };
    });
    const first = await runInstallCheck(deps);
    fail = true;
    const s = await runInstallCheck(deps, { force: true });
    expect(s).toMatchObject({ state: 'installed', messageId: INSTALLED_MESSAGE_ID, missingCmdlets: ['Set-CASMailbox'], features: first.features, nextCheckAt: '2026-02-01T09:00:00.000Z' });
    expect(s.detail).toMatch(/^The permission check could not run/);
  });
});
