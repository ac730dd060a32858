/**
 * A route's streamed answer as the response body the Functions host streams: a web
 * ReadableStream of bytes that pulls one chunk from the source each time the host asks
 * for one (so the source runs only as fast as the client reads, and nothing piles up),
 * and ends the source (its `finally`) when the client goes away.
 *
 * The first chunk is read before the answer is handed over: a source that fails before
 * producing anything (storage down on the first page) fails the request, and the route
 * helper answers problem+json. A failure after the first bytes cannot change the status
 * any more: it is logged and the stream is errored, so the host cuts the chunked
 * response without its final empty chunk; the client sees an incomplete body (fetch
 * rejects with "terminated", curl exits 18), never a short body that looks complete.
 */
import { ReadableStream } from 'node:stream/web';

const encoder = new TextEncoder();
const bytes = (chunk: string | Uint8Array): Uint8Array => (typeof chunk === 'string' ? encoder.encode(chunk) : chunk);

export async function streamedBody(source: AsyncIterable<string | Uint8Array>, onError: (e: unknown) => void): Promise<ReadableStream<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  let pending: IteratorResult<string | Uint8Array> | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = pending ?? (await iterator.next());
          pending = undefined;
          if (next.done) controller.close();
          else controller.enqueue(bytes(next.value));
        } catch (e) {
          onError(e);
          controller.error(e);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    // One chunk ahead at most: the next one is produced only when the last was taken.
    { highWaterMark: 0 },
  );
}
