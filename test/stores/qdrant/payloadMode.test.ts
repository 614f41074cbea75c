/**
 * Payload-partition mode against a loopback server that records Qdrant REST calls (no Qdrant
 * runs here; the contract suite covers behaviour when QDRANT_URL is set). Checks the wire
 * shape: the tenant index, the space tag on every point, and the space filter on every read,
 * count and delete of a shared collection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionedPointId, registryPointId } from '../../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { DIM, EMBEDDER, memory, newSpace, vec } from '../contract.js';

interface Call {
  method: string;
  path: string;
  body: any;
}

/** Answers like Qdrant with empty results; keeps registry points so space metadata round-trips. */
function fakeQdrant(): Promise<{ url: string; calls: Call[]; close(): Promise<void> }> {
  const calls: Call[] = [];
  const registry = new Map<string, unknown>();
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const body = raw ? JSON.parse(raw) : undefined;
      calls.push({ method: req.method ?? '', path, body });
      const ok = (result: unknown): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result, status: 'ok', time: 0 }));
      };
      const op = { operation_id: 0, status: 'completed' };
      if (path === '/collections/kairos_spaces/points' && req.method === 'PUT') {
        for (const p of body.points) registry.set(p.id, p.payload);
        return ok(op);
      }
      if (path === '/collections/kairos_spaces/points' && req.method === 'POST') {
        return ok((body.ids as string[]).filter((id) => registry.has(id)).map((id) => ({ id, payload: registry.get(id) })));
      }
      if (path === '/collections/kairos_spaces/points/delete') {
        for (const id of body.points ?? []) registry.delete(id);
        return ok(op);
      }
      if (path === '/collections' && req.method === 'GET') return ok({ collections: [{ name: `kairos_shared_d${DIM}` }, { name: 'kairos_spaces' }] });
      if (/^\/collections\/[^/]+$/.test(path) && req.method === 'PUT') return ok(true);
      if (path.endsWith('/points/query/batch')) return ok(body.searches.map(() => ({ points: [] })));
      if (path.endsWith('/points/query')) return ok({ points: [] });
      if (path.endsWith('/points/scroll')) return ok({ points: [], next_page_offset: null });
      if (path.endsWith('/points/count')) return ok({ count: 0 });
      if (path.endsWith('/points') && req.method === 'POST') return ok([]);
      return ok(op);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        calls,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('the Qdrant store in payload-partition mode', () => {
  let fake: Awaited<ReturnType<typeof fakeQdrant>>;
  let store: QdrantStore;
  const shared = `/collections/kairos_shared_d${DIM}`;
  const a = newSpace('user');
  const b = newSpace('org');

  beforeAll(async () => {
    fake = await fakeQdrant();
    store = await QdrantStore.open({ url: fake.url, partition: 'payload' });
  });
  afterAll(() => fake.close());

  it('creates one shared collection per dimension with the space field indexed as the tenant, and records the space in the registry', async () => {
    const info = await store.ensureCollection(a, EMBEDDER);
    expect(info).toMatchObject({ name: a, embedder: EMBEDDER });
    expect(fake.calls.some((c) => c.method === 'PUT' && c.path === shared)).toBe(true);
    const indexes = fake.calls.filter((c) => c.path === `${shared}/index`).map((c) => c.body);
    expect(indexes).toContainEqual(expect.objectContaining({ field_name: 'space', field_schema: { type: 'keyword', is_tenant: true } }));
    expect(await store.getCollection(a)).toMatchObject({ name: a, embedder: EMBEDDER });
    expect(await store.listCollections()).toEqual([]); // the fake's scroll is empty; the registry read is what counts
    expect(fake.calls.some((c) => c.path === '/collections/kairos_spaces/points/scroll')).toBe(true);
  });

  it('tags every stored point with its space and generation under a space-specific point id', async () => {
    const m = memory(a, 'payload mode point', { vector: vec(1, 0) });
    await store.insert(a, m);
    const upsert = fake.calls.find((c) => c.method === 'PUT' && c.path === `${shared}/points`)!;
    expect(upsert.body.points).toHaveLength(1);
    expect(upsert.body.points[0].id).toBe(partitionedPointId(a, 1, m.id));
    expect(upsert.body.points[0].payload).toMatchObject({ id: m.id, space: a, generation: 1 });
  });

  it('filters every search, scroll, count and delete of the shared collection by the space', async () => {
    const from = fake.calls.length;
    await store.search(a, { vector: vec(1, 0), text: 'payload mode', limit: 5, offset: 0, filter: { tags: ['x'] } });
    await store.search(a, { text: 'payload', limit: 5, offset: 0 });
    await store.nearest(a, vec(1, 0), 3);
    await store.list(a, { limit: 10 });
    await store.findByHash(a, 'abc');
    await store.count(a);
    await store.dropCollection(a);

    const scoped = fake.calls.slice(from).filter((c) => c.path.startsWith(`${shared}/points/`));
    expect(scoped.map((c) => c.path)).toEqual(
      expect.arrayContaining([`${shared}/points/query/batch`, `${shared}/points/query`, `${shared}/points/scroll`, `${shared}/points/count`, `${shared}/points/delete`]),
    );
    const tenant = JSON.stringify({ key: 'space', match: { value: a } });
    for (const c of scoped) {
      const filters = c.path.endsWith('/query/batch')
        ? c.body.searches.flatMap((s: any) => [s.filter, ...(s.prefetch ?? []).map((p: any) => p.filter)])
        : [c.body.filter];
      for (const f of filters) expect(JSON.stringify(f ?? null), c.path).toContain(tenant);
    }
    // Dropping removes the registry entry too.
    expect(fake.calls.slice(from).some((c) => c.path === '/collections/kairos_spaces/points/delete' && c.body.points[0] === registryPointId(a))).toBe(true);
    expect(await store.getCollection(a)).toBeNull();
  });

  it('reads a space that has no registry entry as empty, without touching any shared collection', async () => {
    const from = fake.calls.length;
    expect(await store.search(b, { vector: vec(1), limit: 5, offset: 0 })).toEqual([]);
    expect(await store.list(b, { limit: 5 })).toEqual({ items: [] });
    expect(await store.count(b)).toBe(0);
    expect(await store.get(b, 'x')).toBeNull();
    expect(fake.calls.slice(from).filter((c) => c.path.startsWith(shared))).toEqual([]);
  });
});
