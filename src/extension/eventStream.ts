/**
 * Follows the engine's (or service's) /v1/events Server-Sent Events stream, so the sidebar and
 * the status-bar count show a memory written by any client (MCP, CLI, console, another window)
 * as it happens. Reconnects with backoff when the stream ends (engine restart, network), and
 * at once when told the target changed. No vscode import: activate.ts gives it its seams.
 */
import type { HostEvent } from '../protocol/messages.js';
import type { ApiTarget, FetchFn } from './client.js';
import type { ExtensionLogger } from './log.js';

export interface EventStreamDeps {
  /** Where to listen now; undefined while there is nothing to listen to (engine not started, signed out). */
  target(): Promise<ApiTarget | undefined>;
  fetch: FetchFn;
  onEvent(event: HostEvent): void;
  /** Each (re)connection: changes made while disconnected were missed, so the caller refreshes. */
  onConnected?(): void;
  log: Pick<ExtensionLogger, 'debug' | 'warn'>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const EVENT_TYPES = new Set<string>(['memoryChanged', 'embedderChanged']);

/** Splits an SSE byte stream (as text) into the `data` of each complete frame; returns the rest. */
export function parseFrames(buffer: string): { data: string[]; rest: string } {
  const data: string[] = [];
  const text = buffer.replace(/\r\n?/g, '\n');
  let start = 0;
  for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
    const lines = text.slice(start, end).split('\n');
    const payload = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (payload.length) data.push(payload.join('\n'));
    start = end + 2;
  }
  return { data, rest: text.slice(start) };
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
      const res = await this.deps.fetch(`${target.baseUrl}/v1/events`, {
        headers: { Authorization: `Bearer ${target.token}`, Accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) {
        this.deps.log.warn('the event stream was refused', { status: res.status });
        return false;
      }
      opened = true;
      this.connected = true;
      this.deps.onConnected?.();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const { data, rest } = parseFrames(buffer + value);
        buffer = rest;
        for (const d of data) {
          const event = toHostEvent(d);
          if (event) this.deps.onEvent(event);
        }
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
