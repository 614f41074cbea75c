/**
 * /v1/events: Server-Sent Events of memory changes made by any client, on any instance, in the
 * spaces the subscriber may read. Each frame carries its event id; a client that reconnects with
 * `Last-Event-ID` (header, or `lastEventId` in the query for clients that cannot set headers)
 * first gets what it missed, or one resync event when that is no longer kept.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { readableSpaces } from '../../core/tenancy.js';
import { EVENT_ID_RE, type DeliveredEvent, type EventHub } from '../../runtime/events.js';
import type { KairosEnv } from '../context.js';
import { rest } from '../../protocol/rest/endpoints.js';
import { route, single } from '../request.js';

const KEEPALIVE_MS = 25_000;
/**
 * A stream ends after this long and the client resumes with its last id: credentials and org
 * memberships are checked again, so a revoked key or a left org stops receiving within this time.
 */
const MAX_STREAM_MS = 10 * 60_000;
/** How soon a browser's EventSource reconnects after the stream ends. */
const RETRY_MS = 1_000;

const LastEventId = z.string().regex(EVENT_ID_RE);

/** Open SSE streams, so shutdown can end them instead of waiting forever. */
export class EventStreams {
  private readonly closers = new Set<() => void>();

  add(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  closeAll(): void {
    for (const close of [...this.closers]) close();
  }
}

function lastEventId(header: string | undefined, query: string | undefined): string | undefined {
  const raw = header ?? query;
  if (raw === undefined || raw === '') return undefined;
  const parsed = LastEventId.safeParse(raw);
  if (!parsed.success)
    throw new InvalidInputError('Last-Event-ID must be an event id this server sent (like 1733318400000-0). Reconnect without it to start afresh.');
  return parsed.data;
}

export function eventRoutes(hub: EventHub, streams: EventStreams, maxStreamMs = MAX_STREAM_MS): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();
  route(r, rest.events, async (c, q) => {
    const resumeFrom = lastEventId(c.req.header('last-event-id'), single(q, 'lastEventId'));
    // The same check as every read: only the spaces of this verified principal, never the event's word.
    const spaces = new Set(readableSpaces(c.var.service.ctx).map((g) => g.space));
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let done = false;
    let unsubscribe = (): void => {};
    const send = (text: string): void => {
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        cleanup();
      }
    };
    const keepalive = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    const end = (): void => {
      cleanup();
      try {
        controller.close();
      } catch {
        // Already closed by the client.
      }
    };
    const expiry = setTimeout(end, maxStreamMs);
    expiry.unref();
    const untrack = streams.add(end);
    function cleanup(): void {
      if (done) return;
      done = true;
      clearInterval(keepalive);
      clearTimeout(expiry);
      unsubscribe();
      untrack();
    }
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        controller = ctrl;
      },
      cancel() {
        cleanup();
      },
    });
    c.req.raw.signal.addEventListener('abort', () => cleanup());
    // Tells the client the stream is live before any change happens.
    send(`retry: ${RETRY_MS}\n: connected\n\n`);
    const frame = (e: DeliveredEvent): void => send(`id: ${e.id}\nevent: message\ndata: ${JSON.stringify(e.event)}\n\n`);
    try {
      const stop = await hub.subscribe({ spaces, onEvent: frame, ...(resumeFrom ? { lastEventId: resumeFrom } : {}) });
      if (done) stop();
      else unsubscribe = stop;
    } catch (e) {
      cleanup();
      throw e;
    }
    return new Response(body, {
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' },
    });
  });
  return r;
}
