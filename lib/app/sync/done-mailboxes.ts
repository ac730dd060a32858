import { createHash } from 'node:crypto';

/** The mailboxes a full sync has finished, kept as short hashes so a checkpoint stays small. */
export class DoneMailboxes {
  /** How many fit in one checkpoint entity; beyond that the rest are simply fetched again. */
  static readonly MAX_SAVED = 50_000;
  private readonly hashes = new Set<string>();

  constructor(encoded?: string) {
    if (!encoded) return;
    const bytes = Buffer.from(encoded, 'base64');
    for (let i = 0; i + 6 <= bytes.length; i += 6) this.hashes.add(bytes.subarray(i, i + 6).toString('base64'));
  }

  private static hash(mailboxKey: string): string {
    return createHash('sha256').update(mailboxKey).digest().subarray(0, 6).toString('base64');
  }

  has(mailboxKey: string): boolean {
    return this.hashes.has(DoneMailboxes.hash(mailboxKey));
  }

  add(mailboxKey: string): void {
    this.hashes.add(DoneMailboxes.hash(mailboxKey));
  }

  get size(): number {
    return this.hashes.size;
  }

  encode(max = DoneMailboxes.MAX_SAVED): string {
    const parts: Buffer[] = [];
    for (const h of this.hashes) {
      if (parts.length >= max) break;
      parts.push(Buffer.from(h, 'base64'));
    }
    return Buffer.concat(parts).toString('base64');
  }
}
