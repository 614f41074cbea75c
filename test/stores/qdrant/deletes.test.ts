/**
 * Deletes on the loopback Qdrant fake: failures surface, a memory deleted while its space is
 * re-embedded stays deleted, and dropping a space leaves nothing of it behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KairosError } from '../../../src/core/errors.js';
import { QDRANT_PARTITIONS } from '../../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant, type RecordedCall } from '../../fakes/qdrantServer.js';
import { EMBEDDER, memory, newSpace } from '../contract.js';

const NEXT = { provider: 'test', model: 'next', dimension: 3 };
const v3 = (): Float32Array => new Float32Array([1, 0, 0]);

/** True for the upsert that copies re-embedded (3-d) vectors into the next generation. */
const isCopy = (c: RecordedCall): boolean => c.method === 'PUT' && c.path.endsWith('/points') && c.body?.points?.[0]?.vector?.dense?.length === 3;

for (const partition of QDRANT_PARTITIONS) {
  describe(`Qdrant deletes (partition: ${partition})`, () => {
    let fake: FakeQdrant;
    let store: QdrantStore;
    let other: QdrantStore; // a second `kairos serve` on the same Qdrant

    beforeAll(async () => {
      fake = await startFakeQdrant();
      store = await QdrantStore.open({ url: fake.url, partition });
      other = await QdrantStore.open({ url: fake.url, partition });
    });
    afterEach(() => expect(fake.violations).toEqual([]));
    afterAll(() => fake.close());

    /** A new space holding one memory, re-embedding, with the memory's copy already written. */
    async function copied(text: string): Promise<{ space: string; m: ReturnType<typeof memory> }> {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      const m = memory(space, text);
      await store.insert(space, m);
      await store.beginReembed(space, NEXT);
      await store.writeReembedded(space, [{ id: m.id, vector: v3() }]);
      return { space, m };
    }

    /** Every point of the space anywhere in the fake, by memory id. */
    function pointsOf(space: string): string[] {
      return [...fake.collections.values()].flatMap((c) =>
        [...c.points.values()].filter((p) => (partition === 'payload' ? p.payload.space === space : c.name.startsWith(space))).map((p) => String(p.payload.id)),
      );
    }

    it('reports a failed delete of the re-embed copy instead of swallowing it', async () => {
      const { space, m } = await copied('copied then deleted');
      let deletes = 0;
      const stop = fake.intercept((c) =>
        c.path.endsWith('/points/delete') && ++deletes === 1 ? { status: 500, error: 'Service internal error: disk full' } : undefined,
      );
      const err = await store.delete(space, m.id).catch((e: unknown) => e);
      stop();
      expect(err).toBeInstanceOf(KairosError);
      expect((err as KairosError).message).toMatch(/could not delete a memory .*HTTP 500/);
      // The copy goes first, so the memory is still there and a retry finishes the erasure.
      expect(await store.get(space, m.id)).not.toBeNull();
      expect(await store.delete(space, m.id)).toBe(true);
      expect(pointsOf(space)).toEqual([]);
      await store.finishReembed(space);
      expect(await store.get(space, m.id)).toBeNull();
    });

    it('keeps a memory deleted while its copy is being written deleted after the re-embed finishes', async () => {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      const gone = memory(space, 'deleted mid re-embed');
      const kept = memory(space, 'kept through the re-embed');
      await store.insertMany(space, [gone, kept]);
      await store.beginReembed(space, NEXT);
      const stop = fake.intercept(async (c) => {
        if (!isCopy(c)) return;
        stop();
        expect(await other.delete(space, gone.id)).toBe(true); // lands after the copy was read
      });
      await store.writeReembedded(
        space,
        [gone, kept].map((m) => ({ id: m.id, vector: v3() })),
      );
      const done = await store.finishReembed(space);
      expect(done.embedder).toEqual(NEXT);
      expect(await store.get(space, gone.id)).toBeNull();
      expect(await store.count(space)).toBe(1);
      expect(pointsOf(space)).toEqual([kept.id]);
    });

    it('clears the copy when the re-embed begins after the delete read the space', async () => {
      const space = newSpace();
      await store.ensureCollection(space, EMBEDDER);
      const m = memory(space, 'deleted as the re-embed starts');
      await store.insert(space, m);
      const stop = fake.intercept(async (c) => {
        if (!c.path.endsWith('/points/delete')) return;
        stop();
        // Between the delete's read of the space and its first delete: the re-embed copies it.
        await other.beginReembed(space, NEXT);
        await other.writeReembedded(space, [{ id: m.id, vector: v3() }]);
      });
      expect(await store.delete(space, m.id)).toBe(true);
      await other.finishReembed(space);
      expect(await store.get(space, m.id)).toBeNull();
      expect(pointsOf(space)).toEqual([]);
    });

    it('reports a failed deletion of the old generation, and finishing again completes it', async () => {
      const { space, m } = await copied('old generation');
      const stop = fake.intercept((c) =>
        (partition === 'payload' ? c.path.endsWith('/points/delete') : c.method === 'DELETE') ? { status: 503, error: 'Service unavailable' } : undefined,
      );
      await expect(store.finishReembed(space)).rejects.toThrow(/replaced vectors of space .*finish the re-embed again/);
      stop();
      expect(pointsOf(space)).toHaveLength(2);
      expect((await store.finishReembed(space)).embedder).toEqual(NEXT);
      expect(pointsOf(space)).toEqual([m.id]);
    });

    it('drops a space mid re-embed leaving no point, alias or generation collection of it', async () => {
      const { space } = await copied('to be erased');
      await store.dropCollection(space);
      expect(pointsOf(space)).toEqual([]);
      expect([...fake.aliases.keys(), ...fake.collections.keys()].filter((n) => n.startsWith(space))).toEqual([]);
      expect(await store.getCollection(space)).toBeNull();
    });
  });
}
