/** Streaming helpers: request bodies as chunks with a byte cap, responses from async iterables. */
import { KairosError } from '../core/errors.js';

/** Yields the body's chunks; throws payload_too_large once more than `maxBytes` arrived. */
export async function* limitedChunks(body: ReadableStream<Uint8Array> | null, maxBytes: number): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function humanBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export function tooLarge(maxBytes: number): KairosError {
  return new KairosError('payload_too_large', `The request body is larger than ${humanBytes(maxBytes)}. Send less data per request.`);
}

/** Most bytes read and thrown away so a refused upload can still get its answer. */
const DISCARD_CAP = 64 * 1024 * 1024;

/**
 * Reads and discards the rest of a refused request's body. Answering while the client is still
 * uploading makes many clients (undici among them) fail with "other side closed" instead of
 * reading the 413; beyond the cap the connection is closed instead.
 */
export async function discardBody(request: Request): Promise<boolean> {
  const body = request.body;
  if (!body || body.locked) return !body;
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      total += value.byteLength;
      if (total > DISCARD_CAP) {
        await reader.cancel();
        return false;
      }
    }
  } catch {
    return false;
  }
}

/**
 * A response body streaming `lines`. The first item is produced before the response is created,
 * so errors that happen up front (authorization, unknown space) still get a proper status.
 */
export async function ndjsonResponse(lines: AsyncIterator<string>, headers: Record<string, string>): Promise<Response> {
  const first = await lines.next();
  const encoder = new TextEncoder();
  let pending: IteratorResult<string> | undefined = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await lines.next());
        pending = undefined;
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await lines.return?.(undefined);
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/x-ndjson; charset=utf-8', ...headers } });
}
