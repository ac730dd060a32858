/**
 * The control interface over HTTP, for `npm start` users and out-of-process tests:
 * `GET|POST /_emulator/<operation>` with a JSON body (or query string for reads), no
 * auth. GET /_emulator lists the operations. Errors answer
 * `{"error":{"code","message",...}}` with 400 (bad input) or 404 (unknown device...).
 */
import { isAppError } from '../../lib/errors';
import { EmulatedCmdletError } from './exchange-errors';
import type { EmulatorControl, FaultSettings } from './types';
import { jsonReply, type Reply } from './wire';

type Handler = (body: Record<string, unknown>, query: URLSearchParams) => unknown;

interface Route {
  method: 'GET' | 'POST';
  description: string;
  run: Handler;
}

const page = <T>(items: T[], query: URLSearchParams) => {
  const offset = Number(query.get('offset') ?? 0);
  const limit = query.has('limit') ? Number(query.get('limit')) : items.length;
  return items.slice(offset, offset + limit);
};

export interface ControlHttp {
  handle(method: string, url: URL, body: Buffer): Promise<Reply>;
}

export function createControlHttp(control: EmulatorControl, info: () => Record<string, unknown>): ControlHttp {
  const id = (b: Record<string, unknown>, q: URLSearchParams) => String(b.id ?? q.get('id') ?? '');
  const routes: Record<string, Route> = {
    seed: { method: 'POST', description: 'body {devices, mailboxes, seed?, outlookShare?, startDate?, asOf?} -> seed summary', run: (b) => control.seed(b as never) },
    addDevice: { method: 'POST', description: 'body {mailbox, deviceType, deviceId?, clientType?, ...} -> device', run: (b) => control.addDevice(b as never) },
    removeDevice: { method: 'POST', description: 'body {id}: gone for good (a removed partnership: its phone will not come back)', run: (b, q) => (control.removeDevice(id(b, q)), { removed: true }) },
    updateDevice: { method: 'POST', description: "body {id, patch} (patch may set offline, wipeResponse 'ack'|'fail'|'silent', isRemoteWipeSupported) -> device", run: (b, q) => control.updateDevice(id(b, q), (b.patch ?? {}) as never) },
    checkIn: {
      method: 'POST',
      description: 'body {id} or {all:true}, sameCheckIn?: the device answers a wipe in this check-in -> {checkedIn}; an id of a removed partnership re-creates it',
      run: (b, q) => ({ checkedIn: control.checkIn(b.all === true ? { all: true } : id(b, q), { sameCheckIn: b.sameCheckIn === true }) }),
    },
    removedDevices: { method: 'GET', description: '-> partnerships Remove-MobileDevice deleted, and what became of their phones', run: () => control.removedDevices() },
    wipeNotifications: { method: 'GET', description: '-> wipe confirmation mails sent (NotificationEmailAddresses)', run: () => control.wipeNotifications() },
    setVariants: {
      method: 'POST',
      description: "body {cancelAfterPickUp?: 'error'|'warning', releasedFromLists?: 'reevaluate'|'unknown', maxDeviceDeletesPerMonth?: n|null} (others back to defaults) -> variants",
      run: (b) => control.setVariants(b as never),
    },
    variants: { method: 'GET', description: '-> the variants played where Exchange is not settled', run: () => control.variants() },
    listDevices: { method: 'GET', description: '?offset&limit -> devices', run: (_b, q) => page(control.listDevices(), q) },
    getDevice: {
      method: 'GET',
      description: '?id= -> device',
      run: (b, q) => control.getDevice(id(b, q)) ?? { error: { code: 'NotFound', message: `No device partnership '${id(b, q)}'.` }, status: 404 },
    },
    addMailbox: { method: 'POST', description: 'body {alias, displayName?, upn?, primarySmtpAddress?, name?} -> mailbox', run: (b) => control.addMailbox(b as never) },
    listMailboxes: { method: 'GET', description: '?offset&limit -> mailboxes', run: (_b, q) => page(control.listMailboxes(), q) },
    removeMailbox: { method: 'POST', description: 'body {id}: the mailbox and its partnerships', run: (b, q) => (control.removeMailbox(id(b, q)), { removed: true }) },
    addGroup: {
      method: 'POST',
      description: "body {name, kind: 'distribution'|'security'|'unified', members?: [mailbox or group ids], alias?} -> group",
      run: (b) => control.addGroup(b as never),
    },
    addGroupMember: { method: 'POST', description: 'body {group, member} -> group', run: (b) => control.addGroupMember(String(b.group ?? ''), String(b.member ?? '')) },
    listGroups: { method: 'GET', description: '-> groups', run: () => control.listGroups() },
    setPartnershipFlag: {
      method: 'POST',
      description: 'body {mailbox, value: true|false|null}: a stale HasActiveSyncDevicePartnership (null follows the partnerships)',
      run: (b) => control.setPartnershipFlag(String(b.mailbox ?? ''), (b.value ?? null) as boolean | null),
    },
    setTenantConcurrencyLimit: {
      method: 'POST',
      description: 'body {limit: n | null, retryAfterSeconds?}: more calls in flight answer 429 with the per-tenant concurrency text',
      run: (b) => (control.setTenantConcurrencyLimit((b.limit ?? null) as number | null, { retryAfterSeconds: b.retryAfterSeconds as number | null | undefined }), { ok: true }),
    },
    getMailbox: {
      method: 'GET',
      description: '?id= -> mailbox',
      run: (b, q) => control.getMailbox(id(b, q)) ?? { error: { code: 'NotFound', message: `No mailbox '${id(b, q)}'.` }, status: 404 },
    },
    invoke: {
      method: 'POST',
      description: 'body {CmdletName, Parameters} -> {value} (as an administrator: no auth, faults or paging)',
      run: (b) => {
        const input = (b.CmdletInput ?? b) as { CmdletName?: string; Parameters?: Record<string, unknown> };
        return { value: control.invoke(String(input.CmdletName ?? ''), input.Parameters ?? {}) };
      },
    },
    setFaults: { method: 'POST', description: 'body FaultSettings', run: (b) => (control.setFaults(b as FaultSettings), { ok: true }) },
    clearFaults: { method: 'POST', description: 'no faults, default budget', run: () => (control.clearFaults(), { ok: true }) },
    denyCmdlets: {
      method: 'POST',
      description: "body {names:[...], style?: '403'|'401'} (403 NUL bytes, or 401 \"User is not allowed to call <cmdlet>\")",
      run: (b) => (control.denyCmdlets({ names: (b.names ?? []) as string[], style: b.style as never }), { denied: control.deniedCmdlets() }),
    },
    allowAll: { method: 'POST', description: 'undo denyCmdlets', run: () => (control.allowAll(), { denied: [] }) },
    deniedCmdlets: { method: 'GET', description: '-> names', run: () => control.deniedCmdlets() },
    cmdlets: { method: 'GET', description: '-> implemented cmdlet names', run: () => control.cmdlets() },
    setEmptyAnswer: {
      method: 'POST',
      description: "body {cmdlet, style: 'value'|'noContent'|'emptyBody'}",
      run: (b) => (control.setEmptyAnswer(String(b.cmdlet), b.style as never), { ok: true }),
    },
    accessStates: { method: 'GET', description: '?offset&limit -> every partnership\'s access and what decided it (decidedBy)', run: (_b, q) => page(control.accessStates(), q) },
    listPolicies: { method: 'GET', description: '-> mobile device mailbox policies (settings as Exchange shows them)', run: () => control.listPolicies() },
    getPolicy: {
      method: 'GET',
      description: '?id= (name, Guid or DN) -> policy',
      run: (b, q) => control.getPolicy(id(b, q)) ?? { error: { code: 'NotFound', message: `No mobile device mailbox policy '${id(b, q)}'.` }, status: 404 },
    },
    listRules: { method: 'GET', description: '-> device access rules', run: () => control.listRules() },
    getOrganizationSettings: { method: 'GET', description: '-> ActiveSync organisation settings', run: () => control.getOrganizationSettings() },
    setPolicySettingsByHand: {
      method: 'POST',
      description: 'body {policy, settings: {Parameter: value...}}: an administrator runs Set-MobileDeviceMailboxPolicy by hand -> policy',
      run: (b) => control.setPolicySettingsByHand(String(b.policy ?? ''), (b.settings ?? {}) as Record<string, unknown>),
    },
    setPolicySettingByHand: {
      method: 'POST',
      description: 'body {policy, parameter, value} -> policy',
      run: (b) => control.setPolicySettingByHand(String(b.policy ?? ''), String(b.parameter ?? ''), b.value),
    },
    setRuleByHand: { method: 'POST', description: 'body {queryString, characteristic, accessLevel}: creates the rule or changes its level -> rule', run: (b) => control.setRuleByHand(b as never) },
    removeRuleByHand: { method: 'POST', description: 'body {id}: an administrator removes the rule', run: (b, q) => (control.removeRuleByHand(id(b, q)), { removed: true }) },
    setOrganizationSettingsByHand: {
      method: 'POST',
      description: 'body {settings: {DefaultAccessLevel?, AdminMailRecipients?, UserMailInsert?...}} -> settings',
      run: (b) => control.setOrganizationSettingsByHand((b.settings ?? {}) as Record<string, unknown>),
    },
    setOrganizationFlags: { method: 'POST', description: 'body {isIntuneManaged?, hasAzurePremiumSubscription?} -> settings', run: (b) => control.setOrganizationFlags(b as never) },
    failNext: {
      method: 'POST',
      description: 'body {cmdlet, count, status?: 400|500|503|504, exceptionType?, message?, afterExecute?}: its next count calls fail',
      run: (b) => {
        const { cmdlet, count, ...how } = b as { cmdlet?: string; count?: number };
        control.failNext(String(cmdlet ?? ''), count as number, how);
        return { ok: true };
      },
    },
    setAssignedRoles: { method: 'POST', description: "body {roles: [...]}: the app's role group's roles", run: (b) => (control.setAssignedRoles(b.roles as string[]), { roles: control.assignedRoles() }) },
    assignedRoles: { method: 'GET', description: "-> the app's assigned roles", run: () => control.assignedRoles() },
    calls: { method: 'GET', description: '-> counters', run: () => control.calls() },
    resetCounters: { method: 'POST', description: 'zero the counters and the call log', run: () => (control.resetCounters(), { ok: true }) },
    callLog: { method: 'GET', description: '-> last 1000 calls', run: () => control.callLog() },
    setClock: {
      method: 'POST',
      description: 'body {now: ISO} (frozen) or {offsetMs} (real time shifted)',
      run: (b) => {
        if (typeof b.now === 'string') {
          const fixed = new Date(b.now);
          if (Number.isNaN(fixed.getTime())) return { error: { code: 'ValidationError', message: `now: '${b.now}' is not an ISO date` }, status: 400 };
          control.setClock(() => new Date(fixed));
        } else if (typeof b.offsetMs === 'number') {
          const offset = b.offsetMs;
          control.setClock(() => new Date(Date.now() + offset));
        } else return { error: { code: 'ValidationError', message: 'give now (ISO) or offsetMs (number)' }, status: 400 };
        return { ok: true };
      },
    },
    resetClock: { method: 'POST', description: 'back to real time', run: () => (control.resetClock(), { ok: true }) },
  };

  return {
    async handle(method, url, bodyBuf) {
      const op = url.pathname.replace(/^\/_emulator\/?/, '');
      if (op === '') {
        return jsonReply(200, {
          ...info(),
          routes: Object.fromEntries(Object.entries(routes).map(([name, r]) => [`${r.method} /_emulator/${name}`, r.description])),
        });
      }
      const route = routes[op];
      if (!route) return jsonReply(404, { error: { code: 'NotFound', message: `No control operation '${op}'. GET /_emulator lists them.` } });
      if (route.method === 'POST' && method.toUpperCase() !== 'POST') {
        return jsonReply(405, { error: { code: 'MethodNotAllowed', message: `${op} takes POST.` } }, { Allow: 'POST' });
      }
      let body: Record<string, unknown> = {};
      if (bodyBuf.length > 0) {
        try {
          body = JSON.parse(bodyBuf.toString('utf8')) as Record<string, unknown>;
        } catch {
          return jsonReply(400, { error: { code: 'ValidationError', message: 'The body is not valid JSON.' } });
        }
      }
      try {
        const result = route.run(body ?? {}, url.searchParams) as { status?: number; error?: unknown } | undefined;
        if (result && typeof result === 'object' && !Array.isArray(result) && result.error && typeof result.status === 'number') {
          return jsonReply(result.status, { error: result.error });
        }
        return jsonReply(200, result ?? { ok: true });
      } catch (e) {
        if (isAppError(e)) return jsonReply(e.status, { error: e.toJSON() });
        if (e instanceof EmulatedCmdletError) return jsonReply(400, { error: { code: 'CmdletError', exceptionType: e.exceptionType, message: e.message } });
        return jsonReply(500, { error: { code: 'InternalError', message: String(e) } });
      }
    },
  };
}
