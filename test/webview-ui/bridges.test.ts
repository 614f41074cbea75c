import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError, type HostEvent } from '../../src/protocol/messages.js';
import { buildCall } from '../../src/protocol/restClient.js';
import { createHttpBridge, EVENT_RETRY, toHttpCall, type EventSourceLike } from '../../webview-ui/bridges/http.js';
import { createVsCodeBridge } from '../../webview-ui/bridges/vscode.js';
import { consoleCookie, httpBridgeFor, startBackend, vscodeBridgeFor, type Backend } from './backend.js';

describe('HTTP bridge', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('maps requests to the documented REST routes', () => {
    const built = (type: Parameters<typeof toHttpCall>[0], params: Parameters<typeof toHttpCall>[1]) => {
      const c = toHttpCall(type, params);
      const { url, init } = buildCall({ base: '' }, c.ep, c.input as never);
      return { method: init.method, url, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined };
    };
    expect(built('update', { id: 'a/b', space: 'kairos_user_x', patch: { text: 't' } })).toEqual({
      method: 'PATCH',
      url: '/v1/memories/a%2Fb?space=kairos_user_x',
      body: { text: 't' },
    });
    expect(built('list', { limit: 5, filter: { tags: ['a', 'b'], sourceKinds: ['agent'] } }).url).toBe('/v1/memories?limit=5&tag=a&tag=b&source=agent');
    expect(built('restore', { id: 'x', version: 2 })).toEqual({ method: 'POST', url: '/v1/memories/x/restore', body: { version: 2 } });
  });

  it('needs the CSRF header the bridge sends: the same cookie request without it is refused', async () => {
    const cookie = await consoleCookie(backend.server);
    const bare = await fetch(`${backend.server.url}/v1/memories`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'no csrf header' }),
    });
    expect(bare.status).toBe(403);
    const { bridge, close } = await httpBridgeFor(backend.server);
    await expect(bridge.request('create', { text: 'with the csrf header' })).resolves.toMatchObject({ outcome: 'created' });
    close();
  });

  it('reopens a dropped event stream with the last event id and hears what was written meanwhile', async () => {
    const retries: Array<{ run: () => void; ms: number }> = [];
    const conn = await httpBridgeFor(backend.server, { schedule: (run, ms) => retries.push({ run, ms }) });
    const got: HostEvent[] = [];
    const stop = conn.bridge.onEvent((e) => got.push(e));
    await conn.eventsReady();
    const heard = (id: string) => () => got.some((e) => e.type === 'memoryChanged' && e.id === id);
    const first = await backend.server.runtime.service().remember({ text: 'The console heard this before the drop' });
    await expect.poll(heard(first.memory.id), { timeout: 2000 }).toBe(true);

    conn.sources[0]!.drop();
    await expect.poll(() => retries.length).toBe(1);
    expect(retries[0]!.ms).toBe(EVENT_RETRY.minMs);
    const missed = await backend.server.runtime.service().remember({ text: 'Written while the console was cut off' });
    retries[0]!.run();
    expect(conn.sources[1]!.url).toMatch(/\/v1\/events\?lastEventId=\d+-\d+$/);
    await expect.poll(heard(missed.memory.id), { timeout: 2000 }).toBe(true);
    stop();
    conn.close();
  });

  it('backs off between failed reconnections, up to a cap, and stops once nobody listens', () => {
    const urls: string[] = [];
    const delays: number[] = [];
    const bridge = createHttpBridge({
      baseUrl: 'http://127.0.0.1:9',
      openEvents: (url) => {
        urls.push(url);
        const s: EventSourceLike = { onmessage: null, onerror: null, addEventListener: () => undefined, close: () => undefined };
        queueMicrotask(() => s.onerror?.());
        return s;
      },
      schedule: (run, ms) => {
        delays.push(ms);
        if (delays.length < 8) queueMicrotask(run);
      },
    });
    const stop = bridge.onEvent(() => undefined);
    return expect
      .poll(() => delays.length)
      .toBe(8)
      .then(() => {
        expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
        expect(urls).toHaveLength(8);
        stop();
      });
  });

  it('reports an expired session with the server message, and an unreachable server in words', async () => {
    const noCookie = createHttpBridge({ baseUrl: backend.server.url });
    const err = await noCookie.request('spaces', {}).catch((e: unknown) => e as BridgeError);
    expect(err).toMatchObject({ code: 'unauthorized' });
    const down = createHttpBridge({ baseUrl: 'http://127.0.0.1:9' });
    await expect(down.request('spaces', {})).rejects.toMatchObject({
      code: 'unreachable',
      status: 0,
      message: expect.stringMatching(/Cannot reach the Kairos server at http:\/\/127\.0\.0\.1:9/),
    });
  });

  it('commits the deletes it holds for Undo when the page is left (pagehide), and only those', async () => {
    const cookie = await consoleCookie(backend.server);
    const lifecycle = new EventTarget();
    const bridge = createHttpBridge({
      baseUrl: backend.server.url,
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Cookie: cookie } }),
      lifecycle: lifecycle as unknown as Window,
    });
    const gone = await bridge.request('create', { text: 'Deleted in the console, then the tab was closed' });
    const kept = await bridge.request('create', { text: 'Deleted, then undone before the tab was closed' });
    await bridge.request('pendingDeletes', { refs: [gone.memory, kept.memory].map((m) => ({ id: m.id, space: m.space })) });
    await expect(bridge.request('pendingDeletes', { refs: [{ id: gone.memory.id, space: gone.memory.space }] })).resolves.toEqual({ held: 1 });
    lifecycle.dispatchEvent(new Event('pagehide'));
    await expect
      .poll(() =>
        bridge.request('get', { id: gone.memory.id }).then(
          () => 'there',
          (e: BridgeError) => e.code,
        ),
      )
      .toBe('not_found');
    await expect(bridge.request('get', { id: kept.memory.id })).resolves.toMatchObject({ id: kept.memory.id });
  });

  it('cannot open source files, and says so', async () => {
    const { bridge } = await httpBridgeFor(backend.server);
    await expect(bridge.request('openSource', { uri: 'file:///x.ts' })).rejects.toMatchObject({ code: 'unsupported' });
  });
});

describe('VS Code bridge', () => {
  it('announces ready before any request and matches replies by requestId, out of order', async () => {
    const { port1, port2 } = new MessageChannel();
    const seen: Array<{ kind: string; requestId?: string }> = [];
    port2.on('message', (m: { kind: string; requestId?: string }) => {
      seen.push(m);
      if (seen.filter((s) => s.kind === 'request').length === 2) {
        const [a, b] = seen.filter((s) => s.kind === 'request');
        port2.postMessage({ kind: 'response', requestId: b!.requestId, ok: true, result: 'second' });
        port2.postMessage({ kind: 'response', requestId: a!.requestId, ok: false, error: { code: 'not_found', message: 'gone' } });
      }
    });
    const bridge = createVsCodeBridge({ post: (m) => port1.postMessage(m), listen: (h) => (port1.on('message', h), () => port1.off('message', h)) });
    const first = bridge.request('get', { id: 'a' });
    const second = bridge.request('get', { id: 'b' });
    await expect(second).resolves.toBe('second');
    await expect(first).rejects.toEqual(new BridgeError('not_found', 'gone'));
    expect(seen[0]).toEqual({ kind: 'ready' });
    bridge.dispose();
    port1.close();
  });

  it('keeps events that arrive before the UI subscribes and ignores foreign messages', async () => {
    const { port1, port2 } = new MessageChannel();
    const bridge = createVsCodeBridge({ post: (m) => port1.postMessage(m), listen: (h) => (port1.on('message', h), () => port1.off('message', h)) });
    port2.postMessage({ some: 'other extension message' });
    port2.postMessage({ kind: 'event', event: { type: 'focusSearch' } });
    await new Promise((r) => setTimeout(r, 30));
    const got: HostEvent[] = [];
    bridge.onEvent((e) => got.push(e));
    await Promise.resolve();
    expect(got).toEqual([{ type: 'focusSearch' }]);
    bridge.dispose();
    port1.close();
  });

  it('rejects requests still waiting when the view goes away', async () => {
    const { port1 } = new MessageChannel();
    const bridge = createVsCodeBridge({ post: (m) => port1.postMessage(m), listen: (h) => (port1.on('message', h), () => port1.off('message', h)) });
    const pending = bridge.request('spaces', {});
    bridge.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'disposed' });
    port1.close();
  });

  it('lets the host validate params with the shared schemas', async () => {
    const backend = await startBackend();
    const { bridge, host, close } = vscodeBridgeFor(backend.server);
    await expect(bridge.request('list', { limit: 1000 })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/limit/) });
    expect(host.messages[0]).toEqual({ kind: 'ready' });
    close();
    await backend.close();
  });
});
