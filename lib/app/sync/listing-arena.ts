/**
 * A whole tenant's listing facts, held until their statistics come, packed as UTF-8 into
 * large buffers outside the JavaScript heap. As objects (or as one string each) 100,000
 * partnerships took about 76 MB of heap, which the V8 heap cap the Functions host
 * deploys turned into a peak RSS above the 300 MB target; here they take about 40 MB of
 * buffer and the heap keeps one number per partnership.
 */
import { packListing, unpackListing, type ListingFacts, type PackedListing } from '../../domain/inventory';

const CHUNK_BYTES = 1 << 20;
/** A handle is chunk x 2^24 + offset: a chunk is smaller than 2^24 bytes unless it holds one larger entry alone. */
const OFFSET_SPAN = 2 ** 24;

export class ListingArena {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;

  /** Stores `f`; returns its handle. */
  add(f: ListingFacts): number {
    const packed = packListing(f);
    const bytes = Buffer.byteLength(packed, 'utf8');
    const size = bytes + 4;
    if (this.used + size > CHUNK_BYTES || this.chunks.length === 0) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size)));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1];
    const at = this.used;
    chunk.writeUInt32LE(bytes, at);
    chunk.write(packed, at + 4, bytes, 'utf8');
    this.used += size;
    // An entry larger than a chunk has a chunk of its own: the next one starts a new chunk.
    if (size > CHUNK_BYTES) this.used = CHUNK_BYTES;
    return (this.chunks.length - 1) * OFFSET_SPAN + at;
  }

  get(handle: number): ListingFacts {
    const chunk = this.chunks[Math.floor(handle / OFFSET_SPAN)];
    const at = handle % OFFSET_SPAN;
    if (!chunk || at + 4 > chunk.length) throw new RangeError(`no listing entry ${handle}`);
    const bytes = chunk.readUInt32LE(at);
    return unpackListing(chunk.toString('utf8', at + 4, at + 4 + bytes) as PackedListing);
  }

  /** Bytes of buffer held. */
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
}
