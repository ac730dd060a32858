/** Seeded randomness, so one seed always yields the same organisation. */
import { Buffer } from 'node:buffer';

export type Rng = () => number;

// Module-local copies: under jest's vm sandbox every global lookup (Math, Buffer) goes
// through an interceptor, which made seeding 100,000 devices several times slower.
const { imul, floor } = Math;

/** mulberry32: tiny, fast, and good enough for test data. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[floor(rng() * items.length)];
}

export function intBetween(rng: Rng, min: number, maxInclusive: number): number {
  return min + floor(rng() * (maxInclusive - min + 1));
}

export function weighted<T>(rng: Rng, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = rng() * total;
  for (const [value, w] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return entries[entries.length - 1][0];
}

const HEX = '0123456789abcdef';

const hex = (rng: Rng, n: number) => charsFrom(rng, HEX, n);



/** A version-4-shaped GUID drawn from the PRNG. */
export function guid(rng: Rng): string {
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${HEX[8 + floor(rng() * 4)]}${hex(rng, 3)}-${hex(rng, 12)}`;
}

/**
 * Built from bytes in one go (alphabets are ASCII): appending characters one by one leaves a chain of
 * rope nodes per string, which for 100,000 devices costs hundreds of megabytes.
 */
export function charsFrom(rng: Rng, alphabet: string, n: number): string {
  const bytes = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) bytes[i] = alphabet.charCodeAt(floor(rng() * alphabet.length));
  return bytes.toString('latin1');
}
