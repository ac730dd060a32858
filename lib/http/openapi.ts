/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the declared routes' zod
 * schemas (zod's own JSON Schema output: OpenAPI 3.1 schemas are JSON Schema 2020-12).
 * Security: an Entra bearer token; each operation names the app role it needs. Errors
 * are problem+json (RFC 9457) for every operation.
 */
import { z } from 'zod';
import type { RouteSpec } from './route';

type AnyRoute = RouteSpec<never, unknown, unknown, unknown, unknown>;
type JsonSchema = Record<string, unknown>;

const ERROR_STATUSES: Record<string, string> = {
  '400': 'A route parameter, query, header or body is invalid; `errors` names each field and reason',
  '401': 'No bearer token, or one the connector refused',
  '403': 'The caller lacks the app role this operation needs',
  '413': 'The body is larger than this operation accepts',
  '415': 'The body is not sent as application/json',
  '500': 'The connector failed unexpectedly (a correlation id names the log entry)',
  '502': 'Exchange Online, Entra ID or Table Storage refused the connector (for example a missing role)',
  '503': 'The connector is misconfigured, or a dependency is unavailable or throttling',
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const s = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete s.$schema;
  return s;
}

/** One OpenAPI parameter per property of an object schema. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const s = schemaOf(schema, 'input');
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(properties).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    schema: p,
  }));
}

const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    correlationId: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['field', 'reason'], properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
  },
};

/** A route outside the helper (health): a function key, no token. */
export interface PlainRoute {
  name: string;
  method: string;
  route: string;
  summary: string;
  answers: Record<number, string>;
}

export function openApiDocument(
  routes: readonly AnyRoute[],
  o: { title?: string; version: string; authorityHost?: string; tenantId?: string; audience?: string; plain?: readonly PlainRoute[] },
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of o.plain ?? []) {
    (paths[`/api/${r.route}`] ??= {})[r.method.toLowerCase()] = {
      operationId: r.name,
      summary: r.summary,
      responses: Object.fromEntries(Object.entries(r.answers).map(([status, description]) => [status, { description, content: { 'application/json': { schema: { type: 'object' } } } }])),
      security: [],
    };
  }
  for (const r of routes) {
    const path = `/api/${r.route.replace(/\{([^}:?*]+)[^}]*\}/g, '{$1}')}`;
    const responses: Record<string, unknown> = {};
    for (const [status, a] of Object.entries(r.answers)) {
      const content = {
        ...(a.schema ? { 'application/json': { schema: schemaOf(a.schema, 'output') } } : {}),
        ...(a.csv ? { 'text/csv': { schema: { type: 'string', description: a.csv } } } : {}),
      };
      responses[status] = { description: a.description, ...(Object.keys(content).length ? { content } : {}) };
    }
    for (const [status, description] of Object.entries(ERROR_STATUSES)) {
      if ((status === '413' || status === '415') && !r.body) continue;
      responses[status] = { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.name,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query'), ...parametersOf(r.headers, 'header')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses,
      security: [{ entra: [r.role] }],
      'x-app-role': r.role,
    };
  }
  const authority = o.authorityHost && o.tenantId ? `${o.authorityHost.replace(/\/+$/, '')}/${o.tenantId}` : undefined;
  return {
    openapi: '3.1.0',
    info: { title: o.title ?? 'Exchange Online mobile device connector', version: o.version, description: 'Every operation needs a Microsoft Entra access token for the connector API carrying the app role the operation names (x-app-role).' },
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        entra: {
          type: 'oauth2',
          description: `Microsoft Entra ID access token for ${o.audience ?? 'the connector API'}; app roles are granted to the calling user or application.`,
          flows: {
            clientCredentials: {
              tokenUrl: `${authority ?? 'https://login.microsoftonline.com/<tenant>'}/oauth2/v2.0/token`,
              scopes: Object.fromEntries([...new Set(routes.map((r) => r.role))].map((role) => [role, `App role ${role}`])),
            },
          },
        },
      },
    },
  };
}
