import { changesUnder, decideAccess, heldBy, matchingRule, ruleIdentity, type AccessConfig, type AccessDevice, type AccessRuleDef } from '../../lib/domain/access-precedence';

const device = (d: Partial<AccessDevice> = {}): AccessDevice => ({
  deviceGuid: 'g1',
  mailbox: 'alex.wilber',
  clientType: 'EAS',
  deviceType: 'iPhone',
  deviceModel: 'iPhone15C3',
  deviceOs: 'iOS 17.5 21F79',
  deviceUserAgent: 'Apple-iPhone15C3/2105.79',
  accessState: 'Allowed',
  accessStateReason: 'Global',
  wiped: false,
  ...d,
});
const rule = (characteristic: string, queryString: string, accessLevel: AccessRuleDef['accessLevel']): AccessRuleDef => ({ identity: ruleIdentity(queryString, characteristic), characteristic, queryString, accessLevel });
const none = new Set<string>();

describe('which rule decides a device', () => {
  test('When rules of every characteristic match, then UserAgent wins, then DeviceOS, then DeviceModel, then DeviceType (Exchange\'s order)', () => {
    const all = [rule('DeviceType', 'iPhone', 'Block'), rule('DeviceModel', 'iPhone15C3', 'Quarantine'), rule('DeviceOS', 'iOS 17.5 21F79', 'Block'), rule('UserAgent', 'Apple-iPhone15C3/2105.79', 'Allow')];
    expect(matchingRule(all, device())?.characteristic).toBe('UserAgent');
    expect(matchingRule(all.slice(0, 3), device())?.characteristic).toBe('DeviceOS');
    expect(matchingRule(all.slice(0, 2), device())?.characteristic).toBe('DeviceModel');
    expect(matchingRule(all.slice(0, 1), device())?.characteristic).toBe('DeviceType');
    // The order of the rules in the list does not matter.
    expect(matchingRule([...all].reverse(), device())?.identity).toBe('Apple-iPhone15C3/2105.79 (UserAgent)');
  });

  test('When a query string differs only in case it matches; a part of the value or a wildcard never does', () => {
    expect(matchingRule([rule('DeviceType', 'IPHONE', 'Block')], device())).not.toBeNull();
    expect(matchingRule([rule('DeviceOS', 'iOS 17', 'Block')], device())).toBeNull();
    expect(matchingRule([rule('DeviceType', 'iPh*', 'Block')], device())).toBeNull();
    expect(matchingRule([rule('XMSWLHeader', 'iPhone', 'Block')], device())).toBeNull();
  });

  test('When no rule matches, then the default decides, with reason Global', () => {
    expect(decideAccess({ defaultAccessLevel: 'Quarantine', rules: [rule('DeviceType', 'Android', 'Block')] }, device())).toEqual({ state: 'Quarantined', reason: 'Global', rule: null });
    expect(decideAccess({ defaultAccessLevel: 'Quarantine', rules: [rule('DeviceType', 'iPhone', 'Allow')] }, device())).toEqual({ state: 'Allowed', reason: 'DeviceRule', rule: 'iPhone (DeviceType)' });
  });
});

describe('what holds a device above the rules', () => {
  test('When the inventory says a personal list, the policy, discovery or the device\'s own behaviour decided, then rules and the default do not move it', () => {
    expect(heldBy(device({ accessStateReason: 'Individual', accessState: 'Blocked' }), none)).toBe('personalBlock');
    expect(heldBy(device({ accessStateReason: 'Individual', accessState: 'Allowed' }), none)).toBe('personalAllow');
    expect(heldBy(device({ accessStateReason: 'Policy', accessState: 'Blocked' }), none)).toBe('policy');
    expect(heldBy(device({ accessState: 'DeviceDiscovery' }), none)).toBe('deviceBehaviour');
    expect(heldBy(device({ accessStateReason: 'Upgrade' }), none)).toBe('deviceBehaviour');
    expect(heldBy(device({ wiped: true }), none)).toBe('wiped');
    expect(heldBy(device({ accessStateReason: 'DeviceRule' }), none)).toBeNull();
    expect(heldBy(device({ accessStateReason: 'Global' }), none)).toBeNull();
  });

  test('When the user\'s ActiveSync is disabled, then it holds ActiveSync devices above everything, but not Outlook mobile (REST)', () => {
    const disabled = new Set(['alex.wilber']);
    expect(heldBy(device({ accessStateReason: 'Individual' }), disabled)).toBe('activeSyncDisabled');
    expect(heldBy(device({ clientType: 'REST', mailbox: 'Alex.Wilber' }), disabled)).toBeNull();
  });
});

describe('the devices a change moves', () => {
  const before: AccessConfig = { defaultAccessLevel: 'Allow', rules: [rule('DeviceModel', 'SM-G950F', 'Quarantine')] };
  const devices = [
    device({ deviceGuid: 'a' }),
    device({ deviceGuid: 'b', deviceType: 'Android', deviceModel: 'SM-G950F', accessState: 'Quarantined', accessStateReason: 'DeviceRule' }),
    device({ deviceGuid: 'c', accessStateReason: 'Individual', accessState: 'Allowed' }),
    device({ deviceGuid: 'd', accessState: 'DeviceDiscovery' }),
    device({ deviceGuid: 'e', deviceType: 'WindowsMail', deviceModel: 'WindowsMail' }),
  ];

  test('When the default becomes Quarantine, then the devices the default decides count, by their new state; the rule\'s and the held ones do not', () => {
    const s = changesUnder(devices, before, { ...before, defaultAccessLevel: 'Quarantine' }, none);
    expect(s.changes.map((c) => c.device.deviceGuid)).toEqual(['a', 'e']);
    expect(s.counts).toEqual({ Allowed: 0, Blocked: 0, Quarantined: 2 });
    expect(s.impact).toBe(2);
    expect(s.held).toEqual({ personalAllow: 1, deviceBehaviour: 1 });
    expect(s.examined).toBe(5);
  });

  test('When a rule allows what was quarantined, then the change counts but its impact (newly blocked or quarantined) is 0', () => {
    const s = changesUnder(devices, before, { ...before, rules: [rule('DeviceModel', 'SM-G950F', 'Allow')] }, none);
    expect(s.changes.map((c) => [c.device.deviceGuid, c.stateNow, c.stateAfter])).toEqual([['b', 'Quarantined', 'Allowed']]);
    expect(s.impact).toBe(0);
  });

  test('When the inventory still shows the state before an earlier change, then that earlier change is not counted as this one\'s', () => {
    // The inventory says Allowed, but Exchange already quarantines iPhones (a rule made since the last sync).
    const now: AccessConfig = { defaultAccessLevel: 'Allow', rules: [rule('DeviceType', 'iPhone', 'Quarantine')] };
    const s = changesUnder([device({ deviceGuid: 'a' })], now, { ...now, rules: [...now.rules, rule('DeviceModel', 'Lumia 950', 'Block')] }, none);
    expect(s.changes).toEqual([]);
    expect(s.impact).toBe(0);
  });
});
