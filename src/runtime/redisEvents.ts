/**
 * Redis adapter of the event hub, for a service scaled out over several instances: each event is
 * appended to one capped stream (`<prefix>:events`, its id is the event id) and published on
 * `<prefix>:events:live` in the same Lua script, so ids and live order agree on every instance.
 * Each instance subscribes once and fans out to its own SSE subscribers by space; a reconnecting
 * subscriber is replayed from the stream with XRANGE, or told to resync when the gap was trimmed.
 */
import { Redis } from 'ioredis';
import type { HostEvent } from '../protocol/messages.js';
import { createLogger } from '../util/logger.js';
import { compareEventIds, fanOut, RESYNC, type DeliveredEvent, type EventHub, type SubscribeOptions } from './events.js';

const log = createLogger('events');

/** Events kept for replay (approximate trim: Redis keeps at least this many). */
const STREAM_MAXLEN = 10_000;
/** Most events replayed to one reconnecting subscriber; a longer gap gets a resync. */
const REPLAY_MAX = 1_000;

// XADD and PUBLISH in one script: nothing can interleave, so the live order is the id order.
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 's', ARGV[2], 'e', ARGV[3])
redis.call('PUBLISH', ARGV[4], id .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return id`;

interface Live {
  spaces: ReadonlySet<string>;
  onEvent(event: DeliveredEvent): void;
}

type StreamEntry = [id: string, fields: string[]];

export class RedisEventHub implements EventHub {
  readonly kind = 'redis';
  private readonly listeners = new Set<Live>();
  private readonly streamKey: string;
  private readonly channel: string;
  private readonly subscribed: Promise<unknown>;

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    prefix: string,
  ) {
    this.streamKey = `${prefix}:events`;
    this.channel = `${prefix}:events:live`;
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    this.subscribed = this.sub.subscribe(this.channel).catch((e: unknown) => log.warn('cannot subscribe to live events', { error: e }));
  }

  static connect(url: string, prefix: string): RedisEventHub {
    const options = { maxRetriesPerRequest: 2 };
    return new RedisEventHub(new Redis(url, options), new Redis(url, options), prefix);
  }

  publish(space: string, event: HostEvent): void {
    this.pub
      .eval(PUBLISH_SCRIPT, 1, this.streamKey, STREAM_MAXLEN, space, JSON.stringify(event), this.channel)
      .catch((e: unknown) => log.warn('an event was not published', { error: e }));
  }

  private receive(message: string): void {
    const first = message.indexOf(' ');
    const second = message.indexOf(' ', first + 1);
    if (first < 0 || second < 0) return;
    const event = parseEvent(message.slice(second + 1));
    if (event) fanOut(this.listeners, message.slice(first + 1, second), { id: message.slice(0, first), event });
  }

  async subscribe(opts: SubscribeOptions): Promise<() => void> {
    await this.subscribed;
    // Live events are held while the replay runs, then passed on unless the replay had them.
    let held: DeliveredEvent[] | undefined = opts.lastEventId === undefined ? undefined : [];
    const listener: Live = { spaces: opts.spaces, onEvent: (e) => (held ? held.push(e) : opts.onEvent(e)) };
    this.listeners.add(listener);
    const unsubscribe = (): void => {
      this.listeners.delete(listener);
    };
    if (held) {
      let last = opts.lastEventId!;
      for (const e of await this.replay(last, opts.spaces)) {
        opts.onEvent(e);
        last = e.id;
      }
      const after = held.filter((e) => compareEventIds(e.id, last) > 0);
      held = undefined;
      for (const e of after) opts.onEvent(e);
    }
    return unsubscribe;
  }

  /** The events after `lastId` in the subscriber's spaces, or one RESYNC when they cannot all be found. */
  private async replay(lastId: string, spaces: ReadonlySet<string>): Promise<DeliveredEvent[]> {
    try {
      const [oldest, newest] = await Promise.all([
        this.pub.xrange(this.streamKey, '-', '+', 'COUNT', 1) as Promise<StreamEntry[]>,
        this.pub.xrevrange(this.streamKey, '+', '-', 'COUNT', 1) as Promise<StreamEntry[]>,
      ]);
      const first = oldest[0]?.[0];
      const latest = newest[0]?.[0] ?? '0-0';
      // Trimmed past the subscriber's id (or the stream is gone), or an id this stream never gave.
      if (!first || compareEventIds(first, lastId) > 0 || compareEventIds(lastId, latest) > 0) return [{ id: latest, event: RESYNC }];
      const missed = (await this.pub.xrange(this.streamKey, `(${lastId}`, '+', 'COUNT', REPLAY_MAX + 1)) as StreamEntry[];
      if (missed.length > REPLAY_MAX) return [{ id: latest, event: RESYNC }];
      const out: DeliveredEvent[] = [];
      for (const [id, fields] of missed) {
        const space = field(fields, 's');
        const event = parseEvent(field(fields, 'e'));
        if (space !== undefined && spaces.has(space) && event) out.push({ id, event });
      }
      return out;
    } catch (e) {
      log.warn('cannot replay missed events; asking the client to resync', { error: e });
      return [{ id: lastId, event: RESYNC }];
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([this.sub.quit().catch(() => undefined), this.pub.quit().catch(() => undefined)]);
  }
}

function field(fields: string[], name: string): string | undefined {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
}

function parseEvent(json: string | undefined): HostEvent | undefined {
  if (json === undefined) return undefined;
  try {
    const e = JSON.parse(json) as HostEvent;
    return typeof e === 'object' && e !== null && typeof e.type === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}
