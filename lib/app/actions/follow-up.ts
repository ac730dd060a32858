/**
 * The follow-up: moves open actions on from what Exchange says now. One read of the open
 * actions when there are none; otherwise one statistics call per mailbox with open wipes
 * (never per device), one Get-CASMailbox per list change of unknown outcome. An action
 * whose call is still in flight elsewhere (submitting for less than IN_FLIGHT_MS) is left
 * alone. Nothing here sends a state-changing call again, except the removal a wipe asked
 * for once acknowledged (removeAfterAcknowledged).
 */
import { describeError } from '../../errors';
import { isFinal, isFollowed, settleWipe, wipeFactsOf } from '../../domain/device-action';
import { removeDevice } from './access';
import { audit, CONNECTOR, moved } from './record';
import type { ActionDeps, StoredAction } from './ports';

/** A call in flight answers within the client's timeout x retries; beyond this it is taken as interrupted. */
export const IN_FLIGHT_MS = 5 * 60_000;

export interface FollowUpReport {
  open: number;
  changed: number;
  mailboxesRead: number;
  failures: number;
  /** Open afterwards: the timer runs again soon while any remain. */
  stillOpen: number;
  /** Bulk jobs carried on, and those still running afterwards. */
  bulks?: number;
  bulksRunning?: number;
}

export async function followUpActions(deps: ActionDeps): Promise<FollowUpReport> {
  const open = await deps.actions.open(deps.tenantId);
  const report: FollowUpReport = { open: open.length, changed: 0, mailboxesRead: 0, failures: 0, stillOpen: 0 };
  const now = deps.clock.now();
  const inFlight = (a: StoredAction) => a.state === 'submitting' && a.submittedAt !== null && now - Date.parse(a.submittedAt) < IN_FLIGHT_MS;
  const byMailbox = new Map<string, StoredAction[]>();
  const changed = async (before: StoredAction, after: StoredAction) => {
    const saved = await deps.actions.update(after);
    report.changed++;
    await audit(deps, CONNECTOR, `${before.kind}.state`, before.deviceGuid, after.state, { actionId: before.actionId, from: before.state, note: after.history.at(-1)?.note });
    return saved;
  };

  for (const a of open) {
    try {
      if (a.state === 'awaitingApproval' && a.approval && Date.parse(a.approval.expiresAt) <= now) {
        await changed(a, moved(deps, a, 'expired', CONNECTOR, `Nobody approved it before ${a.approval.expiresAt}`));
      } else if (isFollowed(a.state) && !inFlight(a)) {
        const list = byMailbox.get(a.device.mailboxIdentity) ?? [];
        list.push(a);
        byMailbox.set(a.device.mailboxIdentity, list);
      }
    } catch (e) {
      report.failures++;
      deps.log.warn(`Follow-up of action ${a.actionId} failed`, { error: describeError(e) });
    }
  }

  for (const [mailbox, actions] of byMailbox) {
    try {
      const needsStatistics = actions.some((a) => a.kind === 'wipe' || a.kind === 'remove');
      const stats = needsStatistics ? await deps.exchange.mailboxNow(mailbox) : new Map();
      const lists = actions.some((a) => a.kind === 'block' || a.kind === 'allow') ? await deps.exchange.deviceLists(mailbox) : null;
      report.mailboxesRead++;
      for (const a of actions) {
        const s = stats.get(a.deviceGuid.toLowerCase()) ?? null;
        if (a.kind === 'wipe') {
          if (!s) {
            const unsure = a.state === 'submitting' || a.state === 'outcomeUnknown';
            await changed(a, moved(deps, a, unsure ? 'failed' : 'cancelled', CONNECTOR, 'The partnership is gone from Exchange; the wipe went with it'));
            continue;
          }
          const settled = settleWipe({ state: a.state, submittedAt: a.submittedAt ?? a.requestedAt, facts: wipeFactsOf(s, a.mode ?? 'accountOnly'), now: new Date(now), noContactAfterDays: deps.settings.noContactAfterDays });
          if (!settled) continue;
          const saved = await changed(a, moved(deps, a, settled.state, CONNECTOR, settled.note));
          await removeIfAsked(deps, saved).catch((e) => {
            report.failures++;
            deps.log.warn(`The partnership of acknowledged wipe ${saved.actionId} could not be removed`, { error: describeError(e) });
          });
        } else if (a.kind === 'remove') {
          if (s) await changed(a, moved(deps, a, 'failed', CONNECTOR, 'The partnership is still in Exchange: the removal did not happen (it is not sent again)'));
          else {
            await deps.inventory.markRemoved(deps.tenantId, a.deviceGuid, new Date(now).toISOString());
            await changed(a, moved(deps, a, 'done', CONNECTOR, 'The partnership is gone from Exchange'));
          }
        } else if (lists) {
          const id = a.device.deviceId;
          const applied = a.kind === 'block' ? lists.blocked.includes(id) && !lists.allowed.includes(id) : lists.allowed.includes(id) && !lists.blocked.includes(id);
          await changed(a, moved(deps, a, applied ? 'done' : 'failed', CONNECTOR, applied ? `Exchange's lists show the DeviceId ${a.kind === 'block' ? 'blocked' : 'allowed'}` : 'Exchange\'s lists do not show the change: it did not happen (it is not sent again)'));
        }
      }
    } catch (e) {
      report.failures++;
      deps.log.warn(`Follow-up of mailbox ${mailbox}'s actions failed; the next run tries again`, { error: describeError(e) });
    }
  }
  const after = await deps.actions.open(deps.tenantId);
  report.stillOpen = after.filter((a) => !isFinal(a.state)).length;
  return report;
}

/** After an acknowledged wipe that asked for it: the partnership is removed (ends wipe loops). */
export async function removeIfAsked(deps: ActionDeps, a: StoredAction): Promise<void> {
  if (a.state === 'acknowledged' && a.removeAfterAcknowledged) await removeDevice(deps, { id: CONNECTOR, roles: [] }, a.deviceGuid, { force: true });
}
