/**
 * The sync against the stricter emulator (issue 7): the directory read, owners whose
 * mailbox Name holds '/', spaces or a GUID, group scope with nesting, Microsoft 365 groups
 * and an exclude list, and mailboxes whose statistics fail. Real Exchange client, real
 * Azurite, real identity provider; each test has its own table prefix.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LocalStack } from '../../dev/local-stack';
import { useSyncFixture } from '../support/sync-fixture';
import type { Runtime } from '../../lib/app/runtime';
import { runDeltaSync, runFullSync } from '../../lib/app/sync/sync';
import { memoryLogger } from '../support/memory-logger';

const fixture = useSyncFixture();
let stack: LocalStack;
beforeAll(() => {
  stack = fixture.stack;
});
const { newRuntime, inventory } = fixture;

const unique = () => randomBytes(3).toString('hex');

interface WirePage {
  value: unknown[];
  '@adminapi.warnings'?: string[];
  '@odata.nextLink'?: string;
}

/** Every page of a listing as Exchange's wire carries it (the client drops the warnings it has handled). */
async function rawListing(cmdlet: string, runtime: Runtime): Promise<WirePage[]> {
  const { token } = await runtime.tokenProvider.getToken();
  const body = JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: { ResultSize: 'Unlimited' } } });
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'x-anchormailbox': `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${stack.tenantId}`,
    prefer: 'odata.maxpagesize=1000',
  };
  const pages: WirePage[] = [];
  let url: string | undefined = `${runtime.config.exchange.endpoint}/adminapi/beta/${stack.tenantId}/InvokeCommand`;
  while (url) {
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status).toBe(200);
    const page = (await res.json()) as WirePage;
    pages.push(page);
    url = page['@odata.nextLink'];
  }
  return pages;
}

describe('the listing and the directory', () => {
  test('When 3,000 devices are listed over several pages each carrying the more-results warning, then the full sync stores every one', async () => {
    const seeded = stack.emulator.control.seed({ devices: 3000, mailboxes: 1100, seed: 71 });
    const runtime = await newRuntime({ EXO_PAGE_SIZE: '1000' });
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ seen: 3000, new: 3000, outOfScope: 0, statisticsUnavailable: 0 });
    expect((await inventory(runtime)).size).toBe(3000);
    // Three listing pages of 1,000: the first two carried a nextLink and the warning, which
    // the client did not take for truncation.
    expect(run.callsByCmdlet['Get-MobileDevice']).toBe(1);
    expect(stack.emulator.control.calls().continuationPages).toBeGreaterThanOrEqual(2);
    // The same listing read as the wire shows it: every page with a nextLink carries the warning.
    const pages = await rawListing('Get-MobileDevice', runtime);
    expect(pages.map((p) => p.value.length)).toEqual([1000, 1000, 1000]);
    for (const p of pages.slice(0, -1)) expect(p['@adminapi.warnings']).toEqual([expect.stringMatching(/^There are more results available than are currently displayed/)]);
    // The directory was read with Get-Recipient (which can filter on the partnership flag), never Get-Mailbox's refused filter.
    expect(run.callsByCmdlet['Get-Recipient']).toBe(1);
    // Only the seeded owner whose flag is stale was missing from it: looked up, stored.
    const stale = seeded.fixtures.stalePartnershipFlag!;
    expect(run.callsByCmdlet['Get-Mailbox']).toBe(1);
    const stored = await inventory(runtime);
    for (const g of stale.deviceGuids) expect(stored.get(g.toLowerCase())).toMatchObject({ mailbox: stale.mailboxName, userUpn: stale.upn });
  });

  test("When owners' mailbox Names hold '/', spaces or a GUID, then every device is stored with its user and a name from the UPN", async () => {
    stack.emulator.control.seed({ devices: 40, mailboxes: 20, seed: 72 });
    const tag = unique();
    const owners = [
      stack.emulator.control.addMailbox({ alias: `slash.${tag}`, name: `Sales/EMEA ${tag}` }),
      stack.emulator.control.addMailbox({ alias: `space.${tag}`, name: `Jane Q Public ${tag}` }),
      stack.emulator.control.addMailbox({ alias: `guid.${tag}`, name: randomUUID() }),
      stack.emulator.control.addMailbox({ alias: `both.${tag}`, name: `R&D / Lab 2 ${tag}` }),
    ];
    const devices = owners.map((m) => stack.emulator.control.addDevice({ mailbox: m.upn, deviceType: 'iPhone' }));
    const runtime = await newRuntime();
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.counts.outOfScope).toBe(0);
    const stored = await inventory(runtime);
    owners.forEach((m, i) => {
      expect(stored.get(devices[i].guid.toLowerCase())).toMatchObject({ mailbox: m.name, userUpn: m.upn, userPrimarySmtp: m.primarySmtpAddress, name: `${m.upn.split('@')[0]}_iPhone`, removed: false });
    });
  });

  test("When an owner's HasActiveSyncDevicePartnership flag is stale, then organization scope finds it by lookup and filter scope without one", async () => {
    stack.emulator.control.seed({ devices: 60, mailboxes: 30, seed: 83 });
    const owner = stack.emulator.control.addMailbox({ alias: `stale.${unique()}`, name: `Stale Flag/${unique()}` });
    const device = stack.emulator.control.addDevice({ mailbox: owner.upn, deviceType: 'iPhone' });
    stack.emulator.control.setPartnershipFlag(owner.upn, false);

    const org = await newRuntime();
    const a = await runFullSync(org.syncDeps());
    expect(a.run.counts.outOfScope).toBe(0);
    expect(a.run.callsByCmdlet['Get-Mailbox']).toBeGreaterThanOrEqual(1);
    expect((await inventory(org)).get(device.guid.toLowerCase())).toMatchObject({ mailbox: owner.name, userUpn: owner.upn });

    // The filter is read without the flag, so the flag's staleness cannot hide an owner.
    const filtered = await newRuntime({ SCOPE_MODE: 'filter', SCOPE_RECIPIENT_FILTER: `Alias -eq '${owner.alias}'` });
    await runFullSync(filtered.syncDeps());
    expect((await inventory(filtered)).get(device.guid.toLowerCase())).toMatchObject({ mailbox: owner.name, userUpn: owner.upn });
  });

  test('When a partnership appears after the directory was read, then its owner is looked up by Name and the device is stored, not dropped', async () => {
    stack.emulator.control.seed({ devices: 60, mailboxes: 30, seed: 73 });
    const late = stack.emulator.control.addMailbox({ alias: `late.${unique()}`, name: `Late Comer/${unique()}` });
    let added: { guid: string } | undefined;
    // The directory (Get-Recipient) is read before the listing: the owner gains its first
    // partnership in between, so the directory read cannot know it (like a stale flag).
    stack.emulator.control.onNextCall('Get-MobileDevice', () => {
      added = stack.emulator.control.addDevice({ mailbox: late.upn, deviceType: 'Android' });
    });
    const runtime = await newRuntime();
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.counts.outOfScope).toBe(0);
    // The late owner, and the seeded owner whose flag is stale.
    expect(run.callsByCmdlet['Get-Mailbox']).toBe(2);
    expect((await inventory(runtime)).get(added!.guid.toLowerCase())).toMatchObject({ mailbox: late.name, userUpn: late.upn, name: `${late.upn.split('@')[0]}_Android` });
  });
});

describe('mailboxes whose statistics fail', () => {
  test('When a mailbox is deleted mid-run, then the run succeeds, stores its partnerships from the listing marked without statistics, and still marks removals', async () => {
    stack.emulator.control.seed({ devices: 400, mailboxes: 150, seed: 74 });
    const runtime = await newRuntime();
    await runFullSync(runtime.syncDeps());
    const gone = stack.emulator.control.listDevices()[200].guid;
    stack.emulator.control.removeDevice(gone);
    // The owner of the first listed partnership: its statistics are the first asked for.
    const victim = stack.emulator.control.listDevices()[0].mailbox;
    const victimDevices = stack.emulator.control.listDevices().filter((d) => d.mailbox.guid === victim.guid).map((d) => d.guid.toLowerCase());
    stack.emulator.control.onNextCall('Get-MobileDeviceStatistics', () => stack.emulator.control.removeMailbox(victim.guid));
    const log = memoryLogger();

    const { run } = await runFullSync(runtime.syncDeps({ log }));
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.removed).toBe(1);
    expect(run.counts.statisticsUnavailable).toBe(victimDevices.length);
    expect(run.mailboxesWithoutStatistics).toEqual({ count: 1, first: [{ mailbox: victim.name, reason: expect.stringMatching(/find|recipient/i) }] });
    const stored = await inventory(runtime);
    expect(stored.get(gone.toLowerCase())!.removed).toBe(true);
    for (const g of victimDevices) expect(stored.get(g)).toMatchObject({ removed: false, statisticsUnavailable: expect.stringMatching(/find|recipient/i), lastSuccessSync: null });
    expect([...stored.values()].filter((r) => r.statisticsUnavailable !== null)).toHaveLength(victimDevices.length);
    expect(log.entries.some((e) => e.level === 'warn' && e.message.includes(`No statistics for mailbox ${victim.name}`))).toBe(true);
    // The run record, as stored, says the same.
    expect((await runtime.storage.runs.latest(stack.tenantId, 1))[0]).toMatchObject({ outcome: 'succeeded', mailboxesWithoutStatistics: { count: 1 }, counts: expect.objectContaining({ statisticsUnavailable: victimDevices.length }) });
  });

  test('When statistics fail with a non-transient error, then the next delta sync fetches them again and rewrites the records', async () => {
    stack.emulator.control.seed({ devices: 80, mailboxes: 30, seed: 75 });
    const runtime = await newRuntime();
    stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDeviceStatistics'], failEveryK: 1, failStatus: 400, failExceptionType: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException' });
    const first = await runFullSync(runtime.syncDeps());
    expect(first.run.outcome).toBe('succeeded');
    expect(first.run.counts).toMatchObject({ new: 80, statisticsUnavailable: 80 });
    expect(first.run.mailboxesWithoutStatistics!.count).toBe(30);
    expect(first.run.mailboxesWithoutStatistics!.first).toHaveLength(10);

    stack.emulator.control.clearFaults();
    stack.emulator.control.resetCounters();
    const { run } = await runDeltaSync(runtime.syncDeps());
    expect(run.counts).toMatchObject({ changed: 80, statisticsUnavailable: 0 });
    expect(stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics']).toBe(30);
    const stored = [...(await inventory(runtime)).values()];
    expect(stored.every((r) => r.statisticsUnavailable === null)).toBe(true);
    const eas = stack.emulator.control.listDevices().filter((d) => d.lastSuccessSync);
    expect(eas.length).toBeGreaterThan(0);
    for (const d of eas) expect(stored.find((r) => r.deviceGuid === d.guid.toLowerCase())!.lastSuccessSync).toBe(new Date(d.lastSuccessSync!).toISOString());
    // Recovered: a further delta sync only lists.
    stack.emulator.control.resetCounters();
    expect((await runDeltaSync(runtime.syncDeps())).run.counts.changed).toBe(0);
    expect(stack.emulator.control.calls().byCmdlet['Get-MobileDeviceStatistics'] ?? 0).toBe(0);
  });

  test('When statistics are throttled beyond the retries, then the run stops with its checkpoint and marks nothing removed', async () => {
    stack.emulator.control.seed({ devices: 300, mailboxes: 100, seed: 76 });
    const runtime = await newRuntime({ EXO_MAX_RETRIES: '0' });
    await runFullSync(runtime.syncDeps());
    stack.emulator.control.removeDevice(stack.emulator.control.listDevices()[5].guid);
    stack.emulator.control.setFaults({ onlyCmdlets: ['Get-MobileDeviceStatistics'], failAfterCalls: 20, failStatus: 503 });
    await expect(runFullSync(runtime.syncDeps())).rejects.toMatchObject({ code: 'ExoTransient' });
    expect([...(await inventory(runtime)).values()].filter((r) => r.removed)).toHaveLength(0);
    expect(await runtime.storage.state.getCheckpoint(stack.tenantId, 'full')).not.toBeNull();
  });
});

describe('permissions', () => {
  test('When Exchange answers 401 "not allowed to call" for the listing, then the sync fails naming the cmdlet without a token-refresh loop', async () => {
    stack.emulator.control.seed({ devices: 20, mailboxes: 10, seed: 77 });
    const runtime = await newRuntime();
    stack.emulator.control.denyCmdlets({ names: ['Get-MobileDevice'], style: '401' });
    const error = await runFullSync(runtime.syncDeps()).catch((e) => e);
    expect(error).toMatchObject({ code: 'PermissionMissing', cmdlet: 'Get-MobileDevice' });
    expect(String(error.message)).toContain('Get-MobileDevice');
    // One 401 answer: no token refresh and no retry.
    expect(stack.emulator.control.calls().byCmdlet['Get-MobileDevice']).toBe(1);
  });
});

describe('group scope', () => {
  test('When scoped to a nested distribution group and a Microsoft 365 group with an exclude group, then exactly their non-excluded members are in scope', async () => {
    stack.emulator.control.seed({ devices: 300, mailboxes: 120, seed: 78 });
    const tag = unique();
    const withDevices = stack.emulator.control.listMailboxes().filter((m) => m.devices > 0);
    const [a, b, c, d, e] = withDevices;
    const inner = stack.emulator.control.addGroup({ name: `Pilot Inner ${tag}`, kind: 'security', members: [b.upn, d.upn] });
    const outer = stack.emulator.control.addGroup({ name: `Pilot Outer ${tag}`, kind: 'distribution', members: [a.upn, inner.name] });
    stack.emulator.control.addGroupMember(inner.name, outer.name); // a loop: Outer > Inner > Outer
    const team = stack.emulator.control.addGroup({ name: `Pilot Team ${tag}`, kind: 'unified', members: [c.upn] });
    const excluded = stack.emulator.control.addGroup({ name: `Pilot Exclude ${tag}`, kind: 'distribution', members: [d.upn, e.upn] });

    const runtime = await newRuntime({ SCOPE_MODE: 'groups', SCOPE_GROUPS: `${outer.name};${team.primarySmtpAddress}`, SCOPE_EXCLUDE_GROUPS: excluded.name });
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');
    const inScope = new Set([a.guid, b.guid, c.guid]);
    const expected = stack.emulator.control.listDevices().filter((x) => inScope.has(x.mailbox.guid)).map((x) => x.guid.toLowerCase()).sort();
    const stored = [...(await inventory(runtime)).values()];
    expect(stored.map((r) => r.deviceGuid).sort()).toEqual(expected);
    expect(run.counts.outOfScope).toBe(300 - expected.length);
    // Each group was read once despite the loop, each with the cmdlet of its kind.
    expect(run.callsByCmdlet['Get-UnifiedGroupLinks']).toBe(1);
    expect(run.callsByCmdlet['Get-DistributionGroupMember']).toBe(3);
  });

  test('When organization scope has an exclude group, then its members\' devices are out of scope, and the delta sync keeps them out', async () => {
    stack.emulator.control.seed({ devices: 200, mailboxes: 80, seed: 79 });
    const [x] = stack.emulator.control.listMailboxes().filter((m) => m.devices > 0);
    const excluded = stack.emulator.control.addGroup({ name: `No Phones ${unique()}`, kind: 'security', members: [x.upn] });
    const runtime = await newRuntime({ SCOPE_EXCLUDE_GROUPS: excluded.name });
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.counts.outOfScope).toBe(x.devices);
    // An excluded owner is not looked up: the one lookup is the seeded owner whose flag is stale.
    expect(run.callsByCmdlet['Get-Mailbox']).toBe(1);
    const added = stack.emulator.control.addDevice({ mailbox: x.upn, deviceType: 'iPad' });
    await runDeltaSync(runtime.syncDeps());
    const stored = await inventory(runtime);
    expect(stored.size).toBe(200 - x.devices);
    expect(stored.has(added.guid.toLowerCase())).toBe(false);
  });

  test('When groups nest deeper than the bound, then the sync stops naming the nesting path and marks nothing removed', async () => {
    stack.emulator.control.seed({ devices: 60, mailboxes: 20, seed: 82 });
    const tag = unique();
    const [m] = stack.emulator.control.listMailboxes().filter((x) => x.devices > 0);
    const prefix = `t${randomBytes(4).toString('hex')}`;
    await runFullSync((await newRuntime({ STORAGE_TABLE_PREFIX: prefix })).syncDeps());
    // Level 0 holds level 1, ... level 11 holds the mailbox: deeper than MAX_GROUP_DEPTH (10).
    // (Microsoft 365 groups cannot hold groups, so the chain is distribution and security groups.)
    let inner = stack.emulator.control.addGroup({ name: `Deep 11 ${tag}`, kind: 'distribution', members: [m.upn] });
    for (let i = 10; i >= 0; i--) inner = stack.emulator.control.addGroup({ name: `Deep ${i} ${tag}`, kind: i % 2 ? 'security' : 'distribution', members: [inner.name] });
    const runtime = await newRuntime({ STORAGE_TABLE_PREFIX: prefix, SCOPE_MODE: 'groups', SCOPE_GROUPS: inner.name });
    const error = await runFullSync(runtime.syncDeps()).catch((e) => e);
    expect(error).toMatchObject({ code: 'ScopeGroups', message: expect.stringContaining(`nested more than 10 levels deep (e.g. Deep 0 ${tag} > Deep 1 ${tag} >`) });
    expect([...(await inventory(runtime)).values()].filter((r) => r.removed)).toHaveLength(0);
  });

  test('When a configured group does not exist, then the sync stops naming the setting and marks nothing removed', async () => {
    stack.emulator.control.seed({ devices: 50, mailboxes: 20, seed: 80 });
    const runtime = await newRuntime({ SCOPE_MODE: 'groups', SCOPE_GROUPS: 'No Such Group' });
    await expect(runFullSync(runtime.syncDeps())).rejects.toMatchObject({ code: 'ScopeGroups', message: expect.stringMatching(/^SCOPE_GROUPS: the group "No Such Group" does not exist/) });
  });
});

describe('filter scope', () => {
  test("When the recipient filter uses $true, then it is sent as 'True' and only matching mailboxes' devices are stored", async () => {
    stack.emulator.control.seed({ devices: 300, mailboxes: 120, seed: 81 });
    const runtime = await newRuntime({ SCOPE_MODE: 'filter', SCOPE_RECIPIENT_FILTER: "(Department -eq 'Sales') -and (HasActiveSyncDevicePartnership -eq $true)" });
    const { run } = await runFullSync(runtime.syncDeps());
    expect(run.outcome).toBe('succeeded');
    const sales = new Set(stack.emulator.control.invoke('Get-Recipient', { Filter: "Department -eq 'Sales'", ResultSize: 'Unlimited' }).map((m) => String(m.Name)));
    const expected = stack.emulator.control.listDevices().filter((d) => sales.has(d.mailbox.name)).map((d) => d.guid.toLowerCase()).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect([...(await inventory(runtime)).values()].map((r) => r.deviceGuid).sort()).toEqual(expected);
  });
});
