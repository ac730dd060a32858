/** The emulator holds a large tenant: 100,000 device partnerships over 40,000 mailboxes. */
import { type Harness, startHarness } from './emulator-harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.stop();
});

it('When 100,000 devices are seeded over 40,000 mailboxes, then the first page, a late page and a statistics call answer', async () => {
  const summary = h.emulator.control.seed({ devices: 100_000, mailboxes: 40_000, seed: 2024 });
  expect(summary).toMatchObject({ devices: 100_000, mailboxes: 40_000, mailboxesWithDevices: 40_000 });

  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  expect(first.value).toHaveLength(1000);
  let link = first['@odata.nextLink'];
  for (let i = 0; i < 3 && link; i++) link = (await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: link }))['@odata.nextLink'];
  expect(link).toBeDefined();

  const filtered = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited', Filter: "DeviceAccessState -eq 'Quarantined'" });
  expect(filtered.value.length).toBeGreaterThan(0);
  expect(filtered.value.every((d) => d.DeviceAccessState === 'Quarantined')).toBe(true);

  const stats = await h.ok('Get-MobileDeviceStatistics', { Mailbox: summary.fixtures.twoSameTypeDevices!.upn });
  expect(stats.value.length).toBeGreaterThanOrEqual(3);
});
