import { app } from '@azure/functions';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../lib/app/runtime';
import type { NextAuditQuery } from '../lib/app/audit/query';
import { Roles } from '../lib/http/caller';
import { defineRoute, routeHandler } from '../lib/http/route';
import { continuation, functionKey, isoTime, top } from '../lib/http/query-params';

const time = isoTime;

const query = z
  .object({
    from: time.optional().describe('Oldest entry time (inclusive); default 30 days before to'),
    to: time.optional().describe('Newest entry time (inclusive); default now; at most 13 months after from'),
    device: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a device partnership's Exchange Guid").optional().describe('Entries about this device'),
    actor: z.string().min(1).max(256).optional().describe('Entries of this caller id (exact): a UPN, app:<appid> or connector'),
    action: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be an action name or its prefix (letters, digits, . _ : -)').optional().describe('Entries whose action starts with this, e.g. wipe.'),
    $top: top('Entries'),
    continuation,
    code: functionKey,
  })
  .strict();

const entry = z.object({ id: z.string(), at: z.string(), actor: z.string(), action: z.string(), target: z.string(), outcome: z.string(), details: z.object({}).passthrough() });

/** The next page's link; the function key is never echoed. */
const linkOf = (n: NextAuditQuery) =>
  '/api/audit?' +
  Object.entries({ from: n.from, to: n.to, device: n.device, actor: n.actor, action: n.action, $top: String(n.top), continuation: n.continuation })
    .filter((kv): kv is [string, string] => kv[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');

export const auditRoute = defineRoute<Runtime, Record<string, never>, z.output<typeof query>>({
  name: 'audit', method: 'GET', route: 'audit', role: Roles.Read, query,
  summary: 'The audit trail (read only): entries by time range, device, caller and action, newest first, a page at a time',
  answers: { 200: { description: 'One page; nextLink while more remain', schema: z.object({ entries: z.array(entry), nextLink: z.string().optional() }) } },
  handle: async ({ runtime, query: q }) => {
    const page = await runtime.audit.query({ from: q.from, to: q.to, device: q.device, actor: q.actor, action: q.action, top: q.$top, continuation: q.continuation });
    const entries = page.entries.map((e) => ({ id: e.id, at: e.at, actor: e.actor, action: e.action, target: e.target, outcome: e.outcome, details: e.details }));
    return { status: 200, body: page.next ? { entries, nextLink: linkOf(page.next) } : { entries } };
  },
});

app.http(auditRoute.name, { methods: [auditRoute.method], route: auditRoute.route, authLevel: 'function', handler: routeHandler(auditRoute, getRuntime) });
