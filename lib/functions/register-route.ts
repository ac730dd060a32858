/** Declares an HTTP route (for the OpenAPI document) and registers its Functions trigger, served with the process runtime. */
import { app } from '@azure/functions';
import { getRuntime, type Runtime } from '../app/runtime';
import { defineRoute, routeHandler, type RouteSpec } from '../http/route';

export function registerRoute<P, Q, H, B>(spec: RouteSpec<Runtime, P, Q, H, B>): RouteSpec<Runtime, P, Q, H, B> {
  const s = defineRoute(spec);
  app.http(s.name, { methods: [s.method], route: s.route, authLevel: 'function', handler: routeHandler(s, getRuntime) });
  return s;
}
