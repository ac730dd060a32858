import { ListingArena } from '../../../lib/app/sync/listing-arena';
import type { ListingFacts } from '../../../lib/domain/inventory';

function facts(i: number, friendlyName: string | null = null): ListingFacts {
  return {
    deviceGuid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    identity: `mbx${i}\\ExchangeActiveSyncDevices\\REST§Outlook§${i}`,
    mailbox: `mbx${i}`,
    deviceId: `ID${i}`,
    activeSyncVersion: null,
    deviceType: 'Outlook',
    deviceModel: null,
    deviceOs: 'iOS 17.1',
    deviceUserAgent: null,
    friendlyName,
    clientType: 'REST',
    deviceImei: null,
    deviceMobileOperator: null,
    accessState: 'Allowed',
    accessStateReason: 'Global',
    accessControlRule: null,
    firstSyncTime: '2024-01-01T00:00:00.000Z',
    whenChanged: null,
    whenCreated: '2024-01-01T00:00:00.000Z',
    isManaged: i % 2 === 0,
    isCompliant: null,
    isDisabled: false,
  };
}

describe('listing arena', () => {
  test('When many listings span several buffers, then each handle gives back exactly what was added, multi-byte characters included', () => {
    const arena = new ListingArena();
    const handles: number[] = [];
    for (let i = 0; i < 6000; i++) handles.push(arena.add(facts(i, i % 7 === 0 ? `Zoë's phone ${'ü'.repeat(i % 50)}` : null)));
    expect(arena.bytes).toBeGreaterThan(1 << 20); // more than one buffer
    expect(new Set(handles).size).toBe(handles.length);
    for (let i = 0; i < 6000; i += 1) expect(arena.get(handles[i])).toEqual(facts(i, i % 7 === 0 ? `Zoë's phone ${'ü'.repeat(i % 50)}` : null));
  });

  test('When one listing is larger than a buffer, then it gets one of its own and the entries around it stay intact', () => {
    const arena = new ListingArena();
    const before = arena.add(facts(1));
    const huge = facts(2, 'x'.repeat(1.5 * (1 << 20)));
    const big = arena.add(huge);
    const after = arena.add(facts(3));
    expect(arena.get(before)).toEqual(facts(1));
    expect(arena.get(big)).toEqual(huge);
    expect(arena.get(after)).toEqual(facts(3));
  });

  test('When listings are chained per mailbox, interleaved, then each chain gives its handles back in the order they were added', () => {
    const arena = new ListingArena();
    const last = new Map<string, number>();
    const added = new Map<string, number[]>();
    for (let i = 0; i < 3000; i++) {
      const mailbox = `m${(i * 7) % 11}`;
      const h = arena.add(facts(i), last.get(mailbox) ?? -1);
      last.set(mailbox, h);
      added.set(mailbox, [...(added.get(mailbox) ?? []), h]);
    }
    for (const [mailbox, handles] of added) expect(arena.chain(last.get(mailbox)!)).toEqual(handles);
    expect(arena.chain(-1)).toEqual([]);
  });

  test('When a handle was never given out, then reading it fails instead of answering another listing', () => {
    const arena = new ListingArena();
    arena.add(facts(1));
    expect(() => arena.get(5 * 2 ** 24)).toThrow(RangeError);
  });
});
