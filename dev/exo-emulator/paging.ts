/**
 * Server-side paging as the admin API does it: `Prefer: odata.maxpagesize` (1000 at
 * most), an absolute `@odata.nextLink` carrying an opaque `$skiptoken`, fetched with a
 * POST of the same body. A skiptoken is single-use and expires (Exchange: 30 minutes);
 * a late or replayed one gets 400 "Expired or Invalid pagination request".
 *
 * The token only remembers where the listing is (the seq of the last object returned,
 * how many were returned): each page re-runs the cmdlet's query and reads on from that
 * point, so objects added while paging may appear at the end and removed ones vanish,
 * but nothing is duplicated or skipped.
 *
 * ResultSize and the warning (reference, "Paging" correction): the server pages at
 * odata.maxpagesize, and every page that has a nextLink carries "There are more results
 * available...", also with ResultSize Unlimited. A page holds at most
 * min(maxpagesize, ResultSize) objects and gets a nextLink whenever more objects match,
 * so a numeric ResultSize smaller than the page still gets a link and the warning. The
 * official module follows a link only while the page was full and its ResultSize not
 * reached, asking each page for min(remaining, 1000); the emulator does not count
 * across pages, it serves what each request asks for (choice: the reference describes
 * only the client side). A client that walks the link of a `ResultSize 1` probe would
 * read the whole tenant one object at a time, which is what a test should catch.
 */
import { randomBytes } from 'node:crypto';
import type { SeqList, Sequenced } from './store/seq-list';
import type { WireObject } from './wire';

export const MAX_PAGE_SIZE = 1000;
export const PAGING_EXPIRED_TEXT = 'Expired or Invalid pagination request. Default Expiry time is 00:30:00';
export const TRUNCATED_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

/** A cmdlet's result before paging: an ordered source, an optional filter and the wire shape. */
export interface Listing {
  list: SeqList<Sequenced>;
  match?: (item: Sequenced) => boolean;
  project: (item: Sequenced) => WireObject;
}

export function listing<T extends Sequenced>(list: SeqList<T>, project: (item: T) => WireObject, match?: (item: T) => boolean): Listing {
  return {
    list: list as unknown as SeqList<Sequenced>,
    project: project as (item: Sequenced) => WireObject,
    match: match as ((item: Sequenced) => boolean) | undefined,
  };
}

export interface Cursor {
  afterSeq: number;
  emitted: number;
}

export interface Page {
  objects: WireObject[];
  next: Cursor | null;
  /** More objects matched than this page holds: the page carries the "more results" warning. */
  truncated: boolean;
}

/** Reads one page: a binary search for the start, then the page (and one look-ahead match). */
export function readPage(l: Listing, cursor: Cursor, pageSize: number, resultSize: number): Page {
  const items = l.list.view();
  const quota = Math.min(pageSize, resultSize);
  const objects: WireObject[] = [];
  let lastSeq = cursor.afterSeq;
  let i = l.list.indexAfter(cursor.afterSeq);
  for (; i < items.length && objects.length < quota; i++) {
    const item = items[i];
    if (l.match && !l.match(item)) continue;
    objects.push(l.project(item));
    lastSeq = item.seq;
  }
  // Look ahead for one more match: it decides between a nextLink and the end. The next
  // page starts just before it, so a sparse filter never rescans what it skipped.
  let ahead = -1;
  for (; i < items.length; i++) {
    if (!l.match || l.match(items[i])) {
      ahead = i;
      break;
    }
  }
  if (ahead < 0) return { objects, next: null, truncated: false };
  return { objects, next: { afterSeq: Math.max(lastSeq, items[ahead].seq - 1), emitted: cursor.emitted + objects.length }, truncated: true };
}

/** `Prefer: odata.maxpagesize=N` (possibly among other preferences); null when absent or unusable. */
export function requestedPageSize(prefer: string | undefined): number | null {
  if (!prefer) return null;
  const m = /odata\.maxpagesize\s*=\s*"?(\d+)"?/i.exec(prefer);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 ? n : null;
}

export interface PageTokenState {
  tenant: string;
  cmdlet: string;
  /** Canonical JSON of the CmdletInput: the next page must be asked for with the same body. */
  bodyKey: string;
  cursor: Cursor;
  listingId: string;
  /** The page number this token leads to (2 for the first nextLink). */
  page: number;
  anchorMailbox: string | null;
  /**
   * False when page 1 named the tenant by a vanity domain (in the URL or the anchor):
   * public reports say page 2 then fails at once with the expired-pagination error, as
   * the skiptoken names a backend the vanity name does not route to.
   */
  routable: boolean;
}

interface StoredToken extends PageTokenState {
  expiresAt: number;
}

export class PageTokens {
  private readonly tokens = new Map<string, StoredToken>();
  private lastSweep = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  issue(state: PageTokenState): string {
    this.sweep();
    const token = randomBytes(36).toString('base64url');
    this.tokens.set(token, { ...state, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  /** The state behind a token, consuming it; undefined when unknown, used or expired. */
  redeem(token: string): PageTokenState | undefined {
    const stored = this.tokens.get(token);
    if (!stored) return undefined;
    this.tokens.delete(token);
    if (this.now() >= stored.expiresAt) return undefined;
    return stored;
  }

  get outstanding(): number {
    return this.tokens.size;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 60_000 && this.tokens.size < 10_000) return;
    this.lastSweep = now;
    for (const [k, v] of this.tokens) if (now >= v.expiresAt) this.tokens.delete(k);
  }
}

/** JSON with sorted keys, so the same body in another key order still matches. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
