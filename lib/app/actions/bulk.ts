/**
 * Bulk actions: block, allow or remove many devices, chosen by guid or by the
 * inventory's filters (stale, device type, OS...), with a dry run that answers exactly
 * the devices a real run would touch. A real run groups the devices by mailbox: one
 * Set-CASMailbox per mailbox (all its DeviceIds added to one list and taken off the other
 * in the same call), never one per device, with bounded concurrency through the shared
 * Exchange client; removal then sends Remove-MobileDevice per partnership (Exchange has
 * no bulk form). Each device's result (done, skipped and why, failed and why) is in the
 * answer and the audit. Bulk wipes always wait for a second person (wipe.ts).
 */
import { ValidationError, describeError } from '../../errors';
import { isStale } from '../../domain/inventory';
import { audit, exchangeCall, newActionId } from './record';
import type { ActionDeps, InventoryDevice } from './ports';
import { requestWipe, type Requester } from './wipe';

export type BulkKind = 'block' | 'allow' | 'remove' | 'wipe';

export interface BulkFilter {
  stale?: boolean;
  deviceType?: string;
  model?: string;
  /** Prefix, e.g. `iOS 17`. */
  os?: string;
  clientType?: string;
  accessState?: string;
  /** UPN, SMTP address or display name prefix (any case). */
  user?: string;
  lastSyncBefore?: string;
}

export interface BulkRequest {
  action: BulkKind;
  devices?: string[];
  filter?: BulkFilter;
  dryRun: boolean;
  reason: string | null;
  /** Remove: also partnerships with an open wipe. */
  force?: boolean;
}

export type DeviceResult =
  | { deviceGuid: string; result: 'done'; mailbox: string }
  | { deviceGuid: string; result: 'awaitingApproval'; actionId: string }
  | { deviceGuid: string; result: 'skipped'; why: string }
  | { deviceGuid: string; result: 'failed'; why: string; mailbox: string };

export interface BulkAnswer {
  bulkId: string;
  action: BulkKind;
  dryRun: boolean;
  selected: number;
  counts: { done: number; skipped: number; failed: number; awaitingApproval: number };
  /** Dry run: the devices a real run would touch. */
  devices?: { deviceGuid: string; name: string; userUpn: string | null; mailbox: string; deviceType: string | null; deviceOs: string | null; lastSuccessSync: string | null; accessState: string | null }[];
  results?: DeviceResult[];
  mailboxCalls?: number;
}

/** The most devices one request may name or select. */
export const MAX_BULK_DEVICES = 10_000;
/** Mailboxes in flight at once (the Exchange client's own limiter still applies). */
const MAILBOX_CONCURRENCY = 16;

const lower = (v: string | null | undefined) => (v ?? '').toLowerCase();

export function matches(d: InventoryDevice, f: BulkFilter, now: Date, staleAfterDays: number): boolean {
  if (d.removed) return false;
  if (f.stale !== undefined && isStale(d.lastSuccessSync, now, staleAfterDays) !== f.stale) return false;
  if (f.deviceType !== undefined && lower(d.deviceType) !== lower(f.deviceType)) return false;
  if (f.model !== undefined && lower(d.deviceModel) !== lower(f.model)) return false;
  if (f.os !== undefined && !lower(d.deviceOs).startsWith(lower(f.os))) return false;
  if (f.clientType !== undefined && lower(d.clientType) !== lower(f.clientType)) return false;
  if (f.accessState !== undefined && lower(d.accessState) !== lower(f.accessState)) return false;
  if (f.user !== undefined) {
    const u = lower(f.user);
    if (![d.userUpn, d.userPrimarySmtp, d.userDisplayName].some((v) => lower(v).startsWith(u))) return false;
  }
  // Unknown sync times (Outlook mobile) are never "before": unknown is not inactive.
  if (f.lastSyncBefore !== undefined && !(d.lastSuccessSync && Date.parse(d.lastSuccessSync) < Date.parse(f.lastSyncBefore))) return false;
  return true;
}

async function select(deps: ActionDeps, r: BulkRequest, results: DeviceResult[]): Promise<InventoryDevice[]> {
  if (r.devices) {
    const wanted = [...new Set(r.devices.map((g) => g.toLowerCase()))];
    const found = await deps.inventory.getMany(deps.tenantId, wanted);
    const out: InventoryDevice[] = [];
    for (const g of wanted) {
      const d = found.get(g);
      if (!d) results.push({ deviceGuid: g, result: 'skipped', why: 'not in the inventory' });
      else if (d.removed) results.push({ deviceGuid: g, result: 'skipped', why: 'removed from Exchange already' });
      else out.push(d);
    }
    return out;
  }
  const out: InventoryDevice[] = [];
  const now = new Date(deps.clock.now());
  for await (const d of deps.inventory.list(deps.tenantId)) {
    if (!matches(d, r.filter ?? {}, now, deps.settings.staleAfterDays)) continue;
    out.push(d);
    if (out.length > MAX_BULK_DEVICES) throw ValidationError.of('filter', `selects more than ${MAX_BULK_DEVICES} devices; narrow it`);
  }
  return out;
}

async function forEachConcurrent<T>(items: T[], n: number, f: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await f(items[i++]);
  }));
}

const mailboxIdentity = (d: InventoryDevice) => d.userUpn ?? d.mailbox;

export async function runBulk(deps: ActionDeps, caller: Requester, r: BulkRequest): Promise<BulkAnswer> {
  if (!!r.devices === !!r.filter) throw ValidationError.of('body', 'name the devices ("devices") or a filter ("filter"), one of the two');
  // The action id's form: GET /api/actions/{id} and approve take either.
  const bulkId = newActionId(deps.clock.now());
  const results: DeviceResult[] = [];
  const chosen = await select(deps, r, results);
  const answer: BulkAnswer = { bulkId, action: r.action, dryRun: r.dryRun, selected: chosen.length, counts: { done: 0, skipped: 0, failed: 0, awaitingApproval: 0 } };
  if (r.dryRun) {
    answer.devices = chosen.map((d) => ({ deviceGuid: d.deviceGuid, name: d.name, userUpn: d.userUpn, mailbox: d.mailbox, deviceType: d.deviceType, deviceOs: d.deviceOs, lastSuccessSync: d.lastSuccessSync, accessState: d.accessState }));
    answer.counts.skipped = results.length;
    answer.results = results;
    await audit(deps, caller.id, `bulk.${r.action}.dryRun`, `bulk:${bulkId}`, 'listed', { selected: chosen.length, filter: r.filter ?? null, named: r.devices?.length ?? null });
    return answer;
  }
  if (r.action === 'wipe') {
    // Every bulk wipe waits for a second person: one account-only wipe action per device, sent once approved.
    for (const d of chosen) {
      try {
        const a = await requestWipe(deps, caller, { deviceGuid: d.deviceGuid, mode: 'accountOnly', notify: [], reason: r.reason, removeAfterAcknowledged: false, bulkId, approvalBecause: `bulk wipe ${bulkId} of ${chosen.length} devices: every bulk wipe waits for a second person` });
        results.push({ deviceGuid: d.deviceGuid, result: 'awaitingApproval', actionId: a.actionId });
      } catch (e) {
        results.push({ deviceGuid: d.deviceGuid, result: 'skipped', why: describeError(e) });
      }
    }
    for (const x of results) answer.counts[x.result]++;
    answer.results = results;
    return answer;
  }
  const usable: InventoryDevice[] = [];
  for (const d of chosen) {
    if (!d.deviceId) results.push({ deviceGuid: d.deviceGuid, result: 'skipped', why: 'Exchange reports no DeviceId' });
    else if (r.action === 'remove' && !r.force && (await deps.actions.openWipe(deps.tenantId, d.deviceGuid))) results.push({ deviceGuid: d.deviceGuid, result: 'skipped', why: 'a wipe of it is open (force removes it anyway)' });
    else usable.push(d);
  }
  const byMailbox = new Map<string, InventoryDevice[]>();
  for (const d of usable) byMailbox.set(mailboxIdentity(d), [...(byMailbox.get(mailboxIdentity(d)) ?? []), d]);
  await audit(deps, caller.id, `bulk.${r.action}`, `bulk:${bulkId}`, 'started', { selected: chosen.length, mailboxes: byMailbox.size, reason: r.reason, filter: r.filter ?? null });
  let mailboxCalls = 0;
  const probe = { actionId: `bulk:${bulkId}` };
  await forEachConcurrent([...byMailbox.entries()], MAILBOX_CONCURRENCY, async ([mailbox, ds]) => {
    const ids = [...new Set(ds.map((d) => d.deviceId))];
    const change = r.action === 'block' ? { blocked: { add: ids }, allowed: { remove: ids } } : r.action === 'allow' ? { allowed: { add: ids }, blocked: { remove: ids } } : { allowed: { remove: ids }, blocked: { remove: ids } };
    mailboxCalls++;
    const lists = await exchangeCall(deps, { ...probe, deviceGuid: mailbox }, 'Set-CASMailbox', () => deps.exchange.setDeviceLists(mailbox, change));
    if (lists.outcome !== 'done') {
      const why = lists.outcome === 'refused' ? lists.error.message : 'no answer from Exchange to Set-CASMailbox (not sent again; check the mailbox\'s lists)';
      for (const d of ds) results.push({ deviceGuid: d.deviceGuid, result: 'failed', why, mailbox });
      return;
    }
    if (r.action !== 'remove') {
      for (const d of ds) results.push({ deviceGuid: d.deviceGuid, result: 'done', mailbox });
      return;
    }
    for (const d of ds) {
      const rm = await exchangeCall(deps, { ...probe, deviceGuid: d.deviceGuid }, 'Remove-MobileDevice', () => deps.exchange.remove({ guid: d.deviceGuid }));
      if (rm.outcome === 'done') {
        await deps.inventory.markRemoved(deps.tenantId, d.deviceGuid, new Date(deps.clock.now()).toISOString());
        results.push({ deviceGuid: d.deviceGuid, result: 'done', mailbox });
      } else results.push({ deviceGuid: d.deviceGuid, result: 'failed', why: rm.outcome === 'refused' ? rm.error.message : 'no answer from Exchange to Remove-MobileDevice (not sent again)', mailbox });
    }
  });
  for (const x of results) answer.counts[x.result]++;
  answer.results = results;
  answer.mailboxCalls = mailboxCalls;
  await audit(deps, caller.id, `bulk.${r.action}`, `bulk:${bulkId}`, answer.counts.failed ? 'partly failed' : 'done', { counts: answer.counts, mailboxCalls, failed: results.filter((x) => x.result === 'failed').slice(0, 200) });
  if (answer.counts.failed && answer.counts.done === 0 && chosen.length > 0) deps.log.warn(`Bulk ${r.action} ${bulkId}: every device failed`, { counts: answer.counts });
  return answer;
}
