import { z } from 'zod';
import { collectDesiredGroups, type DesiredGroups } from '../lib/domain/policy';
import { NotFoundError, ValidationError, type FieldIssue } from '../lib/errors';
import { Roles } from '../lib/http/caller';
import { registerRoute } from '../lib/functions/register-route';

const name = z.object({ name: z.string().min(1).max(64).regex(/^[^\x00-\x1f\\/#?*]*[^\s\x00-\x1f\\/#?*][^\x00-\x1f\\/#?*]*$/, 'must be a mailbox policy name: 1-64 characters, not only spaces, none of \\ / # ? *') }).strict();
const upn = z.object({ upn: z.string().min(3).max(256).regex(/^[^\s@/\\]+@[^\s@/\\]+$/, 'must be the mailbox\'s UPN or SMTP address') }).strict();
const ifMatch = z.object({ 'if-match': z.string().min(1).max(200).optional() });
const policyView = z.object({ name: z.string(), inExchange: z.boolean(), isDefault: z.boolean(), managed: z.boolean(), groups: z.object({}).passthrough() }).passthrough();
/** Shapes only: the values are checked against the settings catalogue (lib/domain/policy), every bad one named. */
const policyBody = z.object({ groups: z.unknown().optional(), allowExternalDeviceManagement: z.unknown().optional(), isDefault: z.unknown().optional() }).strict();
const write = { feature: 'mailboxPolicies', cmdlets: ['Get-MobileDeviceMailboxPolicy', 'Set-MobileDeviceMailboxPolicy', 'New-MobileDeviceMailboxPolicy'] };

function parseChange(body: z.infer<typeof policyBody>, o: { groupsRequired: boolean }): { groups: DesiredGroups; allowExternalDeviceManagement?: boolean; isDefault?: boolean } {
  const issues: FieldIssue[] = [];
  if (body.groups === undefined && o.groupsRequired) issues.push({ field: 'body.groups', reason: 'is required: the groups the connector manages (an empty object manages none)' });
  const groups = body.groups === undefined ? {} : collectDesiredGroups(body.groups, 'body.groups', issues);
  for (const f of ['allowExternalDeviceManagement', 'isDefault'] as const) {
    if (body[f] !== undefined && typeof body[f] !== 'boolean') issues.push({ field: `body.${f}`, reason: `must be true or false, got ${JSON.stringify(body[f])}` });
  }
  if (issues.length) throw new ValidationError(issues);
  return { groups, allowExternalDeviceManagement: body.allowExternalDeviceManagement as boolean | undefined, isDefault: body.isDefault as boolean | undefined };
}

const route = registerRoute;
const withEtag = (v: { etag?: string }) => (v.etag ? { etag: v.etag } : undefined);

route({
  name: 'listPolicies', method: 'GET', route: 'policies', role: Roles.PoliciesRead, needs: { feature: 'mailboxPolicies', cmdlets: ['Get-MobileDeviceMailboxPolicy'] },
  summary: 'Every mobile device mailbox policy in Exchange: each setting found, the desired value of managed groups, drift, and whether the setting still has an effect on today\'s clients',
  answers: { 200: { description: 'The policies', schema: z.object({ policies: z.array(policyView) }) } },
  handle: async ({ runtime }) => ({ status: 200, body: { policies: await runtime.policies.list() } }),
});

route({
  name: 'getPolicy', method: 'GET', route: 'policies/{name}', role: Roles.PoliciesRead, params: name, needs: { feature: 'mailboxPolicies', cmdlets: ['Get-MobileDeviceMailboxPolicy'] },
  summary: 'One policy: as found in Exchange, as desired, its drift; ETag for If-Match when managed',
  answers: { 200: { description: 'The policy', schema: policyView } },
  handle: async ({ runtime, params }) => {
    const v = await runtime.policies.get(params.name);
    if (!v) throw new NotFoundError(`Exchange has no mobile device mailbox policy named "${params.name}" and the connector manages none`, { policy: params.name });
    return { status: 200, body: v, headers: withEtag(v) };
  },
});

for (const method of ['PUT', 'PATCH'] as const) {
  route({
    name: method === 'PUT' ? 'putPolicy' : 'patchPolicy', method, route: 'policies/{name}', role: Roles.Policies, params: name, headers: ifMatch, body: policyBody, needs: write,
    summary: method === 'PUT'
      ? 'Manages the policy: the groups given (any setting of a group manages the whole group; unset members get Exchange\'s defaults), created in Exchange if missing; one Set- call with only the changed parameters'
      : 'Changes one group or one setting of a managed policy (merged into the desired groups); one Set- call with only the changed parameters',
    description: 'If-Match: the ETag of GET /api/policies/{name}; required once the policy is managed (428 without it, 412 when stale), so two administrators never overwrite each other silently.',
    answers: { 200: { description: 'Managed; what Exchange now holds', schema: policyView }, 201: { description: 'Now managed (and created in Exchange when it was missing)', schema: policyView } },
    handle: async ({ runtime, caller, params, headers, body, log }) => {
      const change = parseChange(body, { groupsRequired: method === 'PUT' });
      const r = await runtime.policies.write(caller, params.name, change, { ifMatch: headers['if-match'], merge: method === 'PATCH' }, log);
      const v = (await runtime.policies.get(r.policy.name))!;
      return { status: r.created ? 201 : 200, body: { ...v, exchangeCall: r.exchange }, headers: withEtag(v) };
    },
  });
}

route({
  name: 'deletePolicy', method: 'DELETE', route: 'policies/{name}', role: Roles.Policies, params: name, headers: ifMatch,
  query: z.object({ deleteFromExchange: z.enum(['true', 'false']).default('false') }).strict(),
  summary: 'Stops managing the policy (Exchange untouched); ?deleteFromExchange=true also removes it there (never the default, refused while mailboxes are assigned it)',
  answers: { 200: { description: 'What was done', schema: z.object({ stoppedManaging: z.boolean(), removedFromExchange: z.unknown() }) } },
  handle: async ({ runtime, caller, params, query, headers, log }) => {
    if (query.deleteFromExchange === 'true') await runtime.featureGate.require({ feature: 'mailboxPolicies', cmdlets: ['Remove-MobileDeviceMailboxPolicy'] });
    return { status: 200, body: await runtime.policies.remove(caller, params.name, { ifMatch: headers['if-match'], deleteFromExchange: query.deleteFromExchange === 'true' }, log) };
  },
});

route({
  name: 'assignPolicy', method: 'PUT', route: 'users/{upn}/policy', role: Roles.Policies, params: upn, body: z.object({ policy: z.string().min(1).max(64).nullable() }).strict(),
  needs: { feature: 'mailboxPolicies', cmdlets: ['Get-MobileDeviceMailboxPolicy', 'Set-CASMailbox'] },
  summary: 'Assigns a mailbox policy to one mailbox (Set-CASMailbox -ActiveSyncMailboxPolicy); "policy": null puts the mailbox back on the default policy',
  answers: { 200: { description: 'Assigned', schema: z.object({ mailbox: z.string(), policy: z.string().nullable(), requestId: z.string().nullable() }) } },
  handle: async ({ runtime, caller, params, body, log }) => ({ status: 200, body: await runtime.policies.assign(caller, params.upn, body.policy, log) }),
});
