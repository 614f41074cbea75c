/**
 * Concurrent writes from two store instances (two `kairos serve` processes) on the loopback
 * Qdrant fake: conditional updates, insert-only inserts and majority reads before a write.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KairosError } from '../../../src/core/errors.js';
import type { Memory, MemoryVersion } from '../../../src/core/memory.js';
import type { StoredMemory } from '../../../src/core/ports.js';
import { QDRANT_PARTITIONS } from '../../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant, type RecordedCall } from '../../fakes/qdrantServer.js';
import { EMBEDDER, memory, newSpace, vec } from '../contract.js';

const plain = ({ vector: _v, ...m }: StoredMemory): Memory => m;
const isConditional = (c: RecordedCall): boolean => c.method === 'PUT' && c.path.endsWith('/points') && c.body?.update_mode === 'update_only';

function change(base: Memory, text: string, at: string): { memory: Memory; vector: Float32Array; previous: MemoryVersion } {
  return {
    memory: { ...base, text, contentHash: `hash-${text}`, version: base.version + 1, updatedAt: at },
    vector: vec(0, 1),
    previous: { version: base.version, text: base.text, tags: base.tags, source: base.source, replacedAt: at, reason: 'update' },
  };
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof KairosError ? e.code : String(e)),
  );
}

for (const partition of QDRANT_PARTITIONS) {
  describe(`Qdrant concurrent writes (partition: ${partition})`, () => {
    let fake: FakeQdrant;
    let one: QdrantStore;
    let two: QdrantStore;

    beforeAll(async () => {
      fake = await startFakeQdrant();
      one = await QdrantStore.open({ url: fake.url, partition });
      two = await QdrantStore.open({ url: fake.url, partition });
    });
    afterEach(() => expect(fake.violations).toEqual([]));
    afterAll(() => fake.close());

    it('two instances updating one memory at once keep both versions: the later one gets a 409 and succeeds on a fresh read', async () => {
      const space = newSpace();
      await one.ensureCollection(space, EMBEDDER);
      const m = memory(space, 'the queue is rabbitmq');
      await one.insert(space, m);
      const first = change(plain(m), 'the queue is kafka', '2024-06-01T00:00:00.000Z');
      const second = change(plain(m), 'the queue is sqs', '2024-06-01T00:00:01.000Z');
      // `one` has read the memory and is about to write when `two` updates it.
      const stop = fake.intercept(async (c) => {
        if (!isConditional(c)) return;
        stop();
        await two.update(space, second);
      });
      expect(await code(one.update(space, first))).toBe('conflict');
      expect((await one.get(space, m.id))?.text).toBe('the queue is sqs');
      // The caller reads again and applies its change on top: nothing is lost.
      const fresh = (await one.get(space, m.id))!;
      await one.update(space, change(fresh, 'the queue is kafka', '2024-06-01T00:00:02.000Z'));
      expect((await one.history(space, m.id)).map((h) => [h.version, h.text])).toEqual([
        [1, 'the queue is rabbitmq'],
        [2, 'the queue is sqs'],
      ]);
      expect(await one.get(space, m.id)).toMatchObject({ version: 3, text: 'the queue is kafka' });
    });

    it('retries by itself when another writer rewrote the same state meanwhile (an import replaying history)', async () => {
      const space = newSpace();
      await one.ensureCollection(space, EMBEDDER);
      const m = memory(space, 'imported with history', { version: 3 });
      await one.insert(space, m);
      const h = (v: number): MemoryVersion => ({ version: v, text: `v${v}`, tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' });
      let interfered = false;
      const stop = fake.intercept(async (c) => {
        if (!isConditional(c) || interfered) return;
        interfered = true;
        stop();
        await two.update(space, { memory: plain(m), vector: vec(1), previous: h(1) });
      });
      await one.update(space, { memory: plain(m), vector: vec(1), previous: h(2) });
      expect((await one.history(space, m.id)).map((x) => x.version)).toEqual([1, 2]);
    });

    it('an update never recreates a memory deleted meanwhile', async () => {
      const space = newSpace();
      await one.ensureCollection(space, EMBEDDER);
      const m = memory(space, 'deleted while updated');
      await one.insert(space, m);
      const stop = fake.intercept(async (c) => {
        if (!isConditional(c)) return;
        stop();
        await two.delete(space, m.id);
      });
      expect(await code(one.update(space, change(plain(m), 'too late', '2024-06-02T00:00:00.000Z')))).toBe('not_found');
      expect(await one.get(space, m.id)).toBeNull();
      expect(await one.count(space)).toBe(0);
    });

    it('two inserts of one id at once: the first write stays and the other gets a 409', async () => {
      const space = newSpace();
      await one.ensureCollection(space, EMBEDDER);
      const mine = memory(space, 'mine');
      const theirs = { ...memory(space, 'theirs'), id: mine.id };
      const stop = fake.intercept(async (c) => {
        if (!(c.method === 'PUT' && c.body?.update_mode === 'insert_only')) return;
        stop();
        await two.insert(space, theirs); // passed its check after ours did, and writes first
      });
      expect(await code(one.insert(space, mine))).toBe('conflict');
      expect((await one.get(space, mine.id))?.text).toBe('theirs');
    });

    it('sends the conditions on the wire: insert_only, update_only with a write-id filter, strong ordering, majority reads', async () => {
      const space = newSpace();
      await one.ensureCollection(space, EMBEDDER);
      const m = memory(space, 'wire shapes');
      const from = fake.calls.length;
      await one.insert(space, m);
      await one.update(space, change(plain(m), 'wire shapes 2', '2024-06-03T00:00:00.000Z'));
      await one.delete(space, m.id);
      const calls = fake.calls.slice(from);
      const upserts = calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/points'));
      expect(upserts.map((c) => [c.body.update_mode, c.query.get('ordering'), c.query.get('wait')])).toEqual([
        ['insert_only', 'strong', 'true'],
        ['update_only', 'strong', 'true'],
      ]);
      expect(JSON.stringify(upserts[1]!.body.update_filter)).toContain('"key":"write_id"');
      const reads = calls.filter((c) => c.method === 'POST' && c.path.endsWith('/points'));
      expect(reads.length).toBeGreaterThanOrEqual(5);
      expect(reads.every((c) => c.query.get('consistency') === 'majority')).toBe(true);
    });
  });
}
