/** Payload indexes on the loopback fake, which enforces strict mode as Qdrant Cloud does. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTITION_INDEXES } from '../../../src/stores/qdrant/partition.js';
import { PAYLOAD_INDEXES } from '../../../src/stores/qdrant/payload.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant } from '../../fakes/qdrantServer.js';
import { EMBEDDER, memory, newSpace } from '../contract.js';

const NEXT = { provider: 'test', model: 'next', dimension: 3 };

describe('Qdrant payload indexes', () => {
  let fake: FakeQdrant;
  beforeAll(async () => {
    fake = await startFakeQdrant();
  });
  afterAll(() => fake.close());

  it('index every filtered field, version included, requested together rather than one after another', async () => {
    const store = await QdrantStore.open({ url: fake.url });
    let inFlight = 0;
    let most = 0;
    const stop = fake.intercept(async (c) => {
      if (!c.path.endsWith('/index')) return;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
    });
    const space = newSpace();
    await store.ensureCollection(space, EMBEDDER);
    stop();
    const fields = [...fake.collection(space)!.indexes.keys()].sort();
    expect(fields).toEqual(PAYLOAD_INDEXES.map((i) => i.field).sort());
    expect(fields).toContain('version');
    expect(most).toBeGreaterThan(1); // the client caps connections per host; the requests went out together
  });

  it('adds the indexes an older collection lacks before a re-embed filters on version (strict mode)', async () => {
    const store = await QdrantStore.open({ url: fake.url });
    const space = newSpace();
    await store.ensureCollection(space, EMBEDDER);
    const m = memory(space, 'made by an older Kairos');
    await store.insert(space, m);
    fake.collection(space)!.indexes.delete('version'); // as created before `version` was indexed
    const later = await QdrantStore.open({ url: fake.url }); // a fresh process knows nothing yet
    await later.beginReembed(space, NEXT);
    expect(fake.collection(space)!.indexes.has('version')).toBe(true);
    await later.writeReembedded(space, [{ id: m.id, vector: new Float32Array([1, 0, 0]) }]);
    expect(await later.countPendingReembed(space)).toBe(0);
    expect(fake.calls.filter((c) => /Index required/.test(c.error ?? ''))).toEqual([]);
  });

  it('payload mode indexes the tenant and generation fields too, once per shared collection per process', async () => {
    const store = await QdrantStore.open({ url: fake.url, partition: 'payload' });
    await store.ensureCollection(newSpace(), EMBEDDER);
    const from = fake.calls.length;
    await store.ensureCollection(newSpace(), EMBEDDER);
    const shared = fake.collection(`kairos_shared_d${EMBEDDER.dimension}`)!;
    expect([...shared.indexes.keys()].sort()).toEqual([...PARTITION_INDEXES, ...PAYLOAD_INDEXES].map((i) => i.field).sort());
    expect(shared.indexes.get('space')).toEqual({ type: 'keyword', is_tenant: true });
    // A second space: its registry read and entry, nothing else.
    expect(fake.calls.slice(from).map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /collections/kairos_spaces/points',
      'PUT /collections/kairos_spaces/points',
      'POST /collections/kairos_spaces/points',
    ]);
    expect(fake.violations).toEqual([]);
  });
});
