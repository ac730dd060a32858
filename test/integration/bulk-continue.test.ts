/**
 * A bulk that outlives its request, like a full sync: the plan is stored before the first
 * call, the request answers 202 when its time is up, the follow-up carries the job on,
 * and a chunk whose instance stopped half-way is settled from Exchange's lists without
 * sending a call again. The real route on the local host, Azurite, the identity provider
 * and the emulator; BULK_ANSWER_WITHIN_SECONDS 0, so the request itself claims nothing.
 */
import type { DeviceRecord } from '../../lib/domain/device';
import { CLAIM_STALE_MS } from '../../lib/app/actions/bulk-job';
import { useStackFixture } from '../support/stack-fixture';

const fx = useStackFixture({ stack: { seed: { devices: 500, mailboxes: 200, seed: 44 } }, host: {}, settings: { BULK_ANSWER_WITHIN_SECONDS: '0' } });
const byMailbox = new Map<string, DeviceRecord[]>();
const usedMailboxes = new Set<string>();

beforeAll(async () => {
  await fx.runtime.sync.run({ kind: 'full' });
  for await (const d of fx.runtime.storage.devices.listAll(fx.stack.tenantId, { includeRemoved: false })) if (d.deviceId) byMailbox.set(d.mailbox, [...(byMailbox.get(d.mailbox) ?? []), d]);
}, 120_000);

/** Every device of `n` mailboxes no other test used. */
function devicesOf(n: number): DeviceRecord[] {
  const mailboxes = [...byMailbox.keys()].filter((m) => !usedMailboxes.has(m)).slice(0, n);
  if (mailboxes.length < n) throw new Error('not enough unused mailboxes');
  for (const m of mailboxes) usedMailboxes.add(m);
  return mailboxes.flatMap((m) => byMailbox.get(m)!);
}

async function call(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const token = await fx.stack.callerToken({ roles: ['Devices.Read', 'Devices.Manage'] });
  const res = await fetch(`${fx.host.url}/api/${route}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, location: res.headers.get('location'), body: (await res.json()) as any };
}
const emu = () => fx.stack.emulator.control;
const setCas = () => emu().calls().byCmdlet['Set-CASMailbox'] ?? 0;
const blocked = (d: DeviceRecord) => emu().getMailbox(d.mailbox)!.blockedDeviceIds.includes(d.deviceId);

test('When a bulk runs out of its answer time, then it answers 202 with where to follow it, and the follow-up finishes it with one Set-CASMailbox per mailbox', async () => {
  const chosen = devicesOf(120);
  const r = await call('POST', 'actions/bulk', { action: 'block', devices: chosen.map((d) => d.deviceGuid), reason: 'carried on' }, { 'idempotency-key': 'bulk-continue-1' });
  expect(r.status).toBe(202);
  expect(r.location).toBe(`/api/actions/${r.body.bulkId}`);
  expect(r.body).toMatchObject({ state: 'running', selected: chosen.length, counts: { done: 0, failed: 0 }, progress: { chunks: 3, done: 0 } });
  expect(setCas()).toBe(0);

  // A retry with the same key gets the first answer again, and changes nothing.
  const again = await call('POST', 'actions/bulk', { action: 'block', devices: chosen.map((d) => d.deviceGuid), reason: 'carried on' }, { 'idempotency-key': 'bulk-continue-1' });
  expect(again.status).toBe(202);
  expect(again.body.bulkId).toBe(r.body.bulkId);
  expect((await fx.runtime.storage.bulks.running(fx.stack.tenantId)).filter((id) => id === r.body.bulkId)).toHaveLength(1);

  const report = await fx.runtime.actions.followUp();
  expect(report).toMatchObject({ bulks: 1, bulksRunning: 0 });
  expect(setCas()).toBe(120);
  for (const d of chosen) expect(blocked(d)).toBe(true);

  const job = await call('GET', `actions/${r.body.bulkId}`);
  expect(job.status).toBe(200);
  expect(job.body).toMatchObject({ state: 'done', counts: { done: chosen.length, failed: 0, skipped: 0 }, mailboxCalls: 120, progress: { chunks: 3, done: 3 } });
  expect(new Set(job.body.results.map((x: { deviceGuid: string }) => x.deviceGuid))).toEqual(new Set(chosen.map((d) => d.deviceGuid)));
  // Each device's result is audited, with the Exchange call that made it.
  const month = new Date().toISOString().slice(0, 7);
  const entries = (await fx.runtime.storage.audit.list(fx.stack.tenantId, month, { limit: 1000 })).filter((e) => e.action === 'bulk.block.device' && (e.details as { bulkId?: string }).bulkId === r.body.bulkId);
  expect(entries).toHaveLength(chosen.length);
  expect(entries[0].details).toMatchObject({ calls: [{ cmdlet: 'Set-CASMailbox', outcome: 'done' }] });
  // Nothing left for the next follow-up: two small reads, no Exchange call.
  emu().resetCounters();
  expect(await fx.runtime.actions.followUp()).toMatchObject({ bulks: 0, open: 0 });
  expect(emu().calls().total).toBe(0);
});

test('When an instance stopped in the middle of a chunk, then that chunk is settled from Exchange\'s lists and none of its calls is sent again; a chunk claimed just now is left to its instance', async () => {
  const chosen = devicesOf(60); // two chunks: 50 mailboxes, then 10
  const r = await call('POST', 'actions/bulk', { action: 'block', devices: chosen.map((d) => d.deviceGuid) });
  expect(r.status).toBe(202);
  const id = r.body.bulkId as string;
  const t = fx.stack.tenantId;
  let got = (await fx.runtime.storage.bulks.get(t, id))!;
  const [first, second] = got.chunks;
  expect(first.mailboxes).toHaveLength(50);

  // The stopped instance had sent the first 20 mailboxes' calls of chunk 0 (straight to Exchange here), then died.
  const sent = first.mailboxes.slice(0, 20);
  for (const m of sent) emu().invoke('Set-CASMailbox', { Identity: m.identity, ActiveSyncBlockedDeviceIDs: { '@odata.type': '#Exchange.GenericHashTable', add: m.devices.map((d) => d.deviceId) } });
  const longAgo = new Date(Date.now() - CLAIM_STALE_MS - 60_000).toISOString();
  await fx.runtime.storage.bulks.updateChunk(t, id, { ...first, state: 'sending', claimedAt: longAgo, claimedBy: 'gone#1' });
  // Chunk 1 was claimed a moment ago by an instance still at work.
  await fx.runtime.storage.bulks.updateChunk(t, id, { ...second, state: 'sending', claimedAt: new Date().toISOString(), claimedBy: 'alive#2' });
  emu().resetCounters();

  const report = await fx.runtime.actions.followUp();
  expect(report).toMatchObject({ bulks: 1, bulksRunning: 1 });
  expect(setCas()).toBe(0); // nothing sent again
  expect(emu().calls().byCmdlet['Get-CASMailbox']).toBe(50);
  got = (await fx.runtime.storage.bulks.get(t, id))!;
  expect(got.chunks[0].state).toBe('done');
  expect(got.chunks[1]).toMatchObject({ state: 'sending', claimedBy: 'alive#2' });
  const results = new Map(got.chunks[0].results.map((x) => [x.deviceGuid, x]));
  const sentGuids = new Set(sent.flatMap((m) => m.devices.map((d) => d.guid)));
  for (const m of first.mailboxes) {
    for (const d of m.devices) {
      const x = results.get(d.guid)!;
      if (sentGuids.has(d.guid)) expect(x.result).toBe('done');
      else {
        expect(x).toMatchObject({ result: 'failed', why: expect.stringMatching(/do not show the change.*not sent again/) });
        expect(emu().getMailbox(chosen.find((c) => c.deviceGuid === d.guid)!.mailbox)!.blockedDeviceIds).not.toContain(d.deviceId);
      }
    }
  }
  const view = await call('GET', `actions/${id}`);
  expect(view.body).toMatchObject({ state: 'running', progress: { chunks: 2, done: 1 } });
});

test('When Exchange drops the connection after running a Set-CASMailbox, then the bulk reads the mailbox\'s lists instead of sending it again and records the device done', async () => {
  const chosen = devicesOf(8);
  const r = await call('POST', 'actions/bulk', { action: 'block', devices: chosen.map((d) => d.deviceGuid) });
  expect(r.status).toBe(202);
  emu().setFaults({ dropAfterExecuteEveryK: 4, onlyCmdlets: ['Set-CASMailbox'] });
  await fx.runtime.actions.followUp();
  emu().clearFaults();
  expect(setCas()).toBe(8); // two of them unanswered, none sent twice
  const job = (await call('GET', `actions/${r.body.bulkId}`)).body;
  expect(job.counts).toMatchObject({ done: chosen.length, failed: 0 });
  for (const d of chosen) expect(blocked(d)).toBe(true);
  const month = new Date().toISOString().slice(0, 7);
  const settled = (await fx.runtime.storage.audit.list(fx.stack.tenantId, month, { limit: 1000 })).filter((e) => (e.details as { bulkId?: string }).bulkId === r.body.bulkId && (e.details as { settledFromExchange?: boolean }).settledFromExchange);
  expect(settled.length).toBeGreaterThan(0);
  expect(settled[0].details).toMatchObject({ calls: [{ cmdlet: 'Set-CASMailbox', outcome: 'outcomeUnknown' }] });
});

test('When Exchange drops the connection before running a Set-CASMailbox, then the device is recorded failed, its lists unchanged, and the call is not sent again', async () => {
  const chosen = devicesOf(4);
  const r = await call('POST', 'actions/bulk', { action: 'block', devices: chosen.map((d) => d.deviceGuid) });
  emu().setFaults({ dropEveryK: 4, onlyCmdlets: ['Set-CASMailbox'] });
  await fx.runtime.actions.followUp();
  emu().clearFaults();
  expect(setCas()).toBe(4);
  const job = (await call('GET', `actions/${r.body.bulkId}`)).body;
  const failed = job.results.filter((x: { result: string }) => x.result === 'failed');
  expect(failed.length).toBeGreaterThan(0);
  expect(failed[0].why).toMatch(/did not happen \(not sent again/);
  for (const f of failed) {
    const d = chosen.find((c) => c.deviceGuid === f.deviceGuid)!;
    expect(blocked(d)).toBe(false);
  }
  expect(job.counts.done + job.counts.failed).toBe(chosen.length);
});
