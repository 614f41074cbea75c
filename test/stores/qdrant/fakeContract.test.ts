/**
 * The store contract (test/stores/contract.ts) through the real Qdrant client against the
 * loopback fake, in both partition modes. The fake models Qdrant's data only roughly; what this
 * run proves is the wire: every request the contract causes is one Qdrant 1.17 accepts (checked
 * against its openapi.json, and 1.19 for the payload layout) and names only indexed fields (strict mode). Behaviour on a real
 * server is the contract run with QDRANT_URL (test/stores/qdrant.test.ts).
 */
import { afterAll, expect } from 'vitest';
import { QDRANT_PARTITIONS } from '../../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { startFakeQdrant, type FakeQdrant } from '../../fakes/qdrantServer.js';
import { storeContract } from '../contract.js';
import { qdrantRemnants } from './remnants.js';

// The floor in both layouts, and 1.19 where the payload layout uses a newer feature (IDF corpus).
const RUNS = [
  ...QDRANT_PARTITIONS.map((partition) => ({ partition, version: '1.17.0' as const })),
  { partition: 'payload' as const, version: '1.19.0' as const },
];

for (const { partition, version } of RUNS) {
  const fakes: FakeQdrant[] = [];
  const current = (): string => fakes[fakes.length - 1]!.url;
  storeContract(
    `Qdrant ${version} fake (partition: ${partition})`,
    async () => {
      const fake = await startFakeQdrant({ version });
      fakes.push(fake);
      return QdrantStore.open({ url: fake.url, partition });
    },
    {
      openAnother: () => QdrantStore.open({ url: current(), partition }),
      remnants: (space) => qdrantRemnants(current())(space),
    },
  );
  afterAll(async () => {
    for (const fake of fakes) {
      expect(fake.violations).toEqual([]);
      // Strict mode answers 400 to a filter on an unindexed field; no request may have met one.
      expect(fake.calls.filter((c) => /Index required|range index/.test(c.error ?? '')).map((c) => c.error)).toEqual([]);
      // No unbounded read: every search and scroll names its limit.
      const reads = fake.calls.filter((c) => /\/points\/(query|scroll)/.test(c.path)).flatMap((c) => (c.path.endsWith('/batch') ? c.body.searches : [c.body]));
      expect(reads.length).toBeGreaterThan(50);
      expect(reads.filter((q: { limit?: number }) => !(Number.isInteger(q.limit) && q.limit! > 0 && q.limit! <= 10_000))).toEqual([]);
      await fake.close();
    }
  });
}
