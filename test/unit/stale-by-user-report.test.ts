import { MAX_NAMES_PER_USER, MAX_STALE_USERS, StaleByUserCounter } from '../../lib/domain/stale-by-user';

describe('the stale-by-user report', () => {
  test('When stale devices are added, then users come with the most stale devices first, then by name, each with its sorted names', () => {
    const c = new StaleByUserCounter();
    c.add('zoe@contoso.com', 'zoe_iPhone');
    c.add('adam@contoso.com', 'adam_iPhone_2');
    c.add('adam@contoso.com', 'adam_iPhone');
    c.add('bea@contoso.com', 'bea_Android');
    c.add(null, 'unknown_iPhone');
    expect(c.result()).toEqual({
      users: 4,
      devices: 5,
      rows: [
        { user: 'adam@contoso.com', count: 2, names: ['adam_iPhone', 'adam_iPhone_2'] },
        { user: 'bea@contoso.com', count: 1, names: ['bea_Android'] },
        { user: 'zoe@contoso.com', count: 1, names: ['zoe_iPhone'] },
        { user: null, count: 1, names: ['unknown_iPhone'] },
      ],
      other: { users: 0, devices: 0 },
    });
  });

  test('When a user has more stale devices than a row names, then the count says all of them', () => {
    const c = new StaleByUserCounter();
    for (let i = 0; i < MAX_NAMES_PER_USER + 3; i++) c.add('many@contoso.com', `many_Phone_${String(i).padStart(2, '0')}`);
    const [row] = c.result().rows;
    expect(row.count).toBe(MAX_NAMES_PER_USER + 3);
    expect(row.names).toHaveLength(MAX_NAMES_PER_USER);
  });

  test('When more users have stale devices than the report keeps, then the rest are counted as other users and devices, never lost', () => {
    const c = new StaleByUserCounter();
    for (let i = 0; i < MAX_STALE_USERS + 5; i++) c.add(`user${String(i).padStart(5, '0')}@contoso.com`, `user${i}_iPhone`);
    c.add('first@contoso.com', 'first_iPhone');
    c.add('first@contoso.com', 'first_Android');
    const r = c.result();
    expect(r.rows).toHaveLength(MAX_STALE_USERS);
    expect(r.rows[0].user).toBe('first@contoso.com');
    expect(r.other).toEqual({ users: 6, devices: 6 });
    expect(r.devices).toBe(MAX_STALE_USERS + 7);
    expect(r.rows.reduce((n, x) => n + x.count, 0) + r.other.devices).toBe(r.devices);
  });

  test('When names are long, then the rows stop before their text outgrows one table entity, the rest counted as other', () => {
    const c = new StaleByUserCounter();
    const long = 'x'.repeat(200);
    for (let i = 0; i < 500; i++) for (let j = 0; j < 10; j++) c.add(`${long}${i}@contoso.com`, `${long}_${i}_${j}`);
    const r = c.result();
    expect(r.rows.length).toBeLessThan(500);
    expect(JSON.stringify(r).length).toBeLessThan(900_000);
    expect(r.other.users).toBe(500 - r.rows.length);
    expect(r.other.devices).toBe(10 * r.other.users);
  });
});
