import { z } from 'zod';
import { ACCESS_LEVELS, RULE_CHARACTERISTICS } from '../lib/domain/access-precedence';
import { Roles } from '../lib/http/caller';
import { registerRoute } from '../lib/functions/register-route';

const level = z.enum(ACCESS_LEVELS as [string, ...string[]]).transform((v) => v as 'Allow' | 'Block' | 'Quarantine');
const characteristic = z.enum(RULE_CHARACTERISTICS as [string, ...string[]]).transform((v) => v as 'DeviceType' | 'DeviceModel' | 'DeviceOS' | 'UserAgent');
// Exchange matches the query string exactly; a leading or trailing space or a control character is never what a device sends.
const queryString = z.string().min(1).max(256).regex(/^\S(?:[^\p{Cc}]*\S)?$/u, 'must be the exact value a device sends: no leading or trailing spaces, no control characters');
/** Exchange holds at most 256 characters in either mail insert (reference, "Organization settings"). */
const mailText = z.string().max(256);
const confirmImpact = z.number().int().min(0);
const ifMatch = z.object({ 'if-match': z.string().min(1).max(200).optional() });
const ruleId = z.object({ id: z.string().regex(/^ar-[0-9a-f]{12}$/, 'must be a rule id as the connector gave it (ar-<12 hex>)') }).strict();
const view = z.object({}).passthrough();

const orgBody = z
  .object({
    defaultAccessLevel: level.optional(),
    adminMailRecipients: z.array(z.email().max(256)).max(100).optional(),
    userMailInsert: mailText.optional(),
    otaNotificationMailInsert: mailText.optional(),
    confirmImpact: confirmImpact.optional(),
  })
  .strict();
const ruleBody = z.object({ characteristic, queryString, accessLevel: level, confirmImpact: confirmImpact.optional() }).strict();
const previewBody = z
  .object({
    defaultAccessLevel: level.optional(),
    rule: z
      .object({ id: ruleId.shape.id.optional(), identity: z.string().min(1).max(300).optional(), characteristic: characteristic.optional(), queryString: queryString.optional(), accessLevel: level.optional(), remove: z.boolean().optional() })
      .strict()
      .refine((r) => !(r.id && r.identity), { message: 'name the rule by id or by identity, not both' })
      .refine((r) => !r.remove || r.id || r.identity, { message: 'a removal names the rule (id or identity)' })
      .refine((r) => r.remove || r.id || r.identity || (r.characteristic && r.queryString && r.accessLevel), { message: 'a new rule needs characteristic, queryString and accessLevel' })
      .optional(),
  })
  .strict()
  .refine((b) => b.defaultAccessLevel !== undefined || b.rule !== undefined, { message: 'propose a defaultAccessLevel, a rule, or both' });

const GET_ORG = 'Get-ActiveSyncOrganizationSettings';
const GET_RULES = 'Get-ActiveSyncDeviceAccessRule';
/** The impact reckoning's reads: the rules, the default, the users with ActiveSync disabled. */
const IMPACT = [GET_RULES, 'Get-CASMailbox'];
const org = (...cmdlets: string[]) => ({ feature: 'organizationSettings', cmdlets });
const rules = (...cmdlets: string[]) => ({ feature: 'accessRules', cmdlets });

const route = registerRoute;
const etagged = (status: number, body: { etag: string | null }) => ({ status, body, headers: body.etag ? { etag: body.etag } : undefined });

route({
  name: 'getAccessOrganization', method: 'GET', route: 'access/organization', role: Roles.PoliciesRead, needs: org(GET_ORG),
  summary: 'The organization\'s ActiveSync settings as Exchange holds them, the read-only ones, the values the connector manages, and drift; ETag of the current settings',
  answers: { 200: { description: 'The settings', schema: view } },
  handle: async ({ runtime }) => etagged(200, await runtime.access.organization()),
});

route({
  name: 'setAccessOrganization', method: 'PUT', route: 'access/organization', role: Roles.Policies, headers: ifMatch, body: orgBody, needs: org(GET_ORG, 'Set-ActiveSyncOrganizationSettings', 'Get-CASMailbox'),
  summary: 'Sets the managed organization settings (the ones named; one left out is no longer managed) with one Set-ActiveSyncOrganizationSettings of the changed parameters',
  description: 'Needs If-Match: the ETag GET answered (428 without, 412 when stale). A default that would block or quarantine more than ACCESS_CONFIRM_ABOVE devices needs "confirmImpact" equal to that number (409 names it).',
  answers: { 200: { description: 'What Exchange holds now', schema: view } },
  handle: async ({ runtime, caller, headers, body, log }) => {
    if (body.defaultAccessLevel !== undefined) await runtime.featureGate.require(rules(...IMPACT));
    return etagged(200, await runtime.access.setOrganization(caller, body, headers['if-match'], log));
  },
});

route({
  name: 'getAccessRules', method: 'GET', route: 'access/rules', role: Roles.PoliciesRead, needs: rules(GET_RULES),
  summary: 'The device access rules Exchange holds: which the connector manages (its id, desired state, drift, ETag), which it leaves alone',
  answers: { 200: { description: 'The rules', schema: z.object({ rules: z.array(view) }).passthrough() } },
  handle: async ({ runtime }) => ({ status: 200, body: await runtime.access.rules() }),
});

route({
  name: 'createAccessRule', method: 'POST', route: 'access/rules', role: Roles.Policies, body: ruleBody, needs: rules(...IMPACT, 'New-ActiveSyncDeviceAccessRule'),
  summary: 'Creates a device access rule (New-ActiveSyncDeviceAccessRule); Exchange names it <QueryString> (<Characteristic>)',
  description: 'A rule that would block or quarantine more than ACCESS_CONFIRM_ABOVE devices needs "confirmImpact" equal to that number (409 names it); one that exists already: 409 RuleExists.',
  answers: { 201: { description: 'The rule and its connector id', schema: view } },
  handle: async ({ runtime, caller, body, log }) => {
    await runtime.featureGate.require(org(GET_ORG));
    const r = await runtime.access.createRule(caller, body, log);
    return { status: 201, body: r, headers: { location: `/api/access/rules/${r.id}`, ...(r.etag ? { etag: r.etag } : {}) } };
  },
});

route({
  name: 'updateAccessRule', method: 'PUT', route: 'access/rules/{id}', role: Roles.Policies, params: ruleId, headers: ifMatch, body: ruleBody,
  needs: rules(...IMPACT, 'New-ActiveSyncDeviceAccessRule', 'Set-ActiveSyncDeviceAccessRule', 'Remove-ActiveSyncDeviceAccessRule'),
  summary: 'Changes a managed rule: a new access level is one Set-; a new query string or characteristic creates the new rule, then removes the old one',
  description: 'If-Match, when sent, must be the rule\'s ETag (412 when stale). When the old rule\'s removal fails it stays pending (502 RuleRemovalPending): the same PUT again, or the reconcile, removes it.',
  answers: { 200: { description: 'The rule as Exchange holds it now', schema: view } },
  handle: async ({ runtime, caller, params, headers, body, log }) => {
    await runtime.featureGate.require(org(GET_ORG));
    return etagged(200, await runtime.access.updateRule(caller, params.id, body, headers['if-match'], log));
  },
});

route({
  name: 'removeAccessRule', method: 'DELETE', route: 'access/rules/{id}', role: Roles.Policies, params: ruleId, headers: ifMatch, needs: rules(...IMPACT, 'Remove-ActiveSyncDeviceAccessRule'),
  query: z.object({ confirmImpact: z.string().regex(/^\d{1,9}$/, 'a whole number').transform(Number).optional() }).strict(),
  summary: 'Removes a managed rule (and any it replaced); its devices fall to other rules or the default',
  description: 'Removing a rule may block or quarantine its devices under the default: above ACCESS_CONFIRM_ABOVE it needs ?confirmImpact=<that number>.',
  answers: { 200: { description: 'The identities Exchange no longer holds', schema: z.object({ id: z.string(), removed: z.array(z.string()) }) } },
  handle: async ({ runtime, caller, params, query, headers, log }) => {
    await runtime.featureGate.require(org(GET_ORG));
    return { status: 200, body: await runtime.access.removeRule(caller, params.id, { ifMatch: headers['if-match'], confirmImpact: query.confirmImpact }, log) };
  },
});

route({
  name: 'previewAccess', method: 'POST', route: 'access/preview', role: Roles.PoliciesRead, body: previewBody, needs: rules(...IMPACT),
  summary: 'Which inventory devices a proposed default access level and/or rule (new, changed or removed) would move, by their new state; changes nothing',
  answers: { 200: { description: 'Counts by new state and the devices (at most 1000 listed)', schema: view } },
  handle: async ({ runtime, body }) => {
    await runtime.featureGate.require(org(GET_ORG));
    return { status: 200, body: await runtime.access.preview(body) };
  },
});
