/**
 * Keyword statistics per space in payload-partition mode (Qdrant 1.19 `params.idf.corpus`),
 * on the loopback fake, which computes IDF over the corpus the request names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant } from '../../fakes/qdrantServer.js';
import { angled, EMBEDDER, memory, newSpace } from '../contract.js';

async function keywordScores(store: QdrantStore, space: string): Promise<Array<[string, number]>> {
  const hits = await store.search(space, { text: 'webpack bundler config', limit: 10, offset: 0, fusion: { recency: 0 } });
  return hits.map((h) => [h.memory.text, h.score]);
}

describe('per-space keyword IDF in payload mode', () => {
  let fake: FakeQdrant | undefined;
  afterEach(async () => {
    expect(fake?.violations).toEqual([]);
    await fake?.close();
  });

  /** Ranks space A, floods space B with one of the query's words, ranks A again. */
  async function skew(version: string): Promise<{ before: Array<[string, number]>; after: Array<[string, number]>; store: QdrantStore }> {
    fake = await startFakeQdrant({ version });
    const store = await QdrantStore.open({ url: fake.url, partition: 'payload' });
    const a = newSpace();
    const b = newSpace();
    await store.ensureCollection(a, EMBEDDER);
    await store.ensureCollection(b, EMBEDDER);
    await store.insertMany(a, [
      memory(a, 'webpack config lives in tools', { vector: angled(0) }),
      memory(a, 'the bundler is esbuild not webpack', { vector: angled(1) }),
      memory(a, 'bundler flags for production builds', { vector: angled(2) }),
    ]);
    const before = await keywordScores(store, a);
    await store.insertMany(
      b,
      Array.from({ length: 40 }, (_, i) => memory(b, `webpack note ${i}`, { vector: angled(i / 10) })),
    );
    return { before, after: await keywordScores(store, a), store };
  }

  it('on Qdrant 1.19 a space ranks and scores the same however other spaces skew the term statistics', async () => {
    const { before, after, store } = await skew('1.19.0');
    expect(store.spaceLocalKeywordStats).toBe(true);
    expect(before).toHaveLength(3);
    expect(after).toEqual(before);
    const legs = fake!.calls.filter((c) => c.path.endsWith('/query/batch')).flatMap((c) => c.body.searches);
    const keywordLegs = legs.filter((s: { using: string }) => s.using === 'keywords');
    expect(keywordLegs.length).toBeGreaterThan(0);
    for (const s of keywordLegs) expect(JSON.stringify(s.params.idf.corpus)).toContain('"key":"space"');
  });

  it('on Qdrant 1.17 it cannot: IDF is collection-wide, and the store says so', async () => {
    const { before, after, store } = await skew('1.17.0');
    expect(store.spaceLocalKeywordStats).toBe(false);
    expect(after.map(([t]) => t)).toHaveLength(3);
    expect(after).not.toEqual(before); // the documented limitation, measured
    const legs = fake!.calls.filter((c) => c.path.endsWith('/query/batch')).flatMap((c) => c.body.searches);
    expect(legs.every((s: { params?: unknown }) => s.params === undefined)).toBe(true);
  });

  it('sends no corpus in one collection per space, where IDF is the space’s own', async () => {
    fake = await startFakeQdrant({ version: '1.19.0' });
    const store = await QdrantStore.open({ url: fake.url });
    expect(store.spaceLocalKeywordStats).toBe(true);
    const a = newSpace();
    await store.ensureCollection(a, EMBEDDER);
    await store.insert(a, memory(a, 'webpack config', { vector: angled(0) }));
    expect(await keywordScores(store, a)).toHaveLength(1);
    const legs = fake.calls.filter((c) => c.path.endsWith('/query/batch')).flatMap((c) => c.body.searches);
    expect(legs.every((s: { params?: unknown }) => s.params === undefined)).toBe(true);
  });
});
