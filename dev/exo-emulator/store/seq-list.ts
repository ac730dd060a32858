/**
 * The emulator's one ordered collection. Everything listable carries a `seq` taken from
 * one counter when it is created, and lives in SeqLists kept sorted by it. A nextLink
 * then only has to remember the last `seq` it returned: a page is a binary search plus
 * the page itself, never a sort or a scan from the start, and objects created or removed
 * while a listing is paged can neither duplicate nor shift what is still to come.
 */
export interface Sequenced {
  readonly seq: number;
}

export class SeqList<T extends Sequenced> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Items in seq order; read-only view, do not keep across mutations. */
  view(): readonly T[] {
    return this.items;
  }

  add(item: T): void {
    const n = this.items.length;
    if (n === 0 || this.items[n - 1].seq < item.seq) {
      this.items.push(item);
      return;
    }
    const i = this.indexAfter(item.seq - 1);
    if (this.items[i]?.seq === item.seq) return;
    this.items.splice(i, 0, item);
  }

  remove(item: T): boolean {
    const i = this.indexAfter(item.seq - 1);
    if (this.items[i] !== item) return false;
    this.items.splice(i, 1);
    return true;
  }

  has(item: T): boolean {
    return this.items[this.indexAfter(item.seq - 1)] === item;
  }

  /** Index of the first item whose seq is greater than `seq`. */
  indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
