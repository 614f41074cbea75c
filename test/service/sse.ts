/** A real SSE client for the events suites: records every frame of `/v1/events` with its id and arrival time. */
import { performance } from 'node:perf_hooks';
import { sseFrames } from '../../src/extension/eventStream.js';
import type { HostEvent } from '../../src/protocol/messages.js';

export interface Heard {
  id?: string;
  event: HostEvent & { id?: string; space?: string; change?: string };
  at: number;
}

export interface Subscriber {
  status: number;
  heard: Heard[];
  close(): void;
}

export async function subscribe(url: string, token: string, lastEventId?: string): Promise<Subscriber> {
  const ac = new AbortController();
  const res = await fetch(`${url}/v1/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: ac.signal,
  });
  const heard: Heard[] = [];
  if (res.ok && res.body) {
    const body = res.body;
    void (async () => {
      for await (const f of sseFrames(body)) heard.push({ ...(f.id ? { id: f.id } : {}), event: JSON.parse(f.data), at: performance.now() });
    })().catch(() => undefined);
  } else await res.body?.cancel();
  return { status: res.status, heard, close: () => ac.abort() };
}

/** The memory ids a subscriber heard, in order. */
export const eventIds = (s: Subscriber): Array<string | undefined> => s.heard.map((h) => h.event.id);

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
