import { DoneMailboxes } from '../../lib/app/sync/sync';

describe('finished mailboxes in a full sync checkpoint', () => {
  test('When the set is encoded and decoded, then the same mailboxes are finished and no others', () => {
    const done = new DoneMailboxes();
    for (let i = 0; i < 1000; i++) done.add(`user${i}`);
    const back = new DoneMailboxes(done.encode());
    expect(back.size).toBe(1000);
    expect(back.has('user0')).toBe(true);
    expect(back.has('user999')).toBe(true);
    expect(back.has('user1000')).toBe(false);
  });

  test('When 40,000 mailboxes are finished, then the checkpoint text stays within one table entity', () => {
    const done = new DoneMailboxes();
    for (let i = 0; i < 40_000; i++) done.add(`mailbox-${i}@contoso.com`);
    expect(done.encode().length).toBe(320_000);
  });

  test('When more mailboxes are finished than fit, then only a subset is saved (the rest are fetched again, never skipped wrongly)', () => {
    const done = new DoneMailboxes();
    for (let i = 0; i < DoneMailboxes.MAX_SAVED + 10; i++) done.add(`m${i}`);
    const back = new DoneMailboxes(done.encode());
    expect(back.size).toBe(DoneMailboxes.MAX_SAVED);
    let known = 0;
    for (let i = 0; i < DoneMailboxes.MAX_SAVED + 10; i++) if (back.has(`m${i}`)) known++;
    expect(known).toBe(DoneMailboxes.MAX_SAVED);
    expect(back.has('never-finished')).toBe(false);
  });
});
