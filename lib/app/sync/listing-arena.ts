/**
 * A whole tenant's listing facts, held until their statistics come, packed as UTF-8 into
 * large buffers outside the JavaScript heap. As objects (or as one string each) 100,000
 * partnerships took about 76 MB of heap, which the V8 heap cap the Functions host
 * deploys turned into a peak RSS above the 300 MB target; here they take about 40 MB of
 * buffer. Entries are chained (each names the one added before it in its chain), so a
 * caller grouping partnerships by mailbox keeps one number per mailbox, not an array.
 */
import { packListing, unpackListing, type ListingFacts, type PackedListing } from '../../domain/inventory';

const CHUNK_BYTES = 1 << 20;
/** A handle is chunk x 2^24 + offset: a chunk is smaller than 2^24 bytes unless it holds one larger entry alone. */
const OFFSET_SPAN = 2 ** 24;
/** Each entry: its length (uint32), the previous handle of its chain (float64, -1 for none), the UTF-8. */
const HEADER_BYTES = 12;

export class ListingArena {
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;

  /** Stores `f` after `previous` in its chain (-1: the first); returns its handle. */
  add(f: ListingFacts, previous = -1): number {
    const packed = packListing(f);
    const bytes = Buffer.byteLength(packed, 'utf8');
    const size = bytes + HEADER_BYTES;
    if (this.used + size > CHUNK_BYTES || this.chunks.length === 0) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size)));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1];
    const at = this.used;
    chunk.writeUInt32LE(bytes, at);
    chunk.writeDoubleLE(previous, at + 4);
    chunk.write(packed, at + HEADER_BYTES, bytes, 'utf8');
    this.used += size;
    // An entry larger than a chunk has a chunk of its own: the next one starts a new chunk.
    if (size > CHUNK_BYTES) this.used = CHUNK_BYTES;
    return (this.chunks.length - 1) * OFFSET_SPAN + at;
  }

  get(handle: number): ListingFacts {
    const { chunk, at } = this.locate(handle);
    const bytes = chunk.readUInt32LE(at);
    return unpackListing(chunk.toString('utf8', at + HEADER_BYTES, at + HEADER_BYTES + bytes) as PackedListing);
  }

  /** The handles of the chain ending at `last`, in the order they were added. */
  chain(last: number): number[] {
    const out: number[] = [];
    for (let h = last; h >= 0; h = this.previous(h)) out.push(h);
    return out.reverse();
  }

  private previous(handle: number): number {
    const { chunk, at } = this.locate(handle);
    return chunk.readDoubleLE(at + 4);
  }

  private locate(handle: number): { chunk: Buffer; at: number } {
    const chunk = Number.isInteger(handle) && handle >= 0 ? this.chunks[Math.floor(handle / OFFSET_SPAN)] : undefined;
    const at = handle % OFFSET_SPAN;
    if (!chunk || at + HEADER_BYTES > chunk.length) throw new RangeError(`no listing entry ${handle}`);
    return { chunk, at };
  }

  /** Bytes of buffer held. */
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
}
