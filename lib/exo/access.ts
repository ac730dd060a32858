/**
 * The access feature's view of Exchange (the AccessExchange port): device access rules,
 * the organization's ActiveSync settings, and which mailboxes have ActiveSync disabled
 * (the top of the precedence). Reads keep the client's typed errors (throttled,
 * permission missing...); a state-changing call's error becomes one of the two outcomes
 * the use cases tell apart, as for the device actions (lib/exo/state-change.ts).
 */
import type { AccessExchange, ExchangeRule, OrgSettingsChange } from '../app/access/ports';
import { ExchangeOutcomeUnknownError, type CallReceipt } from '../app/actions/ports';
import { accessLevelOf, type AccessLevel } from '../domain/access-precedence';
import type { ExoClient } from './client';
import type { ActiveSyncDeviceAccessRule, ActiveSyncOrganizationSettings, CASMailbox } from './cmdlets';
import type { ExoError } from './errors';
import { translateExoError } from './state-change';
import { genericHashTable } from './values';

function translate(e: unknown, cmdlet: string): unknown {
  const t = translateExoError(e, cmdlet);
  // For this feature the truth is settled by the reconcile: the caller is told so.
  return t instanceof ExchangeOutcomeUnknownError ? new ExchangeOutcomeUnknownError(cmdlet, `${(e as ExoError).exchangeMessage ?? (e as Error).message}; it was not sent again, and the next reconcile reads what Exchange holds`) : t;
}

/** Shown beside the managed settings, never changed (reference, "Organization settings"). */
const READ_ONLY = ['DeviceFiltering', 'IsIntuneManaged', 'HasAzurePremiumSubscription', 'AllowAccessForUnSupportedPlatform', 'EnableMobileMailboxPolicyWhenCAInplace', 'TenantAdminPreference'] as const;

const text = (v: unknown) => (typeof v === 'string' ? v : '');
// SmtpAddress values come as strings; an object form is read by its address.
const address = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v && 'Address' in v ? String((v as { Address: unknown }).Address) : String(v));

function ruleOf(r: ActiveSyncDeviceAccessRule): ExchangeRule {
  return { identity: String(r.Identity ?? r.Name ?? ''), characteristic: String(r.Characteristic ?? ''), queryString: String(r.QueryString ?? ''), accessLevel: accessLevelOf(r.AccessLevel) };
}

export function createAccessExchange(client: Pick<ExoClient, 'pages'>): AccessExchange {
  /** One call, every page; the request id of the last page. */
  async function call<T>(cmdlet: string, parameters: Record<string, unknown>): Promise<{ items: T[]; requestId: string | null }> {
    const items: T[] = [];
    let requestId: string | null = null;
    for await (const page of client.pages<T>(cmdlet, parameters)) {
      items.push(...page.items);
      requestId = page.requestId ?? requestId;
    }
    return { items, requestId };
  }
  async function change<T>(cmdlet: string, parameters: Record<string, unknown>): Promise<{ items: T[]; requestId: string | null }> {
    try {
      return await call<T>(cmdlet, parameters);
    } catch (e) {
      throw translate(e, cmdlet);
    }
  }
  return {
    async organization() {
      const [s] = (await call<ActiveSyncOrganizationSettings & Record<string, unknown>>('Get-ActiveSyncOrganizationSettings', {})).items;
      const o = s ?? {};
      return {
        managed: {
          defaultAccessLevel: accessLevelOf(o.DefaultAccessLevel) ?? (String(o.DefaultAccessLevel ?? 'Allow') as AccessLevel),
          adminMailRecipients: (Array.isArray(o.AdminMailRecipients) ? o.AdminMailRecipients : []).map(address),
          userMailInsert: text(o.UserMailInsert),
          otaNotificationMailInsert: text(o.OtaNotificationMailInsert),
        },
        readOnly: Object.fromEntries(READ_ONLY.map((k) => [k, o[k] ?? null])),
      };
    },

    async setOrganization(c: OrgSettingsChange): Promise<CallReceipt> {
      const p: Record<string, unknown> = {};
      if (c.defaultAccessLevel !== undefined) p.DefaultAccessLevel = c.defaultAccessLevel;
      // The add/remove hash table, so that Exchange changes only the addresses named (reference: needs its @odata.type).
      const admins = genericHashTable(c.adminMailRecipients);
      if (admins) p.AdminMailRecipients = admins;
      if (c.userMailInsert !== undefined) p.UserMailInsert = c.userMailInsert;
      if (c.otaNotificationMailInsert !== undefined) p.OtaNotificationMailInsert = c.otaNotificationMailInsert;
      if (Object.keys(p).length === 0) return { requestId: null };
      return { requestId: (await change('Set-ActiveSyncOrganizationSettings', p)).requestId };
    },

    async rules() {
      return (await call<ActiveSyncDeviceAccessRule>('Get-ActiveSyncDeviceAccessRule', {})).items.map(ruleOf);
    },

    async newRule(r) {
      const got = await change<ActiveSyncDeviceAccessRule>('New-ActiveSyncDeviceAccessRule', { QueryString: r.queryString, Characteristic: r.characteristic, AccessLevel: r.accessLevel });
      const first = got.items.find((x) => typeof x?.Identity === 'string' || typeof x?.Name === 'string');
      return { requestId: got.requestId, rule: first ? ruleOf(first) : null };
    },

    async setRuleLevel(identity, accessLevel) {
      return { requestId: (await change('Set-ActiveSyncDeviceAccessRule', { Identity: identity, AccessLevel: accessLevel })).requestId };
    },

    async removeRule(identity) {
      // Confirm false: Remove- would otherwise wait for a confirmation nobody can give.
      return { requestId: (await change('Remove-ActiveSyncDeviceAccessRule', { Identity: identity, Confirm: false })).requestId };
    },

    async activeSyncDisabledMailboxes() {
      // 'False', not $false: OPATH over REST takes no variables (reference, "Filters").
      const { items } = await call<CASMailbox>('Get-CASMailbox', { Filter: "ActiveSyncEnabled -eq 'False'", ResultSize: 'Unlimited' });
      const out = new Set<string>();
      for (const m of items) for (const n of [m.Name, m.Identity]) if (typeof n === 'string' && n) out.add(n.toLowerCase());
      return out;
    },
  };
}
