/**
 * wipes: the wipe actions still pending (not final, whatever their age) and those
 * requested in the last WIPES_WINDOW_DAYS (whatever their state), newest first, read from
 * the actions table when asked (lib/storage/action-repository.ts createWipeReader: the
 * open and index partitions by key, then each wipe's own entity).
 *
 * Wipes sent outside the connector (Outlook on the web, the admin center) are not actions
 * and are not listed; the inventory shows them on the device (`wipeState`).
 */
import { isFinal } from '../../domain/device-action';
import type { DeviceAction } from '../actions/ports';
import type { WipeRow, WipesReport } from './schemas';

/** The window of the recently-wiped collection (issue 12: "recently wiped (30 days)"). */
export const WIPES_WINDOW_DAYS = 30;
/** Rows at most: each is one action entity read. */
export const MAX_WIPE_ROWS = 1_000;

function row(a: DeviceAction): WipeRow {
  return {
    actionId: a.actionId,
    state: a.state,
    pending: !isFinal(a.state),
    mode: a.mode,
    requestedBy: a.requestedBy,
    requestedAt: a.requestedAt,
    reason: a.reason,
    deviceGuid: a.deviceGuid,
    deviceId: a.device.deviceId,
    name: a.device.name,
    user: a.device.userUpn ?? a.device.mailbox,
    mailbox: a.device.mailbox,
    updatedAt: a.updatedAt,
    note: a.history.at(-1)?.note ?? null,
  };
}

export function wipesReport(now: Date, listing: { wipes: DeviceAction[]; more: number }): WipesReport {
  const since = new Date(now.getTime() - WIPES_WINDOW_DAYS * 86_400_000).toISOString();
  const recent = (a: DeviceAction) => Date.parse(a.requestedAt) >= Date.parse(since);
  // An open row left behind by a wipe that ended long ago is neither pending nor recent.
  const rows = listing.wipes.filter((a) => !isFinal(a.state) || recent(a)).map(row);
  return {
    report: 'wipes',
    generatedAt: now.toISOString(),
    windowDays: WIPES_WINDOW_DAYS,
    since,
    pending: rows.filter((r) => r.pending).length,
    recent: listing.wipes.filter((a) => recent(a)).length,
    rows,
    ...(listing.more > 0 ? { other: listing.more } : {}),
  };
}
