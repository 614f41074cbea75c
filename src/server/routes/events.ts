/** /v1/events: Server-Sent Events of memory changes made by any client. */
import { Hono } from 'hono';
import type { EventBus } from '../../runtime/events.js';
import type { KairosEnv } from '../context.js';
import { queryParams } from '../request.js';

const KEEPALIVE_MS = 25_000;

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

export function eventRoutes(bus: EventBus, streams: EventStreams): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();
  r.get('/events', (c) => {
    queryParams(c, []);
    const encoder = new TextEncoder();
    let cleanup = (): void => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string): void => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            cleanup();
          }
        };
        const unsubscribe = bus.subscribe((event) => send(`event: message\ndata: ${JSON.stringify(event)}\n\n`));
        const timer = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
        timer.unref();
        let done = false;
        const untrack = streams.add(() => {
          cleanup();
          try {
            controller.close();
          } catch {
            // Already closed by the client.
          }
        });
        cleanup = () => {
          if (done) return;
          done = true;
          clearInterval(timer);
          unsubscribe();
          untrack();
        };
        // Tells the client the stream is live before any change happens.
        send(': connected\n\n');
      },
      cancel() {
        cleanup();
      },
    });
    c.req.raw.signal.addEventListener('abort', () => cleanup());
    return new Response(body, {
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' },
    });
  });
  return r;
}
