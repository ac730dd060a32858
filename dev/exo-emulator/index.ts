/**
 * The project's Exchange Online admin API emulator: the peer of every integration test
 * and the embedded Exchange behind `npm start`. It serves
 * `POST {url}/adminapi/beta/{tenant}/InvokeCommand` (plus `$batch` and the per-mailbox
 * statistics GET) for every cmdlet the connector uses, checks bearer tokens, pages with
 * expiring single-use nextLinks, answers Exchange's error shapes, and can be told to
 * throttle, fail or drop calls. Drive it through `control` (in process) or
 * `/_emulator/...` (HTTP).
 */
import { silentLogger } from '../../lib/log';
import { ValidationError } from '../../lib/errors';
import { createTokenValidator } from './auth';
import { createControl } from './control';
import { createControlHttp } from './control-http';
import { EmulatorCore } from './core';
import { startHttpServer } from './server';
import type { EmulatorOptions, ExchangeEmulator } from './types';

export type * from './types';
export { EmulatedCmdletError } from './exchange-errors';
export { CONCURRENCY_TEXT } from './faults';
export { PAGING_EXPIRED_TEXT, TRUNCATED_WARNING } from './paging';
export { ASSIGNED_ROLES, CONNECTOR_ROLE_GROUP } from './cmdlets/rbac';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startExchangeEmulator(o: EmulatorOptions): Promise<ExchangeEmulator> {
  if (!o || typeof o.tenantId !== 'string' || !GUID.test(o.tenantId)) throw ValidationError.of('tenantId', 'must be the tenant GUID');
  if (typeof o.jwksUri !== 'string' || !/^https?:\/\//.test(o.jwksUri)) throw ValidationError.of('jwksUri', 'must be an http(s) URL');
  if (!Array.isArray(o.issuers) || o.issuers.length === 0) throw ValidationError.of('issuers', 'at least one accepted issuer');
  const tenantDomains = (o.tenantDomains ?? []).map((d) => d.toLowerCase());
  const log = o.log ?? silentLogger;
  const limit = o.tenantConcurrencyLimit ?? null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) throw ValidationError.of('tenantConcurrencyLimit', 'must be a positive integer (or null for no limit)');
  const core = new EmulatorCore({ tenantId: o.tenantId.toLowerCase(), tenantDomains, nextLinkTtlMs: o.nextLinkTtlMs ?? 30 * 60_000, tenantConcurrencyLimit: limit, log });
  const validator = createTokenValidator({
    tenantId: o.tenantId,
    tenantDomains,
    jwksUri: o.jwksUri,
    issuers: o.issuers,
    audience: o.audience ?? 'https://outlook.office365.com',
    requiredRole: o.requiredRole ?? 'Exchange.ManageAsApp',
  });
  const control = createControl(core);
  const controlHttp = createControlHttp(control, () => ({
    url: core.baseUrl,
    tenantId: o.tenantId,
    tenantDomains,
    invokeCommand: `${core.baseUrl}/adminapi/beta/${o.tenantId}/InvokeCommand`,
    devices: core.org.devices.size,
    mailboxes: core.org.mailboxes.size,
    groups: core.org.groups.size,
    tenantConcurrencyLimit: core.tenantConcurrency.limit,
    cmdlets: control.cmdlets(),
  }));
  const server = await startHttpServer({ core, validator, control: controlHttp, port: o.port ?? 0 });
  core.baseUrl = server.url;
  log.info('exo-emulator listening', { url: server.url, tenantId: o.tenantId });
  return { url: server.url, control, stop: () => server.close() };
}
