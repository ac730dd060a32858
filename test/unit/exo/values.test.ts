import { ExoResponseError } from '../../../lib/exo/errors';
import { genericHashTable, parseByteQuantity, parseExoDate } from '../../../lib/exo/values';

describe('parseExoDate', () => {
  it.each([
    ['2022-06-29T17:57:03.0000000+00:00', '2022-06-29T17:57:03.000Z'],
    ['2022-06-29T17:57:03.1234567Z', '2022-06-29T17:57:03.123Z'],
    ['2022-06-29T19:57:03.5000000+02:00', '2022-06-29T17:57:03.500Z'],
    ['2022-06-29T12:27:03-05:30', '2022-06-29T17:57:03.000Z'],
    ['2022-06-29T17:57:03', '2022-06-29T17:57:03.000Z'],
    ['/Date(1656525423000)/', '2022-06-29T17:57:03.000Z'],
  ])('When Exchange sends %s, then it reads as %s', (text, iso) => {
    expect(parseExoDate(text)).toBe(iso);
  });

  it.each([[null], [undefined], [''], ['0001-01-01T00:00:00.0000000+00:00']])('When Exchange sends %p, then the date is null (unknown)', (v) => {
    expect(parseExoDate(v)).toBeNull();
  });

  it('When a date is malformed, then ExoResponseError names the property and value', () => {
    expect(() => parseExoDate('yesterday', 'LastSuccessSync')).toThrow(ExoResponseError);
    expect(() => parseExoDate('yesterday', 'LastSuccessSync')).toThrow(/LastSuccessSync: not a date-time: "yesterday"/);
    expect(() => parseExoDate('2023-02-30T00:00:00Z')).toThrow(/not a valid date-time/);
    expect(() => parseExoDate(42)).toThrow(/a date-time was expected, got number/);
  });
});

describe('parseByteQuantity', () => {
  it.each<[unknown, number | 'Unlimited' | null]>([
    ['99 GB (106,300,440,576 bytes)', 106_300_440_576],
    ['10 MB (10,485,760 bytes)', 10_485_760],
    ['0 B (0 bytes)', 0],
    ['Unlimited', 'Unlimited'],
    ['unlimited', 'Unlimited'],
    ['10 MB', 10_485_760],
    ['512KB', 524_288],
    ['1.5 GB', 1_610_612_736],
    ['2048', 2048],
    [4096, 4096],
    [null, null],
  ])('When Exchange sends %p, then the size is %p', (v, expected) => {
    expect(parseByteQuantity(v)).toBe(expected);
  });

  it('When a size is malformed, then ExoResponseError names it', () => {
    expect(() => parseByteQuantity('lots', 'MaxAttachmentSize')).toThrow(/MaxAttachmentSize: not a size: "lots"/);
    expect(() => parseByteQuantity(-1)).toThrow(ExoResponseError);
  });
});

describe('genericHashTable', () => {
  it('When only additions are given, then the hash table has add and no remove', () => {
    expect(genericHashTable({ add: ['A1'] })).toEqual({ '@odata.type': '#Exchange.GenericHashTable', add: ['A1'] });
  });

  it('When nothing changes, then there is no hash table', () => {
    expect(genericHashTable({ add: [], remove: [''] })).toBeNull();
    expect(genericHashTable(undefined)).toBeNull();
  });
});
