import { z } from 'zod';
import { IDEMPOTENCY_KEY_PATTERN } from '../lib/app/actions/idempotent';
import type { StoredAction } from '../lib/app/actions/ports';
import { AppError, ForbiddenError, NotFoundError } from '../lib/errors';
import { Roles } from '../lib/http/caller';
import { registerRoute } from '../lib/functions/register-route';
import { collectionName, inventoryFilter } from '../lib/http/inventory-filter';

const guid = z.object({ guid: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be the device partnership\'s Exchange Guid') }).strict();
const actionId = z.object({ id: z.string().regex(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/, 'must be an action id as the connector gave it') }).strict();
const idempotencyKey = z.object({ 'idempotency-key': z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1-200 visible ASCII characters').optional() });
const action = z.object({ actionId: z.string(), deviceGuid: z.string(), kind: z.string(), state: z.string(), history: z.array(z.object({}).passthrough()) }).passthrough();
const noBody = z.object({}).strict();
/** The cmdlets each route invokes (the install check's deviceActions feature): refused before any call when missing. */
const needs = (...cmdlets: string[]) => ({ feature: 'deviceActions', cmdlets });
const BULK_CMDLETS = { block: ['Set-CASMailbox'], allow: ['Set-CASMailbox'], remove: ['Set-CASMailbox', 'Remove-MobileDevice'], wipe: ['Clear-MobileDevice'] } as const;

/** The action as answered: without its storage version. */
const view = (a: StoredAction) => {
  const { version: _version, ...rest } = a;
  return rest;
};
/**
 * The connector lacking the Exchange role for the cmdlet is the connector's problem, not
 * the caller's: 502 PermissionMissing naming the cmdlet (the action is kept, failed).
 */
function unlessRoleMissing(a: StoredAction): void {
  const call = a.exchange.at(-1);
  if (a.state === 'failed' && call?.exchangeCode === 'PermissionMissing') {
    throw new AppError('PermissionMissing', `The connector may not run ${call.cmdlet} in Exchange (its Exchange role lacks it; GET /api/status lists what is missing). Action ${a.actionId} is recorded as failed.`, 502, { cmdlet: call.cmdlet, actionId: a.actionId });
  }
}
const accepted = (a: StoredAction) => {
  unlessRoleMissing(a);
  return { status: 202, body: view(a), headers: { location: `/api/actions/${a.actionId}` } };
};
/** Exchange confirmed (block, allow, remove): 200; an outcome still open (unknown): 202 with where to follow it. */
const confirmed = (a: StoredAction) => {
  unlessRoleMissing(a);
  return a.state === 'done' || a.state === 'failed' ? { status: 200, body: view(a) } : accepted(a);
};

/** A wipe Exchange refused is over (200, failed, its words); any other is followed (202). */
const refusedOrAccepted = (a: StoredAction) => (a.state === 'failed' ? confirmed(a) : accepted(a));

const route = registerRoute;

route({
  name: 'getDevice', method: 'GET', route: 'devices/{guid}', role: Roles.Read, params: guid,
  summary: 'One device: its inventory record, open actions and the wipe Exchange holds for it',
  answers: { 200: { description: 'The device', schema: z.object({ device: z.object({}).passthrough(), openActions: z.array(action) }).passthrough() } },
  handle: async ({ runtime, params }) => {
    const d = await runtime.actions.device(params.guid);
    return { status: 200, body: { ...d, openActions: d.openActions.map(view) } };
  },
});

route({
  name: 'getDeviceActions', method: 'GET', route: 'devices/{guid}/actions', role: Roles.Read, params: guid,
  summary: "The device's actions, newest first",
  answers: { 200: { description: 'The actions', schema: z.object({ actions: z.array(action) }) } },
  handle: async ({ runtime, params }) => ({ status: 200, body: { actions: (await runtime.actions.history(params.guid)).map(view) } }),
});

const wipeBody = z
  .object({
    mode: z.enum(['accountOnly', 'full']).default('accountOnly'),
    notify: z.array(z.email()).max(10).default([]),
    reason: z.string().min(1).max(500).optional(),
    removeAfterAcknowledged: z.boolean().default(false),
  })
  .strict();

route({
  name: 'wipeDevice', method: 'POST', route: 'devices/{guid}/wipe', role: Roles.Wipe, params: guid, headers: idempotencyKey, body: wipeBody, maxBodyBytes: 4096, needs: needs('Clear-MobileDevice'),
  summary: 'Asks Exchange to wipe the device (account only unless "mode":"full", which needs Devices.WipeFull too)',
  description: 'Answers 202 with Location: /api/actions/{id}; the action follows the wipe to the device\'s acknowledgement (its own word, not proof of erasure). When Exchange refuses the wipe (an account-only wipe of a client below ActiveSync 16.1), 200 with the failed action and Exchange\'s words.',
  answers: { 202: { description: 'The wipe action', schema: action }, 200: { description: 'Exchange refused the wipe: the action, failed, with Exchange\'s words (nothing to follow)', schema: action } },
  handle: ({ runtime, caller, params, headers, body, log }) =>
    runtime.actions.idempotent({ callerId: caller.id, key: headers['idempotency-key'], request: ['wipe', params.guid.toLowerCase(), body] }, async () =>
      refusedOrAccepted(await runtime.actions.wipe(caller, { deviceGuid: params.guid, mode: body.mode, notify: body.notify, reason: body.reason ?? null, removeAfterAcknowledged: body.removeAfterAcknowledged }, log)),
    ),
});

route({
  name: 'cancelWipe', method: 'POST', route: 'devices/{guid}/wipe/cancel', role: Roles.Wipe, params: guid, headers: idempotencyKey, body: noBody, needs: needs('Clear-MobileDevice'),
  summary: 'Withdraws a wipe the device has not picked up',
  answers: { 200: { description: 'The wipe action, cancelled', schema: action }, 202: { description: 'No answer from Exchange: the follow-up tells', schema: action } },
  handle: ({ runtime, caller, params, headers, log }) =>
    runtime.actions.idempotent({ callerId: caller.id, key: headers['idempotency-key'], request: ['cancel', params.guid.toLowerCase()] }, async () => {
      const a = await runtime.actions.cancelWipe(caller, params.guid, log);
      return a.state === 'cancelled' ? { status: 200, body: view(a) } : accepted(a);
    }),
});

for (const kind of ['block', 'allow'] as const) {
  route({
    name: `${kind}Device`, method: 'POST', route: `devices/{guid}/${kind}`, role: Roles.Manage, params: guid, headers: idempotencyKey, body: noBody, needs: needs('Set-CASMailbox'),
    summary: kind === 'block' ? "Blocks the device: its DeviceId onto the mailbox's blocked list, off the allowed one (one Set-CASMailbox)" : "Allows the device (also out of quarantine): its DeviceId onto the mailbox's allowed list, off the blocked one (one Set-CASMailbox)",
    answers: { 200: { description: 'Exchange confirmed (or refused: state failed)', schema: action }, 202: { description: 'No answer from Exchange: the follow-up tells', schema: action } },
    handle: ({ runtime, caller, params, headers, log }) =>
      runtime.actions.idempotent({ callerId: caller.id, key: headers['idempotency-key'], request: [kind, params.guid.toLowerCase()] }, async () => confirmed(await runtime.actions.setAccess(caller, kind, params.guid, log))),
  });
}

route({
  name: 'removeDevice', method: 'DELETE', route: 'devices/{guid}', role: Roles.Manage, params: guid, headers: idempotencyKey, needs: needs('Set-CASMailbox', 'Remove-MobileDevice'),
  query: z.object({ force: z.enum(['true', 'false']).default('false') }).strict(),
  summary: 'Removes the partnership (not a wipe) and takes its DeviceId off both lists; refused while a wipe is open unless ?force=true',
  answers: { 200: { description: 'Exchange confirmed (or refused: state failed)', schema: action }, 202: { description: 'No answer from Exchange: the follow-up tells', schema: action } },
  handle: ({ runtime, caller, params, query, headers, log }) =>
    runtime.actions.idempotent({ callerId: caller.id, key: headers['idempotency-key'], request: ['remove', params.guid.toLowerCase(), query.force] }, async () => confirmed(await runtime.actions.remove(caller, params.guid, { force: query.force === 'true' }, log))),
});

const bulkAnswer = z.object({ bulkId: z.string(), action: z.string(), state: z.enum(['done', 'running']), selected: z.number(), counts: z.object({}).passthrough() }).passthrough();

route({
  name: 'getAction', method: 'GET', route: 'actions/{id}', role: Roles.Read, params: actionId,
  summary: 'One action: its state and history; or, with a bulk id, the bulk: its state, progress and the result of each device so far',
  answers: { 200: { description: 'The action, or the bulk', schema: z.union([action, bulkAnswer]) } },
  handle: async ({ runtime, params }) => {
    const a = await runtime.actions.action(params.id);
    if (a) return { status: 200, body: view(a) };
    const bulk = await runtime.actions.bulkJob(params.id);
    if (!bulk) throw new NotFoundError(`No action or bulk ${params.id}`, { actionId: params.id });
    return { status: 200, body: bulk };
  },
});

route({
  name: 'approveAction', method: 'POST', route: 'actions/{id}/approve', role: Roles.Wipe, params: actionId, body: noBody, needs: needs('Clear-MobileDevice'),
  summary: "A second person's approval of a wipe that waits for it (never the requester's own); with a bulk id, of every wipe of that bulk",
  answers: {
    202: { description: 'Approved and sent to Exchange (a bulk: every action)', schema: z.union([action, z.object({ bulkId: z.string(), actions: z.array(action) })]) },
    200: { description: 'Approved, and Exchange refused the wipe: the action, failed, with Exchange\'s words', schema: action },
  },
  handle: async ({ runtime, caller, params, log }) => {
    const approved = await runtime.actions.approveAny(caller, params.id, log);
    return Array.isArray(approved) ? { status: 202, body: { bulkId: params.id, actions: approved.map(view) } } : refusedOrAccepted(approved);
  },
});

route({
  name: 'rejectAction', method: 'POST', route: 'actions/{id}/reject', role: Roles.Wipe, params: actionId, body: z.object({ reason: z.string().min(1).max(500).optional() }).strict(),
  summary: 'Rejects a wipe that waits for approval',
  answers: { 200: { description: 'Rejected', schema: action } },
  handle: async ({ runtime, caller, params, body, log }) => ({ status: 200, body: view(await runtime.actions.reject(caller, params.id, body.reason ?? null, log)) }),
});

/** The inventory's filters (GET /api/devices, the collections) without `removed`: a bulk acts on partnerships Exchange still has. */
const filter = inventoryFilter.omit({ removed: true });
const bulkBody = z
  .object({
    action: z.enum(['block', 'allow', 'remove', 'wipe']),
    devices: z.array(guid.shape.guid).min(1).max(10_000).optional(),
    filter: filter.optional(),
    collection: collectionName.optional(),
    dryRun: z.boolean().default(false),
    reason: z.string().min(1).max(500).optional(),
    force: z.boolean().default(false),
  })
  .strict();
const BULK_ROLE = { block: Roles.Manage, allow: Roles.Manage, remove: Roles.Manage, wipe: Roles.Wipe } as const;

route({
  name: 'bulkAction', method: 'POST', route: 'actions/bulk', role: Roles.Read, headers: idempotencyKey, body: bulkBody, maxBodyBytes: 512 * 1024,
  summary: 'Blocks, allows, removes or wipes many devices, named, chosen by filter or by collection; "dryRun":true answers the exact devices it would touch',
  description:
    'Name the devices ("devices"), give the filters of GET /api/devices ("filter", without removed) or a collection\'s name ("collection", its filter as saved now); one of the three. ' +
    'The role is the action\'s: Devices.Manage for block, allow and remove, Devices.Wipe for wipe. Block and allow are one Set-CASMailbox per mailbox; every bulk wipe waits for a second person (POST /api/actions/{id}/approve with the bulk id approves all of it). ' +
    'A bulk still running after BULK_ANSWER_WITHIN_SECONDS answers 202 with Location: /api/actions/{bulkId}, and the action follow-up carries it on.',
  answers: { 200: { description: 'Every device\'s result', schema: bulkAnswer }, 202: { description: 'Still running: the results so far; follow it at Location', schema: bulkAnswer } },
  handle: async ({ runtime, caller, headers, body, log }) => {
    const role = BULK_ROLE[body.action];
    if (!caller.roles.includes(role)) throw new ForbiddenError(`A bulk ${body.action} needs the app role ${role}`, { requiredRole: role });
    if (!body.dryRun) await runtime.featureGate.require(needs(...BULK_CMDLETS[body.action]));
    // A retry gets the first answer's status and counts, and where the results are (10,000 of them are too large to keep).
    const stored = (a: { status: number; body: unknown }) => {
      const { results: _r, devices: _d, ...summary } = a.body as Record<string, unknown>;
      return { status: a.status, body: { ...summary, resultsAt: `/api/actions/${String(summary.bulkId)}` }, headers: { location: `/api/actions/${String(summary.bulkId)}` } };
    };
    // A dry run changes nothing: it is simply answered again.
    return runtime.actions.idempotent({ callerId: caller.id, key: body.dryRun ? undefined : headers['idempotency-key'], request: ['bulk', body], stored }, async () => {
      const answer = await runtime.actions.bulk(caller, { action: body.action, devices: body.devices, filter: body.filter, collection: body.collection, dryRun: body.dryRun, reason: body.reason ?? null, force: body.force }, log);
      return answer.state === 'running' ? { status: 202, body: answer, headers: { location: `/api/actions/${answer.bulkId}` } } : { status: 200, body: answer };
    });
  },
});
