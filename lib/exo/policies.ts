/**
 * Mobile device mailbox policies in Exchange (the PolicyExchange port): the
 * Get/New/Set/Remove-MobileDeviceMailboxPolicy cmdlets and the per-mailbox assignment
 * (Set-CASMailbox -ActiveSyncMailboxPolicy), through state-change.ts. Values are passed
 * as given: the domain (lib/domain/policy) decides their JSON types, and reads come back
 * in Exchange's display forms for the domain to normalise.
 */
import type { FoundPolicy, PolicyExchange } from '../app/policies/ports';
import type { ExoClient } from './client';
import { ExoNotFoundError } from './errors';
import { changeCall, readCall } from './state-change';

const GET = 'Get-MobileDeviceMailboxPolicy';

function found(o: Record<string, unknown>): FoundPolicy {
  return { name: String(o.Name ?? o.Identity ?? ''), isDefault: o.IsDefault === true || o.IsDefaultPolicy === true, values: o };
}

export function createPolicyExchange(client: ExoClient): PolicyExchange {
  return {
    list: () => readCall(GET, async () => (await client.invoke<Record<string, unknown>>(GET, {})).map(found)),
    async get(name) {
      try {
        const [o] = await client.invoke<Record<string, unknown>>(GET, { Identity: name });
        return o ? found(o) : null;
      } catch (e) {
        if (e instanceof ExoNotFoundError) return null;
        return readCall(GET, () => Promise.reject(e));
      }
    },
    create: (name, parameters) => changeCall(client, 'New-MobileDeviceMailboxPolicy', { Name: name, ...parameters }),
    set: (name, parameters) => changeCall(client, 'Set-MobileDeviceMailboxPolicy', { Identity: name, ...parameters }),
    // Confirm false: the cmdlet would otherwise wait for a confirmation nobody can give.
    remove: (name) => changeCall(client, 'Remove-MobileDeviceMailboxPolicy', { Identity: name, Confirm: false }),
    assign: (mailbox, policy) => changeCall(client, 'Set-CASMailbox', { Identity: mailbox, ActiveSyncMailboxPolicy: policy }, mailbox),
  };
}
