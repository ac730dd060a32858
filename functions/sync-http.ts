import { app } from '@azure/functions';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../lib/app/runtime';
import { summariseRun } from '../lib/app/sync/run-sync';
import { AppError } from '../lib/errors';
import { Roles } from '../lib/http/caller';
import { defineRoute, routeHandler } from '../lib/http/route';

/** Stays inside the 230 s an HTTP request may last in Azure; a full sync continues on its timer. */
const TIME_BUDGET_MS = 200_000;

export const syncRoute = defineRoute<Runtime, Record<string, never>, Record<string, never>, Record<string, never>, { kind: 'full' | 'delta' }>({
  name: 'sync',
  method: 'POST',
  route: 'sync',
  role: Roles.Sync,
  summary: 'Runs a full or delta sync now',
  description: 'Answers 200 when the sync succeeded, 202 when a full sync stopped at its time budget and continues on its timer, 409 while another instance syncs the tenant.',
  body: z.object({ kind: z.enum(['full', 'delta']) }).strict(),
  maxBodyBytes: 1024,
  answers: {
    200: { description: 'The sync ran to its end', schema: z.object({ run: z.object({}).passthrough(), summary: z.string() }) },
    202: { description: 'A full sync stopped at its time budget; its timer continues it', schema: z.object({ run: z.object({}).passthrough(), summary: z.string() }) },
  },
  async handle({ runtime, caller, body, log }) {
    log.info(`Manual ${body.kind} sync requested by ${caller.id}`);
    const { run, heldBy } = await runtime.sync.run({ kind: body.kind, maxDurationMs: TIME_BUDGET_MS, log });
    if (heldBy) {
      throw new AppError('SyncInProgress', `Instance ${heldBy.holder} is syncing this tenant (lease until ${heldBy.expiresAt}, last renewed ${heldBy.renewedAt ?? 'at an unknown time'})`, 409, { ...heldBy });
    }
    log.info(summariseRun(run));
    return { status: run.outcome === 'succeeded' ? 200 : 202, body: { run, summary: summariseRun(run) } };
  },
});

app.http(syncRoute.name, { methods: [syncRoute.method], route: syncRoute.route, authLevel: 'function', handler: routeHandler(syncRoute, getRuntime) });
