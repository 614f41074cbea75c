/**
 * The extension's /v1/events follower against a real `kairos serve` on loopback: a write by an
 * MCP SDK client reaches it within a second, and it reconnects by itself when the engine is
 * replaced (a restart gives a new port), and at once when told the target changed.
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

function follow(target: () => ApiTarget | undefined): { events: HostEvent[]; connects: number[]; stream: EventStream } {
  const events: HostEvent[] = [];
  const connects: number[] = [];
  const stream = new EventStream({
    target: async () => target(),
    fetch: (i, init) => fetch(i, init),
    onEvent: (e) => events.push(e),
    onConnected: () => connects.push(Date.now()),
    log: quiet,
    minBackoffMs: 50,
    maxBackoffMs: 200,
  });
  stream.start();
  cleanup.push(() => stream.dispose());
  return { events, connects, stream };
}

describe('event stream frames', () => {
  it('splits complete frames, keeps a partial one and ignores comments and unknown events', () => {
    const { data, rest } = parseFrames(': connected\n\nevent: message\ndata: {"type":"memoryChanged","change":"created","id":"a"}\n\ndata: {"type":"memo');
    expect(data).toEqual(['{"type":"memoryChanged","change":"created","id":"a"}']);
    expect(rest).toBe('data: {"type":"memo');
    expect(toHostEvent(data[0]!)).toEqual({ type: 'memoryChanged', change: 'created', id: 'a' });
    expect(toHostEvent('{"type":"focusSearch"}')).toBeUndefined();
    expect(toHostEvent('not json')).toBeUndefined();
  });
});

describe('following /v1/events', () => {
  it('hears a memory written by an MCP SDK client within a second', async () => {
    const home = await tempHome();
    const s = await server(home);
    cleanup.push(() => removeHome(home), () => s.close());
    const { events, connects } = follow(() => ({ baseUrl: s.url, token: s.token }));
    await expect.poll(() => connects.length, { timeout: 5000 }).toBe(1);

    const mcp = new Client({ name: 'agent', version: '0.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${s.token}` } } }));
    cleanup.push(() => mcp.close());
    const t0 = Date.now();
    const r = await mcp.callTool({ name: 'remember', arguments: { text: 'The agent remembered that staging uses Postgres 16' } });
    const id = (r.structuredContent as { memory: { id: string } }).memory.id;
    await expect.poll(() => events.find((e) => e.type === 'memoryChanged' && e.id === id), { timeout: 1000, interval: 20 }).toMatchObject({ change: 'created' });
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
});
