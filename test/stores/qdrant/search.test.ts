/**
 * Hybrid search of the Qdrant store through the real client against the loopback fake
 * (test/fakes/qdrantServer.ts): the legs are fused here, deterministically, with the embedded
 * store's ranking, and every request is one the targeted Qdrant version accepts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QDRANT_PARTITIONS } from '../../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant } from '../../fakes/qdrantServer.js';
import { angled, EMBEDDER, memory, newSpace, vec } from '../contract.js';

for (const partition of QDRANT_PARTITIONS) {
  describe(`Qdrant hybrid search (partition: ${partition})`, () => {
    let fake: FakeQdrant;
    let store: QdrantStore;

    beforeAll(async () => {
      fake = await startFakeQdrant();
      store = await QdrantStore.open({ url: fake.url, partition });
    });
    afterEach(() => expect(fake.violations).toEqual([]));
    afterAll(() => fake.close());

    it('asks Qdrant for both legs in one batch and fuses them here, never with Qdrant-side RRF', async () => {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      const both = memory(space, 'Deploy the docker image to staging', { vector: angled(0) });
      const denseOnly = memory(space, 'Ship containers to the test environment', { vector: angled(0.05) });
      const keywordOnly = memory(space, 'docker compose needs the env file', { vector: angled(3) });
      await store.insertMany(space, [both, denseOnly, keywordOnly]);
      const from = fake.calls.length;
      const hits = await store.search(space, { vector: angled(0), text: 'docker staging', limit: 10, offset: 0, fusion: { method: 'rrf', recency: 0 } });
      const calls = fake.calls.slice(from);
      const batch = calls.find((c) => c.path.endsWith('/points/query/batch'))!;
      expect(batch.body.searches).toHaveLength(2);
      expect(JSON.stringify(calls.map((c) => c.body))).not.toMatch(/"prefetch"|"rrf"|"fusion"/);
      // Every leg and the page read are bounded.
      for (const s of batch.body.searches) expect(s.limit).toBeGreaterThan(0);
      expect(hits[0]!.memory.id).toBe(both.id);
      // The embedded store's RRF: ranks from 1, so the top hit of both legs scores 1/61 + 0.4/61.
      expect(hits[0]!.score).toBeCloseTo(1 / 61 + 0.4 / 61, 12);
      expect(hits[0]!.matchedBy).toEqual(['dense', 'keyword']);
      expect(hits.find((h) => h.memory.id === denseOnly.id)!.matchedBy).toEqual(['dense']);
      expect(hits.find((h) => h.memory.id === keywordOnly.id)!.matchedBy).toEqual(['dense', 'keyword']);
      const { vector: _vector, ...plain } = both;
      expect(hits[0]!.memory).toEqual(plain);
    });

    it('pages through tied scores without repeating or skipping a hit, 20 times over', async () => {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      // Every memory ties with every other in both legs: only the id can order them.
      const all = Array.from({ length: 24 }, () => memory(space, 'kafka paging note', { vector: vec(1, 1), updatedAt: '2024-05-01T00:00:00.000Z' }));
      await store.insertMany(space, all);
      const q = { vector: vec(1, 1), text: 'kafka', offset: 0 };
      // Without the recency prior equal scores go to the lower id, as in the embedded store.
      const plain = await store.search(space, { ...q, limit: 24, fusion: { recency: 0 } });
      expect(plain.map((h) => h.memory.id)).toEqual(all.map((m) => m.id).sort());
      const expected = (await store.search(space, { ...q, limit: 24 })).map((h) => h.memory.id);
      expect([...expected].sort()).toEqual(all.map((m) => m.id).sort());
      for (let run = 0; run < 20; run++) {
        const whole = (await store.search(space, { ...q, limit: 24 })).map((h) => h.memory.id);
        expect(whole).toEqual(expected);
        const pages: string[] = [];
        for (let offset = 0; offset < 24; offset += 5) pages.push(...(await store.search(space, { ...q, offset, limit: 5 })).map((h) => h.memory.id));
        expect(pages).toEqual(expected);
      }
    });

    it('scores a one-leg search like the embedded store and reports the leg', async () => {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      const a = memory(space, 'Vitest runs the unit tests', { vector: angled(0) });
      const b = memory(space, 'Playwright drives Chromium', { vector: angled(1.5) });
      await store.insertMany(space, [a, b]);
      const kw = await store.search(space, { text: 'tests', limit: 10, offset: 0, fusion: { method: 'rrf', recency: 0 } });
      expect(kw.map((h) => [h.memory.id, h.matchedBy, h.similarity])).toEqual([[a.id, ['keyword'], undefined]]);
      expect(kw[0]!.score).toBeCloseTo(0.4 / 61, 12);
      const dense = await store.search(space, { vector: angled(1.4), limit: 10, offset: 1, fusion: { recency: 0 } });
      expect(dense.map((h) => h.memory.id)).toEqual([a.id]);
      expect(dense[0]!.similarity).toBeCloseTo(Math.cos(1.4), 5);
      expect(dense[0]!.score).toBeCloseTo(Math.cos(1.4), 5); // method "score": the similarity itself
    });

    it('applies the relevance floor: a keyword hit covering too little of the query is dropped', async () => {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      const m = memory(space, 'redis cluster failover', { vector: angled(3) });
      await store.insert(space, m);
      const q = { text: 'redis postgres kafka mongodb cassandra elastic', limit: 5, offset: 0 };
      expect(await store.search(space, q)).toHaveLength(1);
      expect(await store.search(space, { ...q, floor: { minCoverage: 0.2 } })).toEqual([]);
      expect(await store.search(space, { ...q, text: 'redis failover', floor: { minCoverage: 0.2 } })).toHaveLength(1);
    });
  });
}
