import { isOutlookMobile, settleWipe, wipeOnDevice, type WipeFacts } from '../../lib/domain/device-action';
import { EMPTY_STATISTICS } from '../../lib/domain/inventory';

const submittedAt = '2026-11-01T10:00:00.000Z';
const now = new Date('2026-11-02T10:00:00.000Z');
const facts = (f: Partial<WipeFacts>): WipeFacts => ({ requestTime: null, sentTime: null, ackTime: null, status: null, requestor: null, lastContact: null, ...f });
const settle = (state: Parameters<typeof settleWipe>[0]['state'], f: Partial<WipeFacts>, at = now) => settleWipe({ state, submittedAt, facts: facts(f), now: at, noContactAfterDays: 14 });

describe('the wipe state machine', () => {
  test('When Exchange holds the request, then the device picks it up and acknowledges it, the action moves requested -> sent -> acknowledged, and only forward', () => {
    const requestTime = '2026-11-01T10:00:01.000Z';
    expect(settle('submitting', { requestTime, status: 'DeviceWipePending' })?.state).toBe('requested');
    expect(settle('requested', { requestTime, status: 'DeviceWipePending' })).toBeNull();
    expect(settle('requested', { requestTime, sentTime: '2026-11-01T11:00:00.000Z', status: 'DeviceWipePending' })?.state).toBe('sent');
    const acked = settle('sent', { requestTime, sentTime: '2026-11-01T11:00:00.000Z', ackTime: '2026-11-01T11:00:05.000Z', status: 'AccountOnlyDeviceWipeSucceeded' });
    expect(acked?.state).toBe('acknowledged');
    expect(acked?.note).toMatch(/acknowledged/);
    expect(acked?.note).not.toMatch(/destroy|erased/i);
    expect(settle('acknowledged', {})).toBeNull();
  });

  test('When the outcome of the call is unknown, then Exchange holding a request settles it requested, and holding none settles it failed (never resent)', () => {
    expect(settle('outcomeUnknown', { requestTime: '2026-11-01T09:58:00.000Z' })?.state).toBe('requested'); // within the clock skew
    const none = settle('outcomeUnknown', {});
    expect(none?.state).toBe('failed');
    expect(none?.note).toMatch(/not sent again/);
    // An older request (someone else's, before ours) is not ours.
    expect(settle('outcomeUnknown', { requestTime: '2026-10-01T00:00:00.000Z' })?.state).toBe('failed');
  });

  test('When the request is gone from Exchange before pick-up, then the wipe is cancelled', () => {
    expect(settle('requested', {})?.state).toBe('cancelled');
  });

  test('When the device does not support remote wipe, then the action fails saying so', () => {
    const r = settle('requested', { requestTime: '2026-11-01T10:00:01.000Z', status: 'DeviceBlocked' });
    expect(r?.state).toBe('failed');
    expect(r?.note).toMatch(/does not support remote wipe/);
  });

  test('When a pending wipe sees no device contact for more than the days given, then it ends noContact; contact after the request restarts the count', () => {
    const later = new Date('2026-11-16T10:00:02.000Z');
    const requestTime = '2026-11-01T10:00:01.000Z';
    expect(settle('requested', { requestTime }, later)?.state).toBe('noContact');
    expect(settle('requested', { requestTime, lastContact: '2026-11-10T00:00:00.000Z' }, later)).toBeNull();
    // A device that comes back after noContact still moves the action on.
    expect(settle('noContact', { requestTime, sentTime: '2026-11-17T00:00:00.000Z' }, later)?.state).toBe('sent');
  });
});

describe('wipes on a device', () => {
  test('When the statistics hold a wipe, then the newest request tells its mode, state and requestor; none when no request', () => {
    expect(wipeOnDevice(EMPTY_STATISTICS)).toBeNull();
    const s = { ...EMPTY_STATISTICS, wipeRequestTime: '2026-01-01T00:00:00.000Z', wipeAckTime: '2026-01-01T01:00:00.000Z', accountOnlyWipeRequestTime: '2026-02-01T00:00:00.000Z', lastWipeRequestor: 'admin@contoso.com' };
    expect(wipeOnDevice(s)).toEqual({ mode: 'accountOnly', state: 'pending', requestTime: '2026-02-01T00:00:00.000Z', requestor: 'admin@contoso.com' });
    expect(wipeOnDevice({ ...s, accountOnlyWipeRequestTime: null })?.state).toBe('acknowledged');
  });

  test('When a partnership is Outlook mobile by client type, device type or object name, then it is recognised; native mail is not', () => {
    expect(isOutlookMobile({ clientType: 'Outlook', deviceType: 'Outlook' })).toBe(true);
    expect(isOutlookMobile({ clientType: 'REST', deviceType: null })).toBe(true);
    expect(isOutlookMobile({ clientType: null, deviceType: null, identity: 'x\\ExchangeActiveSyncDevices\\Hx§Outlook§4F3A' })).toBe(true);
    expect(isOutlookMobile({ clientType: 'EAS', deviceType: 'iPhone', identity: 'x\\ExchangeActiveSyncDevices\\iPhone§ABC' })).toBe(false);
  });
});
