/**
 * App Service's managed identity endpoint (api-version 2019-08-01), as
 * ManagedIdentityCredential calls it with IDENTITY_ENDPOINT and IDENTITY_HEADER.
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { send } from './http';
import type { IssueAppToken } from './tokens';

export interface ManagedIdentity {
  tenantId: string;
  clientId: string;
  roles: Record<string, string[]>;
}

export interface ManagedIdentityContext {
  /** The IDENTITY_HEADER value a request must carry. */
  header: string;
  /** By lower-cased client id; the first is the system-assigned one. */
  identities: ReadonlyMap<string, ManagedIdentity>;
  lifetime: number;
  appToken: IssueAppToken;
  /** Counts the request as served (tokenRequests), whatever its answer. */
  countRequest(): void;
}

export async function handleManagedIdentity(ctx: ManagedIdentityContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  ctx.countRequest();
  // App Service answers errors as {statusCode, message}; 404 would make clients retry for a minute.
  const fail = (status: number, message: string) => send(res, status, { statusCode: status, message, correlationId: randomUUID() });
  if (req.method !== 'GET' || u.pathname !== '/msi/token') return fail(400, `${req.method} ${u.pathname} is not a managed identity endpoint.`);
  if (req.headers['x-identity-header'] !== ctx.header) return fail(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
  if (u.searchParams.get('api-version') !== '2019-08-01') return fail(400, 'Only api-version 2019-08-01 is supported.');
  const resource = u.searchParams.get('resource');
  if (!resource) return fail(400, "The 'resource' query parameter is required.");
  if (u.searchParams.has('mi_res_id') || u.searchParams.has('principal_id') || u.searchParams.has('object_id')) {
    return fail(400, 'The local provider selects user-assigned identities by client_id only.');
  }
  const clientId = u.searchParams.get('client_id');
  const identity = clientId ? ctx.identities.get(clientId.toLowerCase()) : ctx.identities.values().next().value;
  if (!identity) return fail(400, `Unable to load the proper Managed Identity.${clientId ? ` No identity with client_id '${clientId}'.` : ''}`);
  const audience = resource.replace(/\/\.default$/, '');
  const { token, exp } = await ctx.appToken({
    tenantId: identity.tenantId,
    clientId: identity.clientId,
    audience,
    roles: identity.roles[audience] ?? [],
    appidacr: '2',
    expiresIn: ctx.lifetime,
  });
  send(res, 200, {
    access_token: token,
    expires_on: String(exp),
    resource,
    token_type: 'Bearer',
    client_id: identity.clientId,
  });
}
