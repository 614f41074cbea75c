/**
 * One protocol suite, run against both bridges: whatever host the UI runs in, the same requests
 * give the same answers and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError, type Bridge, type HostEvent } from '../../src/protocol/messages.js';
import { httpBridgeFor, startBackend, vscodeBridgeFor, type Backend, type Connected } from './backend.js';

async function rejection(p: Promise<unknown>): Promise<BridgeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BridgeError);
  return e as BridgeError;
}

const bridges: Array<[string, (b: Backend) => Promise<Connected>]> = [
  ['HTTP bridge (console)', (b) => httpBridgeFor(b.server)],
  ['postMessage bridge (VS Code)', async (b) => vscodeBridgeFor(b.server)],
];

describe.each(bridges)('protocol over the %s', (_name, connect) => {
  let backend: Backend;
  let conn: Connected;
  let bridge: Bridge;
  const events: HostEvent[] = [];

  beforeAll(async () => {
    backend = await startBackend();
    conn = await connect(backend);
    bridge = conn.bridge;
    bridge.onEvent((e) => events.push(e));
  });

  afterAll(async () => {
    conn?.close();
    await backend?.close();
  });

  it('lists the personal space with its memory count', async () => {
    const spaces = await bridge.request('spaces', {});
    expect(spaces).toEqual([expect.objectContaining({ space: 'kairos_user_local', kind: 'personal', role: 'owner', count: 0 })]);
  });

  it('creates a memory and answers the same text again as a duplicate of it', async () => {
    const first = await bridge.request('create', { text: 'The staging database is Postgres 16', tags: ['Infra'] });
    expect(first.outcome).toBe('created');
    expect(first.memory).toMatchObject({ version: 1, tags: ['infra'], space: 'kairos_user_local' });
    const again = await bridge.request('create', { text: 'The staging database is Postgres 16' });
    expect(again).toMatchObject({ outcome: 'duplicate', memory: { id: first.memory.id } });
  });

  it('gets a memory by id with its (empty) history', async () => {
    const { memory } = await bridge.request('create', { text: 'Deploys happen on Tuesdays', source: { kind: 'console' } });
    const got = await bridge.request('get', { id: memory.id });
    expect(got).toMatchObject({ id: memory.id, text: 'Deploys happen on Tuesdays', source: { kind: 'console' }, history: [] });
  });

  it('lists newest first and pages with the cursor', async () => {
    for (const t of ['paging one alpha', 'paging two beta', 'paging three gamma']) await bridge.request('create', { text: t });
    const first = await bridge.request('list', { limit: 2 });
    expect(first.items.map((m) => m.text)).toEqual(['paging three gamma', 'paging two beta']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await bridge.request('list', { limit: 2, cursor: first.nextCursor! });
    expect(second.items[0]?.text).toBe('paging one alpha');
  });

  it('finds memories by their words, with a score and the space they live in', async () => {
    await bridge.request('create', { text: 'Use pnpm workspaces for the monorepo' });
    const page = await bridge.request('search', { query: 'pnpm monorepo', limit: 5 });
    expect(page.items[0]).toMatchObject({ memory: { text: 'Use pnpm workspaces for the monorepo' }, space: 'kairos_user_local', spaceLabel: 'Personal' });
    expect(page.items[0]?.score).toBeGreaterThan(0);
  });

  it('updates text and tags and keeps the replaced text as history', async () => {
    const { memory } = await bridge.request('create', { text: 'Lint with eslint 8' });
    const updated = await bridge.request('update', { id: memory.id, space: memory.space, patch: { text: 'Lint with eslint 9 flat config', tags: ['lint'] } });
    expect(updated).toMatchObject({ version: 2, text: 'Lint with eslint 9 flat config', tags: ['lint'] });
    const got = await bridge.request('get', { id: memory.id });
    expect(got.history).toEqual([expect.objectContaining({ version: 1, text: 'Lint with eslint 8', reason: 'update' })]);
  });

  it('restores an older version, which becomes the newest', async () => {
    const { memory } = await bridge.request('create', { text: 'Node 18 is the minimum' });
    await bridge.request('update', { id: memory.id, patch: { text: 'Node 20 is the minimum' } });
    const restored = await bridge.request('restore', { id: memory.id, version: 1 });
    expect(restored).toMatchObject({ version: 3, text: 'Node 18 is the minimum' });
    const got = await bridge.request('get', { id: memory.id });
    expect(got.history.map((h) => h.version).sort()).toEqual([1, 2]);
  });

  it('deletes a memory, after which getting it fails with not_found', async () => {
    const { memory } = await bridge.request('create', { text: 'Temporary note to delete' });
    expect(await bridge.request('delete', { id: memory.id, space: memory.space })).toEqual({ id: memory.id, space: memory.space });
    const err = await rejection(bridge.request('get', { id: memory.id }));
    expect(err.code).toBe('not_found');
  });

  it('rejects invalid params with invalid_input and the message naming the field', async () => {
    const err = await rejection(bridge.request('create', { text: '   ' }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/text/);
  });

  it('refuses a space the user has no access to with forbidden', async () => {
    const err = await rejection(bridge.request('list', { space: 'kairos_user_someone_else' }));
    expect(err.code).toBe('forbidden');
  });

  it('exports the space as JSON lines', async () => {
    const out = await bridge.request('export', {});
    expect('jsonl' in out && out.jsonl.split('\n').filter(Boolean).length).toBeGreaterThan(3);
  });

  it('announces a change made by another client as a memoryChanged event', async () => {
    await conn.eventsReady();
    const other = await backend.server.runtime.service().remember({ text: 'Written by an agent over MCP', source: { kind: 'agent' } });
    await expect
      .poll(() => events.find((e) => e.type === 'memoryChanged' && e.id === other.memory.id), { timeout: 5000 })
      .toEqual({
        type: 'memoryChanged',
        id: other.memory.id,
        space: other.memory.space,
        change: 'created',
      });
  });
});
