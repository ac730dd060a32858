/**
 * The install check against the emulator's role model: the cmdlets come from the feature
 * table (lib/exo/cmdlets/features.ts FEATURES) and the result is reported per feature, stored with
 * the connector status and shown by GET /api/status (the real trigger, called in process).
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import type { LocalStack } from '../../dev/local-stack';
import { runInstallCheck, setRuntime, type ExchangeInstallCheckDeps as InstallCheckDeps } from '../../lib/app/runtime';
import { INSTALLED_MESSAGE_ID } from '../../lib/app/install-check';
import { Roles } from '../../lib/http/caller';
import { memoryLogger } from '../support/memory-logger';
import { useStackFixture } from '../support/stack-fixture';
import { status as statusTrigger } from '../../functions/status-http';
import type { ConnectorStatus } from '../../lib/domain/connector-status';

const fx = useStackFixture({ stack: { seed: { devices: 20, mailboxes: 10, seed: 91 } } });
let stack: LocalStack;
beforeAll(() => {
  stack = fx.stack;
});

async function setUp(settings: Record<string, string> = {}) {
  const runtime = await fx.newRuntime(settings);
  const log = memoryLogger();
  const deps: InstallCheckDeps = { tenantId: stack.tenantId, appId: stack.clientId, exo: runtime.exo, status: runtime.storage.state, scope: runtime.config.scope, log };
  return { runtime, deps, log };
}

const featureOf = (s: ConnectorStatus, name: string) => s.features.find((f) => f.feature === name);

describe('install check per feature', () => {
  test('When Get-UnifiedGroupLinks is denied, then the connector is installed with 1015 and the group scope feature is unavailable naming it', async () => {
    const { deps, log } = await setUp();
    stack.emulator.control.denyCmdlets({ names: ['Get-UnifiedGroupLinks'] });
    const s = await runInstallCheck(deps);
    expect(s).toMatchObject({ state: 'installed', messageId: INSTALLED_MESSAGE_ID, missingCmdlets: ['Get-UnifiedGroupLinks'] });
    expect(featureOf(s, 'groupScope')).toEqual({ feature: 'groupScope', state: 'unavailable', missingCmdlets: ['Get-UnifiedGroupLinks'] });
    for (const f of ['sync', 'deviceActions', 'accessRules', 'organizationSettings', 'mailboxPolicies']) expect(featureOf(s, f)).toMatchObject({ state: 'available', missingCmdlets: [] });
    expect(s.detail).toContain('Get-UnifiedGroupLinks');
    expect(s.nextCheckAt).not.toBeNull(); // checked again hourly until the role is added
    expect(log.entries.some((e) => e.level === 'warn' && e.message === 'Feature groupScope is unavailable: the app may not run Get-UnifiedGroupLinks')).toBe(true);
  });

  test('When the scope names groups and Get-UnifiedGroupLinks is denied with a 401 "not allowed to call", then the install fails naming it', async () => {
    const { deps, log } = await setUp({ SCOPE_MODE: 'groups', SCOPE_GROUPS: 'Mobile Pilot' });
    stack.emulator.control.denyCmdlets({ names: ['Get-UnifiedGroupLinks'], style: '401' });
    const s = await runInstallCheck(deps);
    expect(s).toMatchObject({ state: 'failed', messageId: null, missingCmdlets: ['Get-UnifiedGroupLinks'] });
    expect(s.detail).toMatch(/may not run Get-UnifiedGroupLinks/);
    expect(log.entries.map((e) => e.message)).toContain('Invoking cmdlet Get-UnifiedGroupLinks failed: the app is not allowed to run it');
  });

  test('When a write-side cmdlet is missing, then only its feature is unavailable, the status stays installed, and GET /api/status shows the features', async () => {
    const { runtime, deps } = await setUp();
    stack.emulator.control.denyCmdlets({ names: ['Remove-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncOrganizationSettings'] });
    const s = await runInstallCheck(deps);
    expect(s.state).toBe('installed');
    expect(featureOf(s, 'accessRules')).toEqual({ feature: 'accessRules', state: 'unavailable', missingCmdlets: ['Remove-ActiveSyncDeviceAccessRule'] });
    expect(featureOf(s, 'organizationSettings')).toEqual({ feature: 'organizationSettings', state: 'unavailable', missingCmdlets: ['Set-ActiveSyncOrganizationSettings'] });
    expect(featureOf(s, 'sync')!.state).toBe('available');
    // Stored with the status...
    expect((await runtime.storage.state.getStatus(stack.tenantId))!.status.features).toEqual(s.features);

    // ...and shown by the status trigger.
    setRuntime(runtime);
    const token = await stack.callerToken({ roles: [Roles.Read] });
    const res = await statusTrigger(new HttpRequest({ method: 'GET', url: 'http://localhost/api/status', headers: { authorization: `Bearer ${token}` } }), new InvocationContext());
    expect(res.status).toBe(200);
    const body = JSON.parse(String(res.body)) as { connector: { state: string; messageId: number; features: unknown[] } };
    expect(body.connector).toMatchObject({ state: 'installed', messageId: INSTALLED_MESSAGE_ID, features: s.features });

    // Once the roles are granted, the hourly re-check finds every feature available and stops checking.
    stack.emulator.control.allowAll();
    const later = await runInstallCheck({ ...deps, now: () => new Date(Date.now() + 61 * 60_000) });
    expect(later).toMatchObject({ state: 'installed', missingCmdlets: [], nextCheckAt: null });
    expect(later.features.every((f) => f.state === 'available')).toBe(true);
  });

  test('When the probes run, then each read cmdlet is called once and no state-changing cmdlet is run', async () => {
    const { deps } = await setUp();
    await runInstallCheck(deps);
    const calls = stack.emulator.control.calls().byCmdlet;
    for (const [cmdlet, n] of Object.entries(calls)) {
      expect(cmdlet).toMatch(/^Get-/);
      if (cmdlet !== 'Get-ManagementRoleEntry') expect({ cmdlet, n }).toEqual({ cmdlet, n: 1 });
    }
    expect(calls['Get-UnifiedGroupLinks']).toBe(1);
  });
});
