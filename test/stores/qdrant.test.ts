import { it } from 'vitest';
import { QDRANT_PARTITIONS } from '../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../src/stores/qdrant/qdrantStore.js';
import { storeContract } from './contract.js';
import { qdrantRemnants } from './qdrant/remnants.js';

const url = process.env.QDRANT_URL;

if (url) {
  // The same contract (isolation between spaces included) in both partition modes.
  const apiKey = process.env.QDRANT_API_KEY;
  for (const partition of QDRANT_PARTITIONS) {
    const open = (): Promise<QdrantStore> => QdrantStore.open({ url, partition, ...(apiKey ? { apiKey } : {}) });
    // A second instance stands for a second `kairos serve` process on the same Qdrant.
    storeContract(`Qdrant (partition: ${partition})`, open, { openAnother: open, remnants: qdrantRemnants(url, apiKey) });
  }
} else {
  const message = 'Qdrant contract skipped in both partition modes (collection, payload): set QDRANT_URL to run it';
  console.warn(message);
  it.skip(message, () => undefined);
}
