import { app } from '@azure/functions';

/**
 * Options for the whole app, in a file the `main` glob (dist/functions/*.js) loads like
 * the triggers. HTTP streams: without them the worker reads a handler's body to the end
 * (`arrayBuffer()`) and sends it over gRPC in one message, so a streamed answer such as a
 * CSV export would sit whole in memory; with them the host proxies each invocation over
 * HTTP and the body is written as it is read. Needs Functions host 4.28+ (Core Tools
 * 4.0.5530+ for `func start`): `setup` refuses an older host at start.
 * Request bodies then arrive as streams too, which `lib/http/body.ts` reads already.
 */
app.setup({ enableHttpStream: true });
