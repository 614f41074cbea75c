/** How many requests common operations cost, counted on the loopback Qdrant fake. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant } from '../../fakes/qdrantServer.js';
import { EMBEDDER, memory, newSpace, vec } from '../contract.js';

describe('Qdrant round trips (one collection per space)', () => {
  let fake: FakeQdrant;
  let store: QdrantStore;
  beforeAll(async () => {
    fake = await startFakeQdrant();
    store = await QdrantStore.open({ url: fake.url });
  });
  afterAll(() => fake.close());

  const requests = async (fn: () => Promise<unknown>): Promise<string[]> => {
    const from = fake.calls.length;
    await fn();
    return fake.calls.slice(from).map((c) => `${c.method} ${c.path}`);
  };

  it('resolves a space through its alias in one request, present or not', async () => {
    const space = newSpace();
    await store.ensureCollection(space, EMBEDDER);
    expect(await requests(() => store.getCollection(space))).toEqual([`GET /collections/${space}`]);
    const missing = newSpace();
    expect(await requests(() => store.getCollection(missing))).toEqual([`GET /collections/${missing}`]);
  });

  it('searches in two requests: both legs in one batch, then the page', async () => {
    const space = newSpace();
    await store.ensureCollection(space, EMBEDDER);
    await store.insert(space, memory(space, 'round trip note', { vector: vec(1) }));
    expect(await requests(() => store.search(space, { vector: vec(1), text: 'round trip', limit: 5, offset: 0 }))).toEqual([
      `POST /collections/${space}/points/query/batch`,
      `POST /collections/${space}/points`,
    ]);
  });

  it('lists spaces with one alias listing and their configs read concurrently', async () => {
    const spaces = Array.from({ length: 10 }, () => newSpace());
    for (const s of spaces) await store.ensureCollection(s, EMBEDDER);
    let inFlight = 0;
    let most = 0;
    const stop = fake.intercept(async (c) => {
      if (c.method !== 'GET' || !c.path.startsWith('/collections/')) return;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
    });
    const seen = await requests(async () => expect((await store.listCollections()).map((c) => c.name)).toEqual(expect.arrayContaining(spaces)));
    stop();
    expect(seen[0]).toBe('GET /aliases');
    expect(seen.filter((r) => r === 'GET /aliases' || r === 'GET /collections')).toEqual(['GET /aliases']);
    expect(most).toBeGreaterThan(1);
  });
});
