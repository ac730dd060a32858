import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { getRuntime } from '../lib/app/runtime';
import { runSync, summariseRun } from '../lib/app/sync/run-sync';
import { Roles } from '../lib/http/caller';
import { contextLogger } from '../lib/http/context-logger';
import { jsonResponse, problemResponse } from '../lib/http/problem';
import { parseJsonBody } from '../lib/http/validate';

const body = z.object({ kind: z.enum(['full', 'delta']) }).strict();

/** Stays inside the 230 s an HTTP request may last in Azure; a full sync continues on its timer. */
const TIME_BUDGET_MS = 200_000;

/** POST /api/sync {"kind":"full"|"delta"}: runs a sync now for a caller with the Sync.Run role. */
export async function startSync(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const log = contextLogger(context);
  try {
    const runtime = await getRuntime();
    const caller = await runtime.verifyCaller(request.headers.get('authorization'), Roles.Sync);
    const input = await parseJsonBody(request, body);
    log.info(`Manual ${input.kind} sync requested by ${caller.id}`);
    const { run, heldBy } = await runSync(runtime, { kind: input.kind, maxDurationMs: TIME_BUDGET_MS, log });
    if (heldBy) return jsonResponse(409, { code: 'SyncInProgress', detail: `instance ${heldBy.holder} is syncing this tenant (lease until ${heldBy.expiresAt}, last renewed ${heldBy.renewedAt ?? 'at an unknown time'})`, ...heldBy });
    log.info(summariseRun(run));
    return jsonResponse(run.outcome === 'succeeded' ? 200 : 202, { run, summary: summariseRun(run) });
  } catch (err) {
    return problemResponse(err, log, context.invocationId);
  }
}

app.http('sync', { methods: ['POST'], route: 'sync', authLevel: 'function', handler: startSync });
