/**
 * Follows the engine's (or service's) /v1/events Server-Sent Events stream, so the sidebar and
 * the status-bar count show a memory written by any client (MCP, CLI, console, another window)
 * as it happens. Reconnects with backoff when the stream ends (engine restart, network), and
 * at once when told the target changed; a reconnection sends the last event id it saw, so the
 * server replays what was missed (or sends one resync event). No vscode import: activate.ts
 * gives it its seams.
 */
import type { HostEvent } from '../protocol/messages.js';
import type { ApiTarget, FetchFn } from './client.js';
import type { ExtensionLogger } from './log.js';

export interface EventStreamDeps {
  /** Where to listen now; undefined while there is nothing to listen to (engine not started, signed out). */
  target(): Promise<ApiTarget | undefined>;
  fetch: FetchFn;
  onEvent(event: HostEvent): void;
  /**
   * Each (re)connection. `resumed`: the server was given the last event id and replays what was
   * missed; otherwise changes made while disconnected are unknown, so the caller refreshes.
   */
  onConnected?(resumed: boolean): void;
  log: Pick<ExtensionLogger, 'debug' | 'warn'>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const EVENT_TYPES = new Set<string>(['memoryChanged', 'embedderChanged']);

export interface Frame {
  /** The frame's `id`, when it has one: sent back as Last-Event-ID on reconnection. */
  id?: string;
  data: string;
}

/** Splits an SSE byte stream (as text) into its complete frames with data; returns the rest. */
export function parseFrames(buffer: string): { frames: Frame[]; rest: string } {
  const frames: Frame[] = [];
  const text = buffer.replace(/\r\n?/g, '\n');
  let start = 0;
  for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
    const lines = text.slice(start, end).split('\n');
    const field = (name: string): string[] => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
    const payload = field('data');
    const id = field('id').at(-1);
    if (payload.length) frames.push({ ...(id ? { id } : {}), data: payload.join('\n') });
    start = end + 2;
  }
  return { frames, rest: text.slice(start) };
}

/** The frames of an SSE response body, each as soon as it is complete. */
export async function* sseFrames(body: NonNullable<Response['body']>): AsyncGenerator<Frame> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const { frames, rest } = parseFrames(buffer + value);
    buffer = rest;
    yield* frames;
  }
}

/** A frame's event, if it is one this host acts on. */
export function toHostEvent(data: string): HostEvent | undefined {
  try {
    const e = JSON.parse(data) as { type?: unknown };
    return typeof e === 'object' && e !== null && typeof e.type === 'string' && EVENT_TYPES.has(e.type) ? (e as HostEvent) : undefined;
  } catch {
    return undefined;
  }
}

export class EventStream {
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private disposed = false;
  private running = false;
  private generation = 0;
  /** The last event id heard from the current target; cleared when the target may have changed. */
  private lastEventId: string | undefined;
  connected = false;

  constructor(private readonly deps: EventStreamDeps) {}

  /** Starts listening (idempotent). */
  start(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    void this.loop();
  }

  /** The target may have changed (engine started or restarted, sign-in, settings): reconnect now. */
  restart(): void {
    this.generation++;
    this.lastEventId = undefined;
    this.abort?.abort();
    this.wake?.();
  }

  dispose(): void {
    this.disposed = true;
    this.restart();
  }

  private async loop(): Promise<void> {
    const min = this.deps.minBackoffMs ?? 250;
    const max = this.deps.maxBackoffMs ?? 5_000;
    let backoff = min;
    while (!this.disposed) {
      const gen = this.generation;
      let target: ApiTarget | undefined;
      try {
        target = await this.deps.target();
      } catch (e) {
        this.deps.log.debug('event stream has no target', { error: e });
      }
      if (gen !== this.generation) continue;
      if (!target) {
        await this.idle(max * 6);
        continue;
      }
      const heard = await this.listen(target);
      if (this.disposed) return;
      if (gen !== this.generation) {
        backoff = min;
        continue;
      }
      // A stream that delivered something was healthy: start the backoff again from the bottom.
      backoff = heard ? min : Math.min(backoff * 2, max);
      await this.idle(backoff);
    }
  }

  /** Waits for `ms` or until restart() is called. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.wake = done;
    });
  }

  /** One connection: true when it was open (the server said it was connected). */
  private async listen(target: ApiTarget): Promise<boolean> {
    const abort = new AbortController();
    this.abort = abort;
    let opened = false;
    try {
      const resume = this.lastEventId;
      const res = await this.deps.fetch(`${target.baseUrl}/v1/events`, {
        headers: { Authorization: `Bearer ${target.token}`, Accept: 'text/event-stream', ...(resume ? { 'Last-Event-ID': resume } : {}) },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) {
        this.deps.log.warn('the event stream was refused', { status: res.status });
        // An id this server does not know (400) would be refused forever: start afresh.
        if (res.status === 400) this.lastEventId = undefined;
        return false;
      }
      opened = true;
      this.connected = true;
      this.deps.onConnected?.(resume !== undefined);
      for await (const f of sseFrames(res.body)) {
        if (f.id) this.lastEventId = f.id;
        const event = toHostEvent(f.data);
        if (event) this.deps.onEvent(event);
      }
    } catch (e) {
      if (!abort.signal.aborted) this.deps.log.debug('the event stream broke', { error: e });
    } finally {
      this.connected = false;
      if (this.abort === abort) this.abort = undefined;
      abort.abort();
    }
    return opened;
  }
}
