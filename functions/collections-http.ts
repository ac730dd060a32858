import { z } from 'zod';
import { deviceView as view } from '../lib/app/inventory/query';
import { csvAnswer, wantsCsv } from '../lib/http/csv';
import { Roles } from '../lib/http/caller';
import { continuation, functionKey, orderBy, top } from '../lib/http/query-params';
import { collectionName, inventoryFilter } from '../lib/http/inventory-filter';
import { ValidationError } from '../lib/errors';
import { registerRoute } from '../lib/functions/register-route';

const name = z.object({ name: collectionName }).strict();
const filter = inventoryFilter;
const collection = z.object({ name: z.string(), description: z.string(), filter: z.object({}).passthrough(), builtIn: z.boolean() }).passthrough();

const route = registerRoute;

route({
  name: 'listCollections', method: 'GET', route: 'collections', role: Roles.Read,
  summary: 'The collections: built in (all mobile devices, by OS, blocked, quarantined, stale, wipe pending, recently wiped, policy not applied, statistics unavailable) and saved',
  answers: { 200: { description: 'The collections', schema: z.object({ collections: z.array(collection) }) } },
  handle: async ({ runtime }) => ({ status: 200, body: { collections: await runtime.collections.list() } }),
});

route({
  name: 'getCollection', method: 'GET', route: 'collections/{name}', role: Roles.Read, params: name,
  summary: 'One collection and its filter',
  answers: { 200: { description: 'The collection', schema: collection } },
  handle: async ({ runtime, params }) => ({ status: 200, body: await runtime.collections.get(params.name) }),
});

route({
  name: 'putCollection', method: 'PUT', route: 'collections/{name}', role: Roles.Manage, params: name,
  body: z.object({ description: z.string().max(500).default(''), filter }).strict(),
  summary: 'Saves a collection: a named filter of GET /api/devices (built-in names are refused)',
  answers: { 200: { description: 'Replaced', schema: collection }, 201: { description: 'Created', schema: collection } },
  handle: async ({ runtime, caller, params, body }) => {
    const r = await runtime.collections.put(caller.id, params.name, { description: body.description, filter: body.filter });
    return { status: r.created ? 201 : 200, body: r.collection };
  },
});

route({
  name: 'deleteCollection', method: 'DELETE', route: 'collections/{name}', role: Roles.Manage, params: name,
  summary: 'Deletes a saved collection (built-in ones are refused)',
  answers: { 204: { description: 'Deleted' } },
  handle: async ({ runtime, params }) => {
    await runtime.collections.remove(params.name);
    return { status: 204 };
  },
});

route({
  name: 'collectionDevices', method: 'GET', route: 'collections/{name}/devices', role: Roles.Read, params: name,
  query: z.object({ format: z.enum(['json', 'csv']).optional().describe('csv: all of them as CSV, streamed; also with Accept: text/csv'), $top: top('Devices'), $orderby: orderBy, continuation, code: functionKey }).strict(),
  headers: z.object({ accept: z.string().optional() }),
  summary: "The collection's devices, a page at a time (or all as CSV), as GET /api/devices with its filter",
  answers: { 200: { description: 'One page', schema: z.object({ devices: z.array(z.object({}).passthrough()), nextLink: z.string().optional() }) } },
  handle: async ({ runtime, params, query, headers }) => {
    if (wantsCsv(query.format, headers.accept) && query.$orderby) throw ValidationError.of('query.$orderby', 'is not available with CSV: the export streams every device in the table\'s key order');
    if (wantsCsv(query.format, headers.accept)) return csvAnswer(runtime.inventory.columns, runtime.inventory.views((await runtime.collections.get(params.name)).filter), params.name);
    const page = await runtime.collections.devices(params.name, { top: query.$top, continuation: query.continuation, orderBy: query.$orderby });
    const sort = query.$orderby ? `$orderby=${encodeURIComponent(`${query.$orderby.field} ${query.$orderby.desc ? 'desc' : 'asc'}`)}&` : '';
    const next = page.continuation ? `/api/collections/${params.name}/devices?${sort}$top=${query.$top}&continuation=${page.continuation}` : undefined;
    return { status: 200, body: { devices: page.devices.map(view), ...(next ? { nextLink: next } : {}) } };
  },
});
