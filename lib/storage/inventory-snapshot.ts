/**
 * A compact snapshot of the stored inventory's summaries, in the `state` table, so a
 * sync can load what it knows of 100,000 devices in a few large reads instead of
 * reading the whole device table back.
 *
 * Entities (PartitionKey = tenant):
 * - `snapshot` (the head): `state` = 'valid' with the generation, part count, device
 *   count, byte count and SHA-256 of the data; or `state` = 'invalid'.
 * - `snapshot:<generation>:<nnnn>`: the parts, each holding up to PROPS_PER_PART binary
 *   properties of BYTES_PER_PROP bytes of the data: segments of ROWS_PER_SEGMENT rows,
 *   each a deflated JSON array with a 4-byte length before it. Segments let a sync add
 *   the rows of the devices it stores first as it goes (SnapshotRows), holding them
 *   compressed (about 100 bytes a device) instead of as objects.
 *
 * It is only ever used when it provably matches the device table:
 * - A reader takes the head's ETag (the token) BEFORE it reads anything else; a snapshot
 *   is only trusted when the head says valid and every part is there, of the head's
 *   generation, with the head's checksum and device count. Anything else (missing,
 *   partial, invalidated, corrupt) means "read the device table".
 * - Every device writer invalidates the head first (a new ETag). A writer that is not
 *   the sync (guardedDevices in index.ts) invalidates again after its write, so a
 *   snapshot saved by a sync running at the same time cannot claim that write either.
 *   The sync invalidates before each of its writes, conditionally on the token it holds:
 *   if the head moved (another writer, or an instance that lost the lease still
 *   writing), the run knows its index may be stale and saves no snapshot.
 * - A new snapshot replaces the head conditionally on the token its writer saw (the ETag
 *   of its own invalidation, or of the head it loaded): if anyone invalidated since, the
 *   save is refused and the next sync reads the table. A crash between device writes and
 *   the snapshot leaves the head invalid.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import { forEachConcurrent } from './concurrency';
import { getEntityOrNull, guard, isTransient, statusOf } from './errors';
import { idKey, tenantKey } from './keys';

/** What a sync keeps of each stored device (the app's StoredDeviceSummary, structurally). */
export interface SnapshotSummary {
  deviceGuid: string;
  mailbox: string;
  name: string;
  contentHash: string;
  listingHash: string;
  firstSeen: string;
  removed: boolean;
  stale: boolean;
  statisticsUnavailable?: boolean;
  facets?: string; // the sync reports' key (lib/domain/device-counts.ts reportKeyOf); absent in older snapshots' rows
}

export interface SnapshotLoad {
  /** The head's ETag as read before anything else; null when there is no head. */
  token: string | null;
  /** The summaries, or null when the snapshot cannot be trusted (see `reason`). */
  summaries: (SnapshotSummary & { statisticsUnavailable: boolean })[] | null;
  reason?: string;
  /** Parts read (for the logs and the bench). */
  parts: number;
}

export interface InventorySnapshotRepository {
  load(tenantId: string): Promise<SnapshotLoad>;
  /**
   * Marks the snapshot invalid and returns the head's new ETag (the token for the next
   * save). With `expectedToken` (null: no head expected) it also tells whether the head
   * was still at that token (`intact`); it is invalidated either way.
   */
  invalidate(tenantId: string, expectedToken?: string | null): Promise<{ token: string; intact: boolean }>;
  /**
   * Writes a new snapshot and makes it the valid one, provided the head is still at
   * `expectedToken` (null: there must be no head). Returns false (and leaves the head as
   * it is) when someone changed the head since.
   */
  save(tenantId: string, generation: string, rows: SnapshotRows, expectedToken: string | null): Promise<{ saved: boolean; reason?: string; parts: number }>;
  /** An empty set of rows to fill (in any order, each device once) and save. */
  rows(): SnapshotRows;
}

/** The rows of a snapshot being built, compressed as they come. */
export interface SnapshotRows {
  add(s: SnapshotSummary): void;
}

const [HEAD, PART_PREFIX] = ['snapshot', 'snapshot:'];
/**
 * Azure: a binary property holds at most 64 KiB, an entity at most 1 MiB. Azurite
 * measures the request body, where binary travels as base64 (4/3 larger): 14 x 64,000
 * bytes was refused as EntityTooLarge, so 10 (853 KB of base64) leave a margin.
 */
const BYTES_PER_PROP = 64_000;
/** Sends of one snapshot part before a transient failure ends the save. */
const PART_ATTEMPTS = 3;
const PROPS_PER_PART = 10;
const BYTES_PER_PART = BYTES_PER_PROP * PROPS_PER_PART;
// 2: rows end with the facet key; 3: the key also holds the policy pair and a stale device's owner.
// A head of another format is not used: the sync reads the table once and saves the current one.
const FORMAT = 3;
const ROWS_PER_SEGMENT = 2000;
const [REMOVED, STALE, STATISTICS_UNAVAILABLE] = [1, 2, 4];

const partKey = (generation: string, i: number) => `${PART_PREFIX}${generation}:${String(i).padStart(4, '0')}`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

/** Rows as [guid, mailbox, name, contentHash, listingHash, firstSeen, flags, facets]; repeated firstSeen and facets values cost deflate little. */
class SnapshotEncoder implements SnapshotRows {
  private pending: string[] = [];
  private readonly segments: Buffer[] = [];
  devices = 0;

  add(s: SnapshotSummary): void {
    const flags = (s.removed ? REMOVED : 0) | (s.stale ? STALE : 0) | (s.statisticsUnavailable ? STATISTICS_UNAVAILABLE : 0);
    this.pending.push(JSON.stringify([s.deviceGuid, s.mailbox, s.name, s.contentHash, s.listingHash, s.firstSeen, flags, s.facets ?? null]));
    this.devices++;
    if (this.pending.length >= ROWS_PER_SEGMENT) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // Level 1: the data is mostly guids and hashes, which higher levels barely shrink further.
    const segment = deflateRawSync(Buffer.from(`[${this.pending.join(',')}]`, 'utf8'), { level: 1 });
    const length = Buffer.alloc(4);
    length.writeUInt32BE(segment.length);
    this.segments.push(length, segment);
    this.pending = [];
  }

  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.segments);
  }
}

function decode(data: Buffer): (SnapshotSummary & { statisticsUnavailable: boolean })[] {
  const out: (SnapshotSummary & { statisticsUnavailable: boolean })[] = [];
  // One string per distinct first-seen time and facet key (JSON.parse makes one per row).
  const times = new Map<string, string>();
  const facetKeys = new Map<string, string>();
  for (let at = 0; at < data.length; ) {
    if (at + 4 > data.length) throw new Error('truncated segment');
    const length = data.readUInt32BE(at);
    const rows = JSON.parse(inflateRawSync(data.subarray(at + 4, at + 4 + length)).toString('utf8')) as [string, string, string, string, string, string, number, (string | null)?][];
    at += 4 + length;
    for (const [deviceGuid, mailbox, name, contentHash, listingHash, seen, flags, key] of rows) {
      let firstSeen = times.get(seen);
      if (firstSeen === undefined) times.set(seen, (firstSeen = seen));
      const facets = key ? (facetKeys.get(key) ?? (facetKeys.set(key, key), key)) : undefined;
      out.push({ deviceGuid, mailbox, name, contentHash, listingHash, firstSeen, removed: (flags & REMOVED) !== 0, stale: (flags & STALE) !== 0, statisticsUnavailable: (flags & STATISTICS_UNAVAILABLE) !== 0, facets });
    }
  }
  return out;
}

export function createInventorySnapshotRepository(client: TableClient, o: { concurrency?: number } = {}): InventorySnapshotRepository {
  const concurrency = o.concurrency ?? 4;

  const getOrNull = (pk: string, rk: string, operation: string) => getEntityOrNull(client, pk, rk, operation);

  /** Deletes the parts whose generation `drop` says (failed saves, replaced snapshots). */
  async function deleteParts(tenant: string, drop: (generation: unknown) => boolean): Promise<void> {
    // ';' follows ':' in ASCII: the range holds exactly the RowKeys starting with 'snapshot:'.
    const filter = odata`PartitionKey eq ${tenant} and RowKey ge ${PART_PREFIX} and RowKey lt ${'snapshot;'}`;
    const stale: string[] = [];
    await guard('list snapshot parts', async () => {
      for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['RowKey', 'generation'] } })) {
        if (drop(e.generation) && typeof e.rowKey === 'string') stale.push(e.rowKey);
      }
    });
    await forEachConcurrent(stale, concurrency, async (rk) => {
      await guard('delete snapshot part', async () => {
        try {
          await client.deleteEntity(tenant, rk);
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
      });
    });
  }

  return {
    async load(tenantId) {
      const tenant = tenantKey(tenantId);
      const head = await getOrNull(tenant, HEAD, 'read inventory snapshot');
      if (!head) return { token: null, summaries: null, reason: 'no snapshot', parts: 0 };
      const token = head.etag;
      if (head.state !== 'valid') return { token, summaries: null, reason: 'snapshot invalidated by a device write since it was taken', parts: 0 };
      if (Number(head.format) !== FORMAT) return { token, summaries: null, reason: `snapshot of format ${String(head.format)}, this version writes ${FORMAT}`, parts: 0 };
      const generation = String(head.generation);
      const parts = Number(head.parts);
      const chunks: Buffer[] = new Array(parts);
      let missing = 0;
      await forEachConcurrent(
        Array.from({ length: parts }, (_, i) => i),
        concurrency,
        async (i) => {
          const e = await getOrNull(tenant, partKey(generation, i), 'read inventory snapshot part');
          if (!e || e.generation !== generation) {
            missing++;
            return;
          }
          const props: Uint8Array[] = [];
          for (let p = 0; p < Number(e.props); p++) {
            const v = e[`d${p}`];
            if (!(v instanceof Uint8Array)) {
              missing++;
              return;
            }
            props.push(v);
          }
          chunks[i] = Buffer.concat(props);
        },
      );
      if (missing > 0) return { token, summaries: null, reason: `${missing} of ${parts} snapshot parts missing`, parts };
      const data = Buffer.concat(chunks);
      if (data.length !== Number(head.bytes) || sha256(data) !== head.sha256) return { token, summaries: null, reason: 'snapshot parts do not match its checksum', parts };
      let summaries: (SnapshotSummary & { statisticsUnavailable: boolean })[];
      try {
        summaries = decode(data);
      } catch (e) {
        return { token, summaries: null, reason: `snapshot unreadable (${(e as Error).message})`, parts };
      }
      if (summaries.length !== Number(head.devices)) return { token, summaries: null, reason: 'snapshot device count differs from its head', parts };
      return { token, summaries, parts };
    },

    async invalidate(tenantId, expectedToken) {
      const tenant = tenantKey(tenantId);
      const entity: TableEntity = { partitionKey: tenant, rowKey: HEAD, state: 'invalid', invalidatedAt: new Date().toISOString() };
      if (expectedToken !== undefined) {
        const token = await guard('invalidate inventory snapshot', async () => {
          try {
            const res = expectedToken === null ? await client.createEntity(entity) : await client.updateEntity(entity, 'Replace', { etag: expectedToken });
            return res.etag ?? '';
          } catch (e) {
            const s = statusOf(e);
            if (s === 409 || s === 412 || s === 404) return null;
            throw e;
          }
        });
        if (token !== null) return { token, intact: true };
      }
      const res = await guard('invalidate inventory snapshot', () => client.upsertEntity(entity, 'Replace'));
      return { token: res.etag ?? '', intact: expectedToken === undefined };
    },

    rows() {
      return new SnapshotEncoder();
    },

    async save(tenantId, generation, rows, expectedToken) {
      const tenant = tenantKey(tenantId);
      idKey('generation', generation);
      if (!(rows instanceof SnapshotEncoder)) throw new TypeError('snapshot rows must come from rows()');
      const devices = rows.devices;
      const data = rows.finish();
      const parts = Math.max(1, Math.ceil(data.length / BYTES_PER_PART));
      await forEachConcurrent(
        Array.from({ length: parts }, (_, i) => i),
        concurrency,
        async (i) => {
          const slice = data.subarray(i * BYTES_PER_PART, (i + 1) * BYTES_PER_PART);
          const entity: TableEntity = { partitionKey: tenant, rowKey: partKey(generation, i), generation, props: 0 };
          let p = 0;
          // Views, not copies: the SDK base64-encodes a Buffer view as it is (a plain Uint8Array it would encode with its whole ArrayBuffer).
          for (let off = 0; off < slice.length; off += BYTES_PER_PROP) entity[`d${p++}`] = slice.subarray(off, off + BYTES_PER_PROP);
          entity.props = p;
          // A part is an upsert of this generation's own row: sending it again is safe, so a
          // dropped connection (Azurite and the service close big uploads under load: EPIPE,
          // ECONNRESET) is retried a few times before the save gives up.
          await guard('write inventory snapshot part', async () => {
            for (let attempt = 1; ; attempt++) {
              try {
                return await client.upsertEntity(entity, 'Replace');
              } catch (e) {
                if (attempt >= PART_ATTEMPTS || !isTransient(e)) throw e;
                await new Promise((r) => setTimeout(r, 200 * attempt));
              }
            }
          });
        },
      );
      const head: TableEntity = { partitionKey: tenant, rowKey: HEAD, state: 'valid', format: FORMAT, generation, parts, devices, bytes: data.length, sha256: sha256(data), savedAt: new Date().toISOString() };
      const swapped = await guard('write inventory snapshot head', async () => {
        try {
          if (expectedToken === null) await client.createEntity(head);
          else await client.updateEntity(head, 'Replace', { etag: expectedToken });
          return true;
        } catch (e) {
          const s = statusOf(e);
          if (s === 409 || s === 412 || s === 404) return false;
          throw e;
        }
      });
      if (!swapped) {
        await deleteParts(tenant, (g) => g === generation).catch(() => undefined);
        return { saved: false, reason: 'the snapshot head changed since this sync read it (another device write)', parts };
      }
      // Parts of earlier generations are garbage now; a failure here only leaves them for the next save.
      await deleteParts(tenant, (g) => g !== generation).catch(() => undefined);
      return { saved: true, parts };
    },
  };
}
