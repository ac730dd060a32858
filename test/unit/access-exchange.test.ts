import { ExchangeOutcomeUnknownError, ExchangeRefusedError } from '../../lib/app/actions/ports';
import { createAccessExchange } from '../../lib/exo/access';
import { ExoNotFoundError, ExoOutcomeUnknownError } from '../../lib/exo/errors';
import type { ExoPage } from '../../lib/exo/page';

/** A client that records each call and answers from `answer` (or throws what it returns as an Error). */
function fakeClient(answer: (cmdlet: string, p: Record<string, unknown>) => unknown[] | Error = () => []) {
  const sent: { cmdlet: string; parameters: Record<string, unknown> }[] = [];
  const client = {
    // eslint-disable-next-line @typescript-eslint/require-await
    async *pages<T>(cmdlet: string, parameters: Record<string, unknown> = {}): AsyncGenerator<ExoPage<T>> {
      sent.push({ cmdlet, parameters });
      const a = answer(cmdlet, parameters);
      if (a instanceof Error) throw a;
      yield { items: a as T[], pageNumber: 1, warnings: [], errors: [], requestId: `req-${sent.length}` };
    },
  };
  return { client: client as never, sent };
}

describe('the access feature\'s Exchange adapter', () => {
  test('When AdminMailRecipients change, then Set-ActiveSyncOrganizationSettings gets the add/remove hash table with its @odata.type, and only the changed parameters', async () => {
    const { client, sent } = fakeClient();
    const r = await createAccessExchange(client).setOrganization({ adminMailRecipients: { add: ['a@contoso.com'], remove: ['b@contoso.com'] }, userMailInsert: '' });
    expect(sent).toEqual([{ cmdlet: 'Set-ActiveSyncOrganizationSettings', parameters: { AdminMailRecipients: { '@odata.type': '#Exchange.GenericHashTable', add: ['a@contoso.com'], remove: ['b@contoso.com'] }, UserMailInsert: '' } }]);
    expect(r.requestId).toBe('req-1');
  });

  test('When nothing changes, then no call is made', async () => {
    const { client, sent } = fakeClient();
    expect(await createAccessExchange(client).setOrganization({ adminMailRecipients: { add: [], remove: [] } })).toEqual({ requestId: null });
    expect(sent).toEqual([]);
  });

  test('When the settings are read, then Exchange\'s nulls become empty values and the read-only settings are kept apart', async () => {
    const { client } = fakeClient(() => [{ DefaultAccessLevel: 'quarantine', AdminMailRecipients: null, UserMailInsert: null, OtaNotificationMailInsert: 'x', IsIntuneManaged: true, DeviceFiltering: null }]);
    expect(await createAccessExchange(client).organization()).toEqual({
      managed: { defaultAccessLevel: 'Quarantine', adminMailRecipients: [], userMailInsert: '', otaNotificationMailInsert: 'x' },
      readOnly: { DeviceFiltering: null, IsIntuneManaged: true, HasAzurePremiumSubscription: null, AllowAccessForUnSupportedPlatform: null, EnableMobileMailboxPolicyWhenCAInplace: null, TenantAdminPreference: null },
    });
  });

  test('When a rule is removed, then Confirm is false; a rule already gone is a refusal coded ExoNotFound; a dropped answer stays unknown', async () => {
    const { client, sent } = fakeClient((cmdlet, p) =>
      p.Identity === 'gone (DeviceType)' ? new ExoNotFoundError({ cmdlet, exchangeMessage: "couldn't be found" }) : p.Identity === 'dropped (DeviceType)' ? new ExoOutcomeUnknownError({ cmdlet, reason: 'the connection broke' }) : [],
    );
    const x = createAccessExchange(client);
    await x.removeRule('iPhone (DeviceType)');
    expect(sent[0]).toEqual({ cmdlet: 'Remove-ActiveSyncDeviceAccessRule', parameters: { Identity: 'iPhone (DeviceType)', Confirm: false } });
    await expect(x.removeRule('gone (DeviceType)')).rejects.toEqual(expect.objectContaining({ constructor: ExchangeRefusedError, exchangeCode: 'ExoNotFound' }));
    const unknown = await x.removeRule('dropped (DeviceType)').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ExchangeOutcomeUnknownError);
    expect((unknown as Error).message).toMatch(/not sent again.*reconcile/);
  });

  test('When the mailboxes with ActiveSync disabled are asked for, then one filtered Get-CASMailbox (no $false) answers their lower-cased names', async () => {
    const { client, sent } = fakeClient(() => [{ Identity: 'Megan Bowen', Name: 'Megan Bowen' }, { Identity: 'lee.gu', Name: 'Lee.Gu' }]);
    expect([...(await createAccessExchange(client).activeSyncDisabledMailboxes())].sort()).toEqual(['lee.gu', 'megan bowen']);
    expect(sent).toEqual([{ cmdlet: 'Get-CASMailbox', parameters: { Filter: "ActiveSyncEnabled -eq 'False'", ResultSize: 'Unlimited' } }]);
  });
});
