import { app } from '@azure/functions';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../lib/app/runtime';
import { Roles } from '../lib/http/caller';
import { openApiDocument } from '../lib/http/openapi';
import { declaredRoutes, defineRoute, routeHandler } from '../lib/http/route';
import { connectorVersion } from '../lib/version';

/** The health routes (functions/health.ts): a function key only, no token. */
const HEALTH_ROUTES = [
  { name: 'health', method: 'GET', route: 'health', summary: 'Configuration, storage, token and Exchange reachability (checked at most once a minute)', answers: { 200: 'Healthy', 503: 'Unhealthy: each failing check with its reason' } },
  { name: 'liveness', method: 'GET', route: 'health/live', summary: 'The connector answers and its settings are valid; calls nothing', answers: { 200: 'Alive', 503: 'The connector could not start' } },
];

export const openApiRoute = defineRoute<Runtime>({
  name: 'openapi',
  method: 'GET',
  route: 'openapi.json',
  role: Roles.Read,
  summary: 'This OpenAPI 3.1 document: every route, its role, inputs and answers',
  answers: { 200: { description: 'The OpenAPI document', schema: z.object({ openapi: z.string() }).passthrough() } },
  async handle({ runtime }) {
    const { config } = runtime;
    return { status: 200, body: openApiDocument(declaredRoutes, { version: connectorVersion(), authorityHost: config.authorityHost, tenantId: config.api.tenantId, audience: config.api.audience, plain: HEALTH_ROUTES }) };
  },
});

app.http(openApiRoute.name, { methods: [openApiRoute.method], route: openApiRoute.route, authLevel: 'function', handler: routeHandler(openApiRoute, getRuntime) });
