import { closeSettled, etagMatches, organizationEtag, orgChange, orgDifferences, withDrift } from '../../lib/app/access/drift';
import type { ManagedOrgSettings } from '../../lib/app/access/ports';

const found: ManagedOrgSettings = { defaultAccessLevel: 'Allow', adminMailRecipients: ['Admin@Contoso.com', 'desk@contoso.com'], userMailInsert: '', otaNotificationMailInsert: '' };

describe('organization settings drift', () => {
  test('When Exchange spells a value its own way (case of the level, order and case of addresses, null for an empty text), then there is no drift', () => {
    expect(orgDifferences({ defaultAccessLevel: 'allow' as never, adminMailRecipients: ['desk@contoso.com', 'admin@contoso.com'], userMailInsert: '' }, { ...found, userMailInsert: null as never })).toEqual([]);
  });

  test('When only settings the connector does not manage differ, then there is no drift; a mail text differing in case is drift', () => {
    expect(orgDifferences({ defaultAccessLevel: 'Allow' }, { ...found, userMailInsert: 'anything' })).toEqual([]);
    expect(orgDifferences({ userMailInsert: 'Call the desk' }, { ...found, userMailInsert: 'call the desk' })).toEqual([{ setting: 'userMailInsert', desired: 'Call the desk', found: 'call the desk' }]);
  });

  test('When the change is computed, then it holds only the changed parameters, and AdminMailRecipients as the addresses to add and remove', () => {
    expect(orgChange({ defaultAccessLevel: 'Allow', adminMailRecipients: ['desk@contoso.com', 'security@contoso.com', 'SECURITY@contoso.com'] }, found)).toEqual({ adminMailRecipients: { add: ['security@contoso.com'], remove: ['Admin@Contoso.com'] } });
    expect(orgChange({ defaultAccessLevel: 'Quarantine', userMailInsert: '' }, found)).toEqual({ defaultAccessLevel: 'Quarantine' });
    expect(orgChange({}, found)).toEqual({});
  });

  test('When drift is found again before it was repaired, then one entry stands for it; a repair stamps it; an entry Exchange no longer shows is closed', () => {
    const first = withDrift([], [{ setting: 'defaultAccessLevel', desired: 'Block', found: 'Allow' }], '2026-12-01T00:00:00.000Z', null);
    const again = withDrift(first, [{ setting: 'defaultAccessLevel', desired: 'Block', found: 'Allow' }], '2026-12-01T01:00:00.000Z', { requestId: 'r-1' });
    expect(again).toEqual([{ setting: 'defaultAccessLevel', desired: 'Block', found: 'Allow', foundAt: '2026-12-01T00:00:00.000Z', repairedAt: '2026-12-01T01:00:00.000Z', requestId: 'r-1' }]);
    const open = withDrift([], [{ setting: 'userMailInsert', desired: 'a', found: 'b' }], '2026-12-01T00:00:00.000Z', null);
    expect(closeSettled(open, () => false, '2026-12-02T00:00:00.000Z')[0].repairedAt).toBe('2026-12-02T00:00:00.000Z');
    expect(closeSettled(open, () => true, '2026-12-02T00:00:00.000Z')[0].repairedAt).toBeNull();
  });

  test('When the desired record or Exchange\'s values change, then the ETag changes; If-Match accepts the weak form and lists', () => {
    const tag = organizationEtag({ version: 'v1' }, found);
    expect(organizationEtag({ version: 'v1' }, { ...found, adminMailRecipients: ['desk@contoso.com', 'admin@contoso.com'] })).toBe(tag);
    expect(organizationEtag({ version: 'v2' }, found)).not.toBe(tag);
    expect(organizationEtag({ version: 'v1' }, { ...found, otaNotificationMailInsert: 'x' })).not.toBe(tag);
    expect(organizationEtag(null, found)).not.toBe(tag);
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(`W/${tag}`, tag)).toBe(true);
    expect(etagMatches(`"other", ${tag}`, tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(false);
  });
});
