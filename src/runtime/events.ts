/**
 * The event hub port: memory changes from any client (REST, MCP, console) fan out to the SSE
 * subscribers allowed to read the space they happened in. Two adapters: in-process (this file:
 * local mode and a single service instance) and Redis (redisEvents.ts: every instance of a
 * scaled-out service). Event ids are `<epoch>-<seq>` and grow monotonically, so a subscriber
 * that reconnects with the last id it saw gets what it missed, or a resync when that is gone.
 */
import type { HostEvent } from '../protocol/messages.js';

export interface DeliveredEvent {
  id: string;
  event: HostEvent;
}

export interface SubscribeOptions {
  /** Spaces the subscriber may read (from its verified tenant context): nothing else reaches it. */
  spaces: ReadonlySet<string>;
  /** The last id the subscriber saw (SSE Last-Event-ID): what came after it is replayed first. */
  lastEventId?: string;
  onEvent(event: DeliveredEvent): void;
}

export interface EventHub {
  readonly kind: string;
  /** Announces a change in `space`. Never throws and never blocks the write that caused it. */
  publish(space: string, event: HostEvent): void;
  /** Replays what the subscriber missed (or sends one RESYNC), then delivers live events. */
  subscribe(opts: SubscribeOptions): Promise<() => void>;
  close(): Promise<void>;
}

/** Sent instead of a replay that is no longer possible: clients re-list (they already do on memoryChanged). */
export const RESYNC: HostEvent = Object.freeze({ type: 'memoryChanged', change: 'updated' }) as HostEvent;

/** The shape of every event id: Redis stream ids (`<ms>-<seq>`), and the in-process `<boot ms>-<seq>`. */
export const EVENT_ID_RE = /^\d{1,20}-\d{1,20}$/;

/** Orders two event ids (negative: a before b). */
export function compareEventIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/** Most events the in-process hub keeps for replay. */
const LOCAL_REPLAY = 1000;

interface Listener {
  spaces: ReadonlySet<string>;
  onEvent(event: DeliveredEvent): void;
}

/** Calls each listener whose spaces hold `space`; a broken subscriber must not break the others. */
export function fanOut(listeners: Iterable<Listener>, space: string, event: DeliveredEvent): void {
  for (const l of [...listeners]) {
    if (!l.spaces.has(space)) continue;
    try {
      l.onEvent(event);
    } catch {
      // A subscriber that failed (closed stream) is removed by its own cleanup.
    }
  }
}

/** In-process hub with a bounded replay buffer. Ids carry the boot time, so ids from before a restart ask for a resync. */
export class InProcessEventHub implements EventHub {
  readonly kind = 'in-process';
  private readonly listeners = new Set<Listener>();
  private readonly recent: Array<DeliveredEvent & { space: string }> = [];
  private readonly epoch: string;
  private seq = 0;

  constructor(epochMs: number = Date.now()) {
    this.epoch = String(epochMs);
  }

  publish(space: string, event: HostEvent): void {
    const delivered = { id: `${this.epoch}-${++this.seq}`, event };
    this.recent.push({ ...delivered, space });
    if (this.recent.length > LOCAL_REPLAY) this.recent.shift();
    fanOut(this.listeners, space, delivered);
  }

  async subscribe(opts: SubscribeOptions): Promise<() => void> {
    if (opts.lastEventId !== undefined) this.replay(opts);
    const listener: Listener = { spaces: opts.spaces, onEvent: (e) => opts.onEvent(e) };
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private replay(opts: SubscribeOptions & { lastEventId?: string }): void {
    const last = opts.lastEventId!;
    const [epoch, seqText] = last.split('-');
    const seq = Number(seqText);
    const oldest = this.seq - this.recent.length;
    // Another boot's id, one from the future, or one the buffer no longer reaches: re-list.
    if (epoch !== this.epoch || seq > this.seq || seq < oldest) {
      opts.onEvent({ id: `${this.epoch}-${this.seq}`, event: RESYNC });
      return;
    }
    for (const e of this.recent.slice(seq - oldest)) if (opts.spaces.has(e.space)) opts.onEvent({ id: e.id, event: e.event });
  }

  /** Subscribers now listening (tests and shutdown). */
  get size(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
