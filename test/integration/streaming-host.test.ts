/**
 * Streamed answers through the route helper and the local Functions host: test-only
 * routes registered with app.http (the real @azure/functions, recorded by the core stub),
 * a fake caller check, the host on a free port.
 */
import { app } from '@azure/functions';
import { currentRegistrations, startLocalHost, type LocalHost } from '../../dev/local-host';
import { AppError } from '../../lib/errors';
import type { Caller } from '../../lib/http/caller';
import { csvStream } from '../../lib/http/csv';
import { defineRoute, routeHandler, type RouteRuntime } from '../../lib/http/route';
import { memoryLogger } from '../support/memory-logger';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection before each memory sample, so what is counted is what the host holds, not garbage the
// collector has not reached yet (that made the figure depend on how loaded the machine was).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const ROWS = 200_000;
// About 400 bytes a row: the export (~80 MB) is far larger than what sockets and stream buffers can hold between producer and client.
const PADDING = 'x'.repeat(360);

const caller: Caller = { id: 'app:test', kind: 'app', objectId: null, tenantId: 't', roles: ['Devices.Read'], name: null };
const runtime: RouteRuntime = { verifyCaller: async () => caller };
const getRuntime = async () => runtime;

/** What the export's producer did, for the test to look at while the client reads. */
const producer = { rows: 0, bytes: 0, finished: false, gate: Promise.resolve(), failAfter: Infinity, failBefore: false };

async function* devices(): AsyncIterable<Device> {
  try {
    if (producer.failBefore) throw new AppError('StorageUnavailable', 'Table storage did not answer', 503, { operation: 'list devices' });
    for (let n = 1; n <= ROWS; n++) {
      if (n > producer.failAfter) throw new Error('Table storage dropped the connection');
      producer.rows = n;
      yield { n, name: n === 1 ? 'Zoë Ångström, Jr._iPhone' : `user${n}_Android`, padding: PADDING };
      // No second row before the client has the first: the test opens the gate once it has read the first bytes.
      if (n === 1) await producer.gate;
    }
  } finally {
    producer.finished = true;
  }
}

type Device = { n: number; name: string; padding: string };
const columns = [
  { name: 'n', value: (d: Device) => d.n },
  { name: 'name', value: (d: Device) => d.name },
  { name: 'padding', value: (d: Device) => d.padding },
];

async function* counted(chunks: AsyncIterable<string>): AsyncIterable<string> {
  for await (const c of chunks) {
    producer.bytes += Buffer.byteLength(c);
    yield c;
  }
}

const exportRoute = defineRoute<RouteRuntime>({
  name: 'testCsvExport',
  method: 'GET',
  route: 'test/export',
  role: 'Devices.Read',
  summary: 'Test only: a large CSV export',
  answers: { 200: { description: 'CSV' } },
  handle: async () => ({ status: 200, stream: counted(csvStream(columns, devices())), headers: { 'content-type': 'text/csv; charset=utf-8' } }),
});
const jsonRoute = defineRoute<RouteRuntime>({
  name: 'testJson',
  method: 'GET',
  route: 'test/json',
  role: 'Devices.Read',
  summary: 'Test only: a JSON answer',
  answers: { 200: { description: 'JSON' } },
  handle: async () => ({ status: 200, body: { name: 'Zoë' } }),
});
for (const r of [exportRoute, jsonRoute]) app.http(r.name, { methods: [r.method], route: r.route, authLevel: 'function', handler: routeHandler(r, getRuntime) });

const log = memoryLogger();
let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost({ registrations: currentRegistrations().filter((r) => r.name.startsWith('test')), port: 0, log, runTimers: false });
});
afterAll(() => host.stop());
beforeEach(() => {
  Object.assign(producer, { rows: 0, bytes: 0, finished: false, gate: Promise.resolve(), failAfter: Infinity, failBefore: false });
  log.entries.length = 0;
});

const get = (route: string) => fetch(`${host.url}/api/${route}`, { headers: { authorization: 'Bearer test' } });

function gate(): { open(): void } {
  let open!: () => void;
  producer.gate = new Promise<void>((resolve) => (open = resolve));
  return { open };
}

describe('streamed answers on the local host', () => {
  test('When a 200,000-row CSV export is asked, then the client has the header and first row before a second row is produced, and the rows arrive in many chunks while they are produced', async () => {
    const rowsGate = gate();
    const res = await get('test/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');

    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(`n,name,padding\r\n1,"Zoë Ångström, Jr._iPhone",${PADDING}\r\n`);
    // The first bytes are here while the producer waits on the gate: one row made of 200,000.
    expect(producer.rows).toBe(1);
    rowsGate.open();

    collect();
    const baseline = process.memoryUsage();
    let received = first.value!.byteLength;
    let chunks = 1;
    let maxInFlight = 0;
    let peakGrowth = 0;
    let lastLine = '';
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      received += value.byteLength;
      // Made but not yet read by the client: bounded by socket and stream buffers, never the export.
      maxInFlight = Math.max(maxInFlight, producer.bytes - received);
      if (chunks % 500 === 0) {
        collect();
        const m = process.memoryUsage();
        peakGrowth = Math.max(peakGrowth, m.heapUsed + m.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
      }
      lastLine = (lastLine + decoder.decode(value, { stream: true })).slice(-1000);
    }
    expect(producer.rows).toBe(ROWS);
    expect(received).toBe(producer.bytes);
    expect(received).toBeGreaterThan(70 * 1024 * 1024);
    expect(lastLine.endsWith(`${ROWS},user${ROWS}_Android,${PADDING}\r\n`)).toBe(true);
    expect(chunks).toBeGreaterThan(1000);
    expect(maxInFlight).toBeLessThan(16 * 1024 * 1024);
    // Held after a full collection; a buffered export alone would be ~80 MB of bytes (plus its strings).
    expect(peakGrowth).toBeLessThan(32 * 1024 * 1024);
  });

  test('When the export fails before its first byte, then the answer is problem+json with the error code and nothing is streamed', async () => {
    producer.failBefore = true;
    const res = await get('test/export');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'StorageUnavailable', operation: 'list devices' });
  });

  test('When the export fails mid-way, then the failure is logged and the client sees the body cut short, never a complete-looking end', async () => {
    producer.failAfter = 1000;
    const res = await get('test/export');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(/terminated/);
    expect(producer.rows).toBe(1000);
    expect(log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual(
      expect.arrayContaining(['A streamed answer failed after its first bytes; the response was cut short']),
    );
  });

  test('When the client goes away mid-export, then the producer is stopped (its finally runs) before it has made every row', async () => {
    const res = await get('test/export');
    const reader = res.body!.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value!.byteLength;
    await reader.cancel();
    while (!producer.finished) await new Promise((r) => setImmediate(r));
    expect(producer.rows).toBeLessThan(ROWS);
  });

  test('When a route answers JSON, then the host still answers it as before', async () => {
    const res = await get('test/json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ name: 'Zoë' });
  });
});
