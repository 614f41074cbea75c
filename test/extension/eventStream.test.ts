/**
 * The extension's /v1/events follower against a real `kairos serve` on loopback: a write by an
 * MCP SDK client reaches it within a second, and it reconnects by itself when the engine is
 * replaced (a restart gives a new port), and at once when told the target changed; a dropped
 * stream resumes with Last-Event-ID and hears what was written while it was down.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiTarget } from '../../src/extension/client.js';
import { EventStream, parseFrames, toHostEvent } from '../../src/extension/eventStream.js';
import type { HostEvent } from '../../src/protocol/messages.js';
import { hashEmbedder, removeHome, startTestServer, tempHome, type TestServer } from '../server/helpers.js';

const quiet = { debug: () => {}, warn: () => {} };
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(home: string): Promise<TestServer> {
  const s = await startTestServer(home, {}, { embedder: hashEmbedder });
  return s;
}

function follow(
  target: () => ApiTarget | undefined,
  doFetch: typeof fetch = (i, init) => fetch(i, init),
): { events: HostEvent[]; connects: number[]; resumes: boolean[]; stream: EventStream } {
  const events: HostEvent[] = [];
  const connects: number[] = [];
  const resumes: boolean[] = [];
  const stream = new EventStream({
    target: async () => target(),
    fetch: doFetch,
    onEvent: (e) => events.push(e),
    onConnected: (resumed) => {
      connects.push(Date.now());
      resumes.push(resumed);
    },
    log: quiet,
    minBackoffMs: 50,
    maxBackoffMs: 200,
  });
  stream.start();
  cleanup.push(() => stream.dispose());
  return { events, connects, resumes, stream };
}

describe('event stream frames', () => {
  it('splits complete frames, keeps a partial one and ignores comments and unknown events', () => {
    const { frames, rest } = parseFrames(
      ': connected\n\nid: 17-3\nevent: message\ndata: {"type":"memoryChanged","change":"created","id":"a"}\n\ndata: {"type":"memo',
    );
    expect(frames).toEqual([{ id: '17-3', data: '{"type":"memoryChanged","change":"created","id":"a"}' }]);
    expect(rest).toBe('data: {"type":"memo');
    expect(toHostEvent(frames[0]!.data)).toEqual({ type: 'memoryChanged', change: 'created', id: 'a' });
    expect(toHostEvent('{"type":"focusSearch"}')).toBeUndefined();
    expect(toHostEvent('not json')).toBeUndefined();
  });
});

describe('following /v1/events', () => {
  it('hears a memory written by an MCP SDK client within a second', async () => {
    const home = await tempHome();
    const s = await server(home);
    cleanup.push(
      () => removeHome(home),
      () => s.close(),
    );
    const { events, connects } = follow(() => ({ baseUrl: s.url, token: s.token }));
    await expect.poll(() => connects.length, { timeout: 5000 }).toBe(1);

    const mcp = new Client({ name: 'agent', version: '0.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${s.token}` } } }));
    cleanup.push(() => mcp.close());
    const t0 = Date.now();
    const r = await mcp.callTool({ name: 'remember', arguments: { text: 'The agent remembered that staging uses Postgres 16' } });
    const id = (r.structuredContent as { memory: { id: string } }).memory.id;
    await expect
      .poll(() => events.find((e) => e.type === 'memoryChanged' && e.id === id), { timeout: 1000, interval: 20 })
      .toMatchObject({ change: 'created' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('reconnects by itself to a replaced engine, and at once on restart()', async () => {
    const home = await tempHome();
    cleanup.push(() => removeHome(home));
    let s = await server(home);
    let current: ApiTarget | undefined = { baseUrl: s.url, token: s.token };
    const { events, connects, stream } = follow(() => current);
    await expect.poll(() => connects.length, { timeout: 5000 }).toBe(1);

    // The engine stops (restart): the stream ends; a new engine comes up on another port.
    await s.close();
    s = await server(home);
    cleanup.push(() => s.close());
    current = { baseUrl: s.url, token: s.token };
    await expect.poll(() => connects.length, { timeout: 5000 }).toBe(2);
    const written = await s.api('POST', '/v1/memories', { body: { text: 'Written after the engine came back' } });
    await expect.poll(() => events.some((e) => e.type === 'memoryChanged' && e.id === written.json.memory.id), { timeout: 1000, interval: 20 }).toBe(true);

    // Nothing to listen to (signed out), then a target again: restart() connects without waiting.
    current = undefined;
    stream.restart();
    await expect.poll(() => stream.connected).toBe(false);
    current = { baseUrl: s.url, token: s.token };
    const before = connects.length;
    stream.restart();
    await expect.poll(() => connects.length, { timeout: 1000, interval: 20 }).toBe(before + 1);
  });

  it('resumes a dropped stream with Last-Event-ID and hears what was written meanwhile', async () => {
    const home = await tempHome();
    const s = await server(home);
    cleanup.push(
      () => removeHome(home),
      () => s.close(),
    );
    // A fetch whose connections the test can drop, and hold back while it writes.
    let drop = new AbortController();
    let gate: Promise<void> = Promise.resolve();
    const lastIds: Array<string | undefined> = [];
    const dropping: typeof fetch = async (input, init) => {
      await gate;
      lastIds.push(new Headers(init?.headers).get('last-event-id') ?? undefined);
      return fetch(input, { ...init, signal: AbortSignal.any([init!.signal!, drop.signal]) });
    };
    const { events, resumes } = follow(() => ({ baseUrl: s.url, token: s.token }), dropping);
    await expect.poll(() => resumes.length, { timeout: 5000 }).toBe(1);
    const first = await s.api('POST', '/v1/memories', { body: { text: 'Heard live before the stream dropped' } });
    await expect.poll(() => events.some((e) => e.type === 'memoryChanged' && e.id === first.json.memory.id), { timeout: 1000, interval: 20 }).toBe(true);

    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    drop.abort();
    drop = new AbortController();
    const missed: string[] = [];
    for (const text of ['Written while the stream was down', 'Also written while it was down'])
      missed.push((await s.api('POST', '/v1/memories', { body: { text } })).json.memory.id);
    open();
    await expect.poll(() => missed.every((id) => events.some((e) => e.type === 'memoryChanged' && e.id === id)), { timeout: 2000, interval: 20 }).toBe(true);
    expect(resumes).toEqual([false, true]);
    expect(lastIds[0]).toBeUndefined();
    expect(lastIds[1]).toMatch(/^\d+-\d+$/);
  });
});
