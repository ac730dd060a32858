/**
 * Injected faults: throttling with whole, fractional or missing Retry-After, the
 * per-tenant concurrency text, 5xx and transient exception types, dropped connections,
 * latency, and the enforced request budget.
 */
import { CONCURRENCY_TEXT } from '../../dev/exo-emulator';
import { errorDetail, type Harness, readJson, startHarness } from './emulator-harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.emulator.control.seed({ devices: 2500, mailboxes: 1000, seed: 5 });
});

afterAll(async () => {
  await h.stop();
});

beforeEach(() => {
  h.emulator.control.clearFaults();
  h.emulator.control.resetCounters();
});

const statuses = async (n: number, cmdlet = 'Get-MobileDevice') => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await h.invoke(cmdlet, { ResultSize: 1 })).status);
  return out;
};

it('When every 3rd call is throttled, then those answer 429 with Retry-After and the rest succeed', async () => {
  h.emulator.control.setFaults({ throttleEveryK: 3 });
  expect(await statuses(6)).toEqual([200, 200, 429, 200, 200, 429]);
  const res = (await Promise.all([h.invoke('Get-MobileDevice'), h.invoke('Get-MobileDevice'), h.invoke('Get-MobileDevice')])).find((r) => r.status === 429)!;
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.headers.get('request-id')).toBeTruthy();
  expect(h.emulator.control.calls().throttled).toBe(3);
});

it('When Retry-After is fractional, then the header carries the fraction', async () => {
  h.emulator.control.setFaults({ throttleEveryK: 1, retryAfterSeconds: 1.5 });
  const res = await h.invoke('Get-MobileDevice');
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('1.5');
});

it('When throttling is set without Retry-After, then the 429 has no such header', async () => {
  h.emulator.control.setFaults({ throttleEveryK: 1, retryAfterSeconds: null });
  const res = await h.invoke('Get-MobileDevice');
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBeNull();
});

it('When the tenant hits the concurrency limit, then the concurrency text comes with another status', async () => {
  h.emulator.control.setFaults({ throttleEveryK: 1, throttleStatusText: 'concurrency' });
  const res = await h.invoke('Get-MobileDevice');
  expect(res.status).toBe(500);
  expect(errorDetail(await readJson(res)).text).toBe(CONCURRENCY_TEXT);
});

it('When throttling lasts for a window, then every call in it is throttled with the remaining seconds, and calls succeed after it', async () => {
  h.emulator.control.setFaults({ throttleForMs: 300 });
  const res = await h.invoke('Get-MobileDevice');
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('1');
  await new Promise((r) => setTimeout(r, 350));
  expect((await h.invoke('Get-MobileDevice')).status).toBe(200);
});

it('When every 2nd call is dropped, then the client sees the connection close without an answer', async () => {
  h.emulator.control.setFaults({ dropEveryK: 2 });
  expect((await h.invoke('Get-MobileDevice')).status).toBe(200);
  await expect(h.invoke('Get-MobileDevice')).rejects.toThrow();
  expect((await h.invoke('Get-MobileDevice')).status).toBe(200);
  expect(h.emulator.control.calls().dropped).toBe(1);
});

it('When calls fail with a transient exception type, then the envelope names it', async () => {
  h.emulator.control.setFaults({ failEveryK: 1, failStatus: 500, failExceptionType: 'Microsoft.Exchange.Data.Directory.DCOverloadedException' });
  const res = await h.invoke('Get-MobileDevice');
  expect(res.status).toBe(500);
  expect(res.headers.get('x-exceptiontype')).toBe('Microsoft.Exchange.Data.Directory.DCOverloadedException');
  expect(errorDetail(await readJson(res)).type).toBe('Microsoft.Exchange.Data.Directory.DCOverloadedException');
  expect(h.emulator.control.calls().failed).toBe(1);
});

it('When calls fail with 503 or 504, then those statuses come back', async () => {
  h.emulator.control.setFaults({ failEveryK: 2, failStatus: 504 });
  expect(await statuses(4)).toEqual([200, 504, 200, 504]);
  h.emulator.control.setFaults({ failEveryK: 1 });
  expect(await statuses(1)).toEqual([503]);
});

it('When every call after the n-th fails, then a sync can be killed midway', async () => {
  h.emulator.control.setFaults({ failAfterCalls: 2 });
  expect(await statuses(4)).toEqual([200, 200, 503, 503]);
});

it('When faults are limited to some cmdlets, then other cmdlets are untouched', async () => {
  h.emulator.control.setFaults({ throttleEveryK: 1, onlyCmdlets: ['Get-MobileDeviceStatistics'] });
  expect(await statuses(2, 'Get-MobileDevice')).toEqual([200, 200]);
  const upn = h.emulator.control.listDevices()[0].mailbox.upn;
  expect((await h.invoke('Get-MobileDeviceStatistics', { Mailbox: upn })).status).toBe(429);
});

it('When a continuation page is throttled, then its nextLink still works on retry', async () => {
  const first = await h.ok('Get-MobileDevice', { ResultSize: 'Unlimited' });
  h.emulator.control.setFaults({ throttleEveryK: 1, retryAfterSeconds: 0.1 });
  const throttled = await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'] });
  expect(throttled.status).toBe(429);
  h.emulator.control.clearFaults();
  const retried = await h.invoke('Get-MobileDevice', { ResultSize: 'Unlimited' }, { url: first['@odata.nextLink'] });
  expect(retried.status).toBe(200);
});

it('When latency is set, then answers are delayed by it', async () => {
  h.emulator.control.setFaults({ latencyMs: 150 });
  const started = Date.now();
  await h.invoke('Get-MobileDevice', { ResultSize: 1 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
});

it('When the budget is enforced and used up, then Rate-Limit-Remaining reaches 0 and calls get 429 until the window resets', async () => {
  h.emulator.control.setFaults({ budget: { limit: 3, windowMs: 400, enforce: true } });
  const remaining: string[] = [];
  for (let i = 0; i < 3; i++) remaining.push((await h.invoke('Get-MobileDevice', { ResultSize: 1 })).headers.get('rate-limit-remaining')!);
  expect(remaining).toEqual(['2', '1', '0']);
  const over = await h.invoke('Get-MobileDevice', { ResultSize: 1 });
  expect(over.status).toBe(429);
  expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  await new Promise((r) => setTimeout(r, 450));
  expect((await h.invoke('Get-MobileDevice', { ResultSize: 1 })).status).toBe(200);
});

it('When fault settings are invalid, then setFaults refuses them', () => {
  expect(() => h.emulator.control.setFaults({ throttleEveryK: 0 })).toThrow(/throttleEveryK/);
  expect(() => h.emulator.control.setFaults({ failStatus: 418 as never })).toThrow(/failStatus/);
});
