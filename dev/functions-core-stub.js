'use strict';
// Stand-in for '@azure/functions-core', the module the Functions host injects into the
// worker. '@azure/functions' hands every app.http/app.timer registration to it; this
// stub only records them so the project's local host (dev/local-host.ts) can serve the
// real registrations. Nothing else in the project may import it.
const registrations = [];
const hooks = [];

module.exports = {
  registrations,
  hooks,
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerFunction(metadata, handler) {
    const existing = registrations.findIndex((r) => r.metadata.name === metadata.name);
    if (existing >= 0) registrations.splice(existing, 1);
    registrations.push({ metadata, handler });
    return { dispose() {} };
  },
  registerHook(hookName, callback) {
    hooks.push({ hookName, callback });
    return { dispose() {} };
  },
  log(level, category, message) {
    if (level === 'error' || level === 'warning') process.stderr.write(`[functions ${category}] ${message}\n`);
  },
};
