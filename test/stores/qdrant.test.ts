import { it } from 'vitest';
import { QDRANT_PARTITIONS } from '../../src/stores/qdrant/partition.js';
import { QdrantStore } from '../../src/stores/qdrant/qdrantStore.js';
import { storeContract } from './contract.js';

const url = process.env.QDRANT_URL;

if (url) {
  // The same contract (isolation between spaces included) in both partition modes.
  for (const partition of QDRANT_PARTITIONS) {
    storeContract(`Qdrant (partition: ${partition})`, () =>
      QdrantStore.open({ url, partition, ...(process.env.QDRANT_API_KEY ? { apiKey: process.env.QDRANT_API_KEY } : {}) }),
    );
  }
} else {
  const message = 'Qdrant contract skipped in both partition modes (collection, payload): set QDRANT_URL to run it';
  console.warn(message);
  it.skip(message, () => undefined);
}
