/**
 * Payload-partition mode against the loopback Qdrant fake: the tenant index, the space tag on
 * every point, and the space (and generation) on every request that touches a shared
 * collection, through a whole life: writes, searches, a re-embed, deletes and the drop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionedPointId, registryPointId } from '../../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant, type RecordedCall } from '../../fakes/qdrantServer.js';
import { DIM, EMBEDDER, memory, newSpace, vec } from '../contract.js';

/** Every filter a request carries (searches, prefetches, update filters, batch operations). */
function filtersOf(c: RecordedCall): unknown[] {
  const b = c.body ?? {};
  if (c.path.endsWith('/query/batch')) return b.searches.map((s: { filter?: unknown }) => s.filter);
  if (c.path.endsWith('/points/batch'))
    return b.operations.map((o: Record<string, { filter?: unknown; points?: unknown }>) => Object.values(o)[0]!.filter ?? null);
  if (c.method === 'PUT' && c.path.endsWith('/points')) return b.update_filter ? [b.update_filter] : [];
  return [b.filter];
}

describe('the Qdrant store in payload-partition mode', () => {
  let fake: FakeQdrant;
  let store: QdrantStore;
  const shared = `/collections/kairos_shared_d${DIM}`;
  const a = newSpace('user');
  const b = newSpace('org');
  const inA: string[] = [];

  beforeAll(async () => {
    fake = await startFakeQdrant();
    store = await QdrantStore.open({ url: fake.url, partition: 'payload' });
  });
  afterAll(() => fake.close());

  it('creates one shared collection per dimension with the space field indexed as the tenant, and records the space in the registry', async () => {
    const info = await store.ensureCollection(a, EMBEDDER);
    expect(info).toMatchObject({ name: a, embedder: EMBEDDER });
    expect(fake.collection(`kairos_shared_d${DIM}`)!.indexes.get('space')).toEqual({ type: 'keyword', is_tenant: true });
    expect(await store.getCollection(a)).toMatchObject({ name: a, embedder: EMBEDDER });
    expect((await store.listCollections()).map((c) => c.name)).toEqual([a]);
  });

  it('tags every stored point with its space and generation under a space-specific point id', async () => {
    const m = memory(a, 'payload mode point', { vector: vec(1, 0) });
    await store.insert(a, m);
    inA.push(m.id);
    const upsert = fake.calls.find((c) => c.method === 'PUT' && c.path === `${shared}/points`)!;
    expect(upsert.body.points).toHaveLength(1);
    expect(upsert.body.points[0].id).toBe(partitionedPointId(a, 1, m.id));
    expect(upsert.body.points[0].payload).toMatchObject({ id: m.id, space: a, generation: 1 });
  });

  it('confines every request on a shared collection to the space, and bounds every read', async () => {
    await store.ensureCollection(b, EMBEDDER);
    await store.insert(b, memory(b, 'payload mode point in b', { vector: vec(1, 0) }));
    const from = fake.calls.length;
    const ms = Array.from({ length: 3 }, (_, i) => memory(a, `payload mode note ${i}`, { vector: vec(1, i), tags: ['x'] }));
    await store.insertMany(a, ms);
    await store.search(a, { vector: vec(1, 0), text: 'payload mode', limit: 5, offset: 0, filter: { tags: ['x'] } });
    await store.search(a, { text: 'payload', limit: 5, offset: 0 });
    await store.nearest(a, vec(1, 0), 3);
    await store.list(a, { limit: 2 });
    await store.findByHash(a, ms[0]!.contentHash);
    await store.count(a);
    await store.update(a, {
      memory: { ...ms[0]!, text: 'payload mode note changed', version: 2 },
      vector: vec(0, 1),
      previous: { version: 1, text: ms[0]!.text, tags: ['x'], source: ms[0]!.source, replacedAt: ms[0]!.updatedAt, reason: 'update' },
    });
    await store.beginReembed(a, { provider: 'test', model: 'three', dimension: 3 });
    const pending = await store.pendingReembed(a, 10);
    await store.writeReembedded(
      a,
      pending.map((m) => ({ id: m.id, vector: new Float32Array([1, 0, 0]) })),
    );
    await store.delete(a, ms[1]!.id);
    await store.finishReembed(a);
    await store.search(a, { vector: new Float32Array([1, 0, 0]), text: 'payload', limit: 5, offset: 0 });
    await store.dropCollection(a);

    const calls = fake.calls.slice(from).filter((c) => /^\/collections\/kairos_shared_d\d+\/points/.test(c.path));
    const tenant = JSON.stringify({ key: 'space', match: { value: a } });
    const pointIds = new Set([...inA, ...ms.map((m) => m.id)].flatMap((id) => [1, 2].map((g) => partitionedPointId(a, g, id))));
    expect(calls.length).toBeGreaterThan(20);
    for (const c of calls) {
      if (c.method === 'PUT' && c.path.endsWith('/points')) {
        for (const p of c.body.points) expect(p.payload.space, c.path).toBe(a);
      }
      if (c.method === 'POST' && c.path.endsWith('/points')) {
        for (const id of c.body.ids) expect(pointIds.has(id), `${c.path} reads ${id}`).toBe(true);
        continue;
      }
      for (const f of filtersOf(c)) {
        if (f === null && c.path.endsWith('/points/batch')) continue; // set_payload by point ids
        if (c.path.endsWith('/points/delete') && c.body.points) {
          for (const id of c.body.points) expect(pointIds.has(id)).toBe(true);
          continue;
        }
        expect(JSON.stringify(f ?? null), `${c.method} ${c.path}`).toContain(tenant);
      }
      if (/\/points\/(query|scroll)/.test(c.path)) {
        const bounded = c.path.endsWith('/batch') ? c.body.searches : [c.body];
        for (const q of bounded) expect(q.limit, c.path).toBeGreaterThan(0);
      }
    }
    // b was never touched, and dropping a removed its registry entry.
    expect(await store.count(b)).toBe(1);
    expect(fake.calls.slice(from).some((c) => c.path === '/collections/kairos_spaces/points/delete' && c.body.points[0] === registryPointId(a))).toBe(true);
    expect(await store.getCollection(a)).toBeNull();
    expect(fake.violations).toEqual([]);
  });

  it('reads a space that has no registry entry as empty, without touching any shared collection', async () => {
    const c = newSpace('org');
    const from = fake.calls.length;
    expect(await store.search(c, { vector: vec(1), limit: 5, offset: 0 })).toEqual([]);
    expect(await store.list(c, { limit: 5 })).toEqual({ items: [] });
    expect(await store.count(c)).toBe(0);
    expect(await store.get(c, 'x')).toBeNull();
    expect(fake.calls.slice(from).filter((x) => x.path.startsWith(shared))).toEqual([]);
  });
});
