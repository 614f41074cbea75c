import { afterEach, describe, expect, it, vi } from 'vitest';
import { KairosClient } from '../../src/extension/client.js';
import { routeMessage, type RouterDeps } from '../../src/extension/router.js';
import { json, loopback } from './loopback.js';

const memory = {
  id: 'm1',
  space: 'kairos_user_local',
  text: 'Use pnpm',
  tags: [],
  source: { kind: 'editor' },
  contentHash: 'h',
  version: 1,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

let server: Awaited<ReturnType<typeof loopback>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(over: Partial<RouterDeps> = {}) {
  server = await loopback((req, res) => {
    if (req.headers.authorization !== 'Bearer engine-token') return json(res, 401, { error: { code: 'unauthorized', message: 'Bad token.' } });
    if (req.method === 'POST' && req.url === '/v1/search') return json(res, 200, { items: [{ memory, score: 1, matchedBy: ['keyword'] }] });
    if (req.method === 'POST' && req.url === '/v1/memories') return json(res, 201, { outcome: 'created', memory });
    if (req.method === 'GET' && req.url?.startsWith('/v1/memories/missing'))
      return json(res, 404, { error: { code: 'not_found', message: 'No memory "missing".' } });
    json(res, 404, { error: { code: 'not_found', message: 'no route' } });
  });
  const url = server.url;
  const emit = vi.fn();
  const deps: RouterDeps = {
    client: new KairosClient(async () => ({ baseUrl: url, token: 'engine-token' })),
    openSource: vi.fn(async () => ({ opened: true })),
    settingsView: vi.fn(async () => ({ mode: 'local' as const, embedder: { provider: 'local', model: 'use', dimension: 512 } })),
    updateSettings: vi.fn(),
    saveExport: vi.fn(async () => '/tmp/x.jsonl'),
    searchLimit: () => 7,
    emit,
    holdDeletes: vi.fn(),
    anchors: { verify: vi.fn(), reanchor: vi.fn(), showChange: vi.fn(async () => ({ opened: true })) },
    setupAction: vi.fn(async () => ({ started: true })),
    ...over,
  };
  return { deps, emit, requests: server.requests };
}

describe('webview request router', () => {
  it('answers ready so the host can replay state', async () => {
    const { deps } = await setup();
    expect(await routeMessage({ kind: 'ready' }, deps)).toEqual({ kind: 'ready' });
  });

  it('routes a search to POST /v1/search with the configured default limit and the bearer', async () => {
    const { deps, requests } = await setup();
    const out = await routeMessage({ kind: 'request', requestId: 'r1', type: 'search', params: { query: 'pnpm' } }, deps);
    expect(out).toMatchObject({ kind: 'response', message: { requestId: 'r1', ok: true, result: { items: [{ memory: { id: 'm1' } }] } } });
    expect(JSON.parse(requests[0]!.body)).toEqual({ query: 'pnpm', limit: 7 });
  });

  it('refuses params that fail the protocol schema without calling the engine', async () => {
    const { deps, requests } = await setup();
    const out = await routeMessage({ kind: 'request', requestId: 'r2', type: 'search', params: { query: '   ', evil: true } }, deps);
    expect(out).toMatchObject({ kind: 'response', message: { requestId: 'r2', ok: false, error: { code: 'invalid_input' } } });
    expect(requests).toHaveLength(0);
  });

  it('answers an unknown request type with invalid_input and ignores envelopes without a requestId', async () => {
    const { deps } = await setup();
    expect(await routeMessage({ kind: 'request', requestId: 'r3', type: 'dropDatabase', params: {} }, deps)).toMatchObject({
      message: { ok: false, error: { code: 'invalid_input' } },
    });
    expect((await routeMessage({ hello: 'world' }, deps)).kind).toBe('ignored');
    expect((await routeMessage('not an object', deps)).kind).toBe('ignored');
  });

  it('passes the engine error code and message through to the UI', async () => {
    const { deps } = await setup();
    const out = await routeMessage({ kind: 'request', requestId: 'r4', type: 'get', params: { id: 'missing' } }, deps);
    expect(out).toMatchObject({ message: { ok: false, error: { code: 'not_found', message: 'No memory "missing".' } } });
  });

  it('tells every view that a memory was created', async () => {
    const { deps, emit } = await setup();
    await routeMessage({ kind: 'request', requestId: 'r5', type: 'create', params: { text: 'Use pnpm' } }, deps);
    expect(emit).toHaveBeenCalledWith({ type: 'memoryChanged', id: 'm1', space: 'kairos_user_local', change: 'created' });
  });

  it('opens only file-like sources with a valid range, never command URIs', async () => {
    const { deps } = await setup();
    const ok = await routeMessage(
      { kind: 'request', requestId: 'o1', type: 'openSource', params: { uri: 'file:///w/a.ts', range: { startLine: 2, endLine: 4 } } },
      deps,
    );
    expect(ok).toMatchObject({ message: { ok: true, result: { opened: true } } });
    expect(deps.openSource).toHaveBeenCalledWith({ uri: 'file:///w/a.ts', range: { startLine: 2, endLine: 4 } });
    const bad = await routeMessage({ kind: 'request', requestId: 'o2', type: 'openSource', params: { uri: 'command:workbench.action.terminal.new' } }, deps);
    expect(bad).toMatchObject({ message: { ok: false, error: { code: 'invalid_input' } } });
    expect(deps.openSource).toHaveBeenCalledTimes(1);
  });

  it('runs a setup action the host knows and refuses any other', async () => {
    const { deps } = await setup();
    const ok = await routeMessage({ kind: 'request', requestId: 's1', type: 'setupAction', params: { action: 'setServerUrl' } }, deps);
    expect(ok).toMatchObject({ message: { ok: true, result: { started: true } } });
    expect(deps.setupAction).toHaveBeenCalledWith('setServerUrl');
    const bad = await routeMessage({ kind: 'request', requestId: 's2', type: 'setupAction', params: { action: 'runCommand', command: 'x' } }, deps);
    expect(bad).toMatchObject({ message: { ok: false, error: { code: 'invalid_input' } } });
    expect(deps.setupAction).toHaveBeenCalledTimes(1);
  });

  it('reports an unreachable engine as an error the UI can show', async () => {
    const { deps } = await setup({ client: new KairosClient(async () => ({ baseUrl: 'http://127.0.0.1:9', token: 't' })) });
    const out = await routeMessage({ kind: 'request', requestId: 'u', type: 'spaces', params: {} }, deps);
    expect(out).toMatchObject({ message: { ok: false, error: { code: 'unreachable' } } });
  });
});
