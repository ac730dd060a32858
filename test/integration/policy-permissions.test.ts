/**
 * Per-feature permissions: with the connector app's Exchange role group lacking
 * Organization Client Access, the install check marks the access features unavailable;
 * the policy routes (Recipient Policies) keep working and the access routes answer a
 * problem naming the missing cmdlets without calling Exchange. The check runs before the
 * host answers anything, so the feature gate's first read sees it.
 */
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 10, mailboxes: 4, seed: 13 } }, host: {} });

beforeAll(async () => {
  fx.stack.emulator.control.setAssignedRoles(['Mail Recipients', 'Recipient Policies', 'Distribution Groups', 'View-Only Configuration']);
  const status = await fx.runtime.installCheck.run();
  expect(status.features.find((f) => f.feature === 'mailboxPolicies')?.state).toBe('available');
  expect(status.features.find((f) => f.feature === 'accessRules')?.state).toBe('unavailable');
});

async function call(method: string, route: string, body?: unknown) {
  const token = await fx.stack.callerToken({ roles: ['Policies.Read', 'Policies.Manage'] });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

test('When Organization Client Access is missing, then mailbox policies are still read and written in Exchange', async () => {
  expect((await call('GET', 'policies')).status).toBe(200);
  const put = await call('PUT', 'policies/Without%20OCA', {});
  expect(put.status).toBe(400); // no groups: named, not a permission problem
  const ok = await call('PUT', 'policies/Without%20OCA', { groups: { security: { requireDeviceEncryption: true } } });
  expect(ok.status).toBe(201);
  expect(fx.stack.emulator.control.invoke('Get-MobileDeviceMailboxPolicy', { Identity: 'Without OCA' })[0].RequireDeviceEncryption).toBe(true);
});

test('When Organization Client Access is missing, then access changes answer 503 naming the missing cmdlets without calling Exchange, while reads the View-Only role allows still work', async () => {
  const org = await call('GET', 'access/organization');
  expect(org.status).toBe(200);
  fx.stack.emulator.control.resetCounters();
  const put = await call('PUT', 'access/organization', { defaultAccessLevel: 'Quarantine' });
  expect(put.status).toBe(503);
  expect(put.body).toMatchObject({ code: 'FeatureUnavailable', feature: 'organizationSettings', missingCmdlets: ['Set-ActiveSyncOrganizationSettings'] });
  const rule = await call('POST', 'access/rules', { characteristic: 'DeviceType', queryString: 'iPad', accessLevel: 'Block' });
  expect(rule.status).toBe(503);
  expect(rule.body).toMatchObject({ code: 'FeatureUnavailable', feature: 'accessRules' });
  expect(fx.stack.emulator.control.calls().total).toBe(0);
  expect(fx.stack.emulator.control.listRules().some((r: { queryString: string }) => r.queryString === 'iPad')).toBe(false);
});
