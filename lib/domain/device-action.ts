/**
 * Device actions and the wipe's state machine. Pure: the clock and Exchange's facts are
 * arguments.
 *
 * An action record is written before its Exchange call (`submitting`), so two requests
 * for one device cannot both send, and a process that dies mid-call leaves a record the
 * follow-up settles from Exchange's own facts. A wipe then lives on in Exchange:
 *   requested (Exchange recorded it) -> sent (the device took it) -> acknowledged (the
 *   device said so: its word, not proof of erasure),
 * or ends cancelled, failed, or noContact (still pending, no device contact for N days:
 * a normal end, shown as such). A state-changing call whose outcome is unknown is never
 * sent again: the action is `outcomeUnknown` until Exchange's facts settle it.
 */
import type { StatisticsFacts } from './device';

export type ActionKind = 'wipe' | 'block' | 'allow' | 'remove';
export type WipeMode = 'accountOnly' | 'full';

export type ActionState =
  | 'awaitingApproval'
  | 'rejected'
  | 'expired'
  | 'submitting'
  | 'outcomeUnknown'
  | 'requested'
  | 'sent'
  | 'acknowledged'
  | 'cancelled'
  | 'noContact'
  | 'done'
  | 'failed';

/** States after which nothing changes an action any more. */
export const FINAL_STATES: readonly ActionState[] = ['rejected', 'expired', 'acknowledged', 'cancelled', 'done', 'failed'];
/** States the follow-up reads Exchange for. noContact is not among them (a sync still moves it on if the device comes back). */
export const FOLLOWED_STATES: readonly ActionState[] = ['submitting', 'outcomeUnknown', 'requested', 'sent'];

export const isFinal = (s: ActionState) => FINAL_STATES.includes(s);
export const isFollowed = (s: ActionState) => FOLLOWED_STATES.includes(s);

export interface ActionEvent {
  at: string;
  state: ActionState;
  /** Who moved it (a caller id, or `connector`). */
  by: string;
  note: string;
}

/** The wipe fields of one mode, out of a device's statistics. */
export interface WipeFacts {
  requestTime: string | null;
  sentTime: string | null;
  ackTime: string | null;
  /** Get-MobileDeviceStatistics' Status (DeviceOk, DeviceWipePending, DeviceWipeSucceeded, ...). */
  status: string | null;
  requestor: string | null;
  /** The device's last contact (last sync attempt, else last success); null when unknown. */
  lastContact: string | null;
}

/** The statistics a wipe's facts are read from (a projection of them will do). */
export type WipeStatistics = Pick<
  StatisticsFacts,
  'wipeRequestTime' | 'wipeSentTime' | 'wipeAckTime' | 'accountOnlyWipeRequestTime' | 'accountOnlyWipeSentTime' | 'accountOnlyWipeAckTime' | 'status' | 'lastWipeRequestor' | 'lastSyncAttemptTime' | 'lastSuccessSync'
>;

export function wipeFactsOf(s: WipeStatistics, mode: WipeMode): WipeFacts {
  const full = mode === 'full';
  return {
    requestTime: full ? s.wipeRequestTime : s.accountOnlyWipeRequestTime,
    sentTime: full ? s.wipeSentTime : s.accountOnlyWipeSentTime,
    ackTime: full ? s.wipeAckTime : s.accountOnlyWipeAckTime,
    status: s.status,
    requestor: s.lastWipeRequestor,
    lastContact: s.lastSyncAttemptTime ?? s.lastSuccessSync,
  };
}

/**
 * Exchange stamps a request with its own clock: a request time this long before the
 * connector's submission still counts as the connector's (clock skew between the two).
 */
export const REQUEST_SKEW_MS = 5 * 60_000;

export interface SettleInput {
  state: ActionState;
  /** When the connector sent (or was about to send) Clear-MobileDevice. */
  submittedAt: string;
  facts: WipeFacts;
  now: Date;
  /** Pending with no device contact for this long ends as noContact (default 14 days). */
  noContactAfterDays: number;
}

export interface Settled {
  state: ActionState;
  note: string;
}

const t = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/**
 * Where a wipe stands, from the device's statistics; null when nothing changed. Only
 * moves forward (requested -> sent -> acknowledged), except that a request Exchange no
 * longer holds is a cancellation (by the connector or someone else).
 */
export function settleWipe(i: SettleInput): Settled | null {
  if (isFinal(i.state) || i.state === 'awaitingApproval') return null;
  const f = i.facts;
  const submitted = t(i.submittedAt);
  const request = t(f.requestTime);
  const ours = !Number.isNaN(request) && request >= submitted - REQUEST_SKEW_MS;
  const unsure = i.state === 'submitting' || i.state === 'outcomeUnknown';
  if (!ours) {
    if (unsure) return { state: 'failed', note: 'Exchange holds no wipe request of this action: the request did not reach Exchange; it is not sent again by itself' };
    return { state: 'cancelled', note: 'Exchange no longer holds the wipe request (cancelled before the device picked it up)' };
  }
  if (f.status === 'DeviceBlocked') return { state: 'failed', note: 'Exchange reports the device does not support remote wipe (Status DeviceBlocked)' };
  let next: Settled;
  if (!Number.isNaN(t(f.ackTime)) && t(f.ackTime) >= request) next = { state: 'acknowledged', note: `The device acknowledged the wipe at ${f.ackTime}` };
  else if (!Number.isNaN(t(f.sentTime)) && t(f.sentTime) >= request) next = { state: 'sent', note: `The device picked up the wipe at ${f.sentTime}` };
  else next = { state: 'requested', note: `Exchange holds the wipe request of ${f.requestTime}; the device has not connected since` };
  if (next.state === 'requested') {
    const contact = t(f.lastContact);
    const since = Math.max(request, Number.isNaN(contact) ? request : contact);
    if (i.now.getTime() - since > i.noContactAfterDays * 86_400_000) {
      next = { state: 'noContact', note: `The wipe is still pending: no contact from the device for more than ${i.noContactAfterDays} days` };
    }
  }
  return next.state === i.state ? null : next;
}

/** Whether a device's statistics show a wipe pending or acknowledged, whoever asked for it. */
export function wipeOnDevice(s: WipeStatistics): { mode: WipeMode; state: 'pending' | 'acknowledged'; requestTime: string; requestor: string | null } | null {
  const candidates = (['full', 'accountOnly'] as const)
    .map((mode) => ({ mode, f: wipeFactsOf(s, mode) }))
    .filter((c) => c.f.requestTime)
    .sort((a, b) => t(b.f.requestTime) - t(a.f.requestTime));
  const c = candidates[0];
  if (!c || !c.f.requestTime) return null;
  const acked = !Number.isNaN(t(c.f.ackTime)) && t(c.f.ackTime) >= t(c.f.requestTime);
  return { mode: c.mode, state: acked ? 'acknowledged' : 'pending', requestTime: c.f.requestTime, requestor: c.f.requestor };
}

/**
 * Outlook for iOS and Android partnerships (ClientType Outlook, or REST for the REST-based
 * ones; DeviceType Outlook; object names Hx§Outlook§ / REST§Outlook§): only their own
 * data is ever wiped, whichever command they get.
 */
export function isOutlookMobile(d: { clientType: string | null; deviceType: string | null; identity?: string }): boolean {
  return d.clientType === 'Outlook' || d.clientType === 'REST' || d.deviceType === 'Outlook' || /\\ExchangeActiveSyncDevices\\(Hx|REST)§Outlook§/i.test(d.identity ?? '');
}
