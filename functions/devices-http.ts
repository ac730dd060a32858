import { app } from '@azure/functions';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../lib/app/runtime';
import { deviceView as view } from '../lib/app/inventory/query';
import type { InventoryQuery } from '../lib/domain/inventory-query';
import { Roles } from '../lib/http/caller';
import { booleanText, continuation, functionKey, isoTime, orderBy, top } from '../lib/http/query-params';
import { ValidationError } from '../lib/errors';
import { defineRoute, routeHandler } from '../lib/http/route';
import { csvAnswer, wantsCsv } from '../lib/http/csv';
import { activeSyncVersion } from '../lib/http/inventory-filter';

const version = activeSyncVersion;
const text = (max: number, what: string) => z.string().min(1).max(max).describe(what);
const query = z
  .object({
    user: text(256, 'UPN, SMTP address or display name prefix (any case)').optional(),
    deviceType: text(100, 'DeviceType, exact (any case), e.g. iPhone').optional(),
    model: text(100, 'DeviceModel, exact (any case)').optional(),
    os: text(100, 'DeviceOS prefix, e.g. iOS 17').optional(),
    clientType: z.enum(['EAS', 'Outlook', 'REST']).optional().describe('EAS (native mail) or Outlook (Outlook for iOS and Android)'),
    accessState: z.enum(['Allowed', 'Blocked', 'Quarantined', 'DeviceDiscovery']).optional(),
    stale: booleanText.optional().describe('Last successful sync older than STALE_AFTER_DAYS (unknown sync times never are)'),
    removed: booleanText.optional().describe('Partnerships removed from Exchange (kept in the inventory); default false'),
    wipeState: z.enum(['pending', 'acknowledged', 'none']).optional().describe('The wipe Exchange holds for the device'),
    lastSyncBefore: isoTime.optional(),
    lastSyncAfter: isoTime.optional(),
    name: text(256, 'Prefix of the readable name, e.g. jdoe_iPhone').optional(),
    policy: text(64, 'DevicePolicyApplied, exact (any case)').optional(),
    statisticsUnavailable: booleanText.optional().describe('Devices whose statistics Exchange could not give at the last sync'),
    wipedWithinDays: z.string().regex(/^\d{1,4}$/, 'must be a whole number of days from 1 to 3650').transform(Number).pipe(z.number().min(1).max(3650)).optional().describe('The device acknowledged a wipe within this many days'),
    policyAppliedInFull: booleanText.optional().describe('DevicePolicyApplicationStatus is AppliedInFull'),
    activeSyncVersionBelow: version.optional().describe('DeviceActiveSyncVersion below this, e.g. 16.1 (an unknown version never is)'),
    activeSyncVersionAtLeast: version.optional().describe('DeviceActiveSyncVersion at least this'),
    format: z.enum(['json', 'csv']).optional().describe('csv: every matching device as CSV (RFC 4180), streamed; also with Accept: text/csv'),
    $top: top('Devices'),
    $orderby: orderBy,
    continuation,
    code: functionKey,
  })
  .strict();


export const devicesRoute = defineRoute<Runtime, Record<string, never>, z.output<typeof query>, { accept?: string }>({
  name: 'listDevices', method: 'GET', route: 'devices', role: Roles.Read, query,
  summary: 'The inventory: every device matching the filters, a page at a time (nextLink while more remain), or all of them as CSV',
  description: 'Pages follow the table\'s key order, so a device present for the whole listing comes exactly once, even while a sync runs. A page reads at most 5,000 entities: a rare filter may answer a short or empty page with a nextLink. Filters with a secondary index (accessState other than Allowed, wipeState pending or acknowledged, wipedWithinDays, statisticsUnavailable=true, activeSyncVersionBelow 16.1 or lower, removed=true) read only their members. With $orderby each page reads the whole selection (through its index when it has one) and pages by the last value given.',
  answers: { 200: { description: 'One page', schema: z.object({ devices: z.array(z.object({ deviceGuid: z.string(), deviceId: z.string(), name: z.string() }).passthrough()), nextLink: z.string().optional() }) } },
  headers: z.object({ accept: z.string().optional() }),
  handle: async ({ runtime, query: q, headers }) => {
    const { $top, $orderby, continuation: token, code: _code, format, ...filters } = q;
    if (wantsCsv(format, headers.accept)) {
      if ($orderby) throw ValidationError.of('query.$orderby', 'is not available with CSV: the export streams every device in the table\'s key order');
      return csvAnswer(runtime.inventory.columns, runtime.inventory.views(filters), 'devices');
    }
    const page = await runtime.inventory.query(filters satisfies InventoryQuery, { top: $top, continuation: token, orderBy: $orderby });
    const sort = $orderby ? { $orderby: `${$orderby.field} ${$orderby.desc ? 'desc' : 'asc'}` } : {};
    const next = page.continuation
      ? '/api/devices?' + new URLSearchParams(Object.entries({ ...filters, ...sort, $top: String($top), continuation: page.continuation }).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString()
      : undefined;
    return { status: 200, body: { devices: page.devices.map(view), ...(next ? { nextLink: next } : {}) } };
  },
});

app.http(devicesRoute.name, { methods: [devicesRoute.method], route: devicesRoute.route, authLevel: 'function', handler: routeHandler(devicesRoute, getRuntime) });
