/**
 * Opens the configured VectorStore: the embedded PGlite store (default) in a data dir, or
 * Qdrant at a URL for deployments at scale.
 */
import type { VectorStore } from '../core/ports.js';
import { EmbeddedStore } from './embedded/embeddedStore.js';
import type { QdrantPartition } from './qdrant/partition.js';
import { QdrantStore } from './qdrant/qdrantStore.js';

export type StoreConfig = { kind: 'embedded'; dataDir: string } | { kind: 'qdrant'; url: string; apiKey?: string; partition?: QdrantPartition };

/**
 * Opens the store. Embedded takes the data dir's process lock (a second open fails with
 * `data_dir_locked`); Qdrant checks that the server answers.
 */
export async function openStore(config: StoreConfig): Promise<VectorStore> {
  switch (config.kind) {
    case 'embedded':
      return EmbeddedStore.open({ dataDir: config.dataDir });
    case 'qdrant':
      return QdrantStore.open({ url: config.url, ...(config.apiKey ? { apiKey: config.apiKey } : {}), ...(config.partition ? { partition: config.partition } : {}) });
  }
}

export { EmbeddedStore, type EmbeddedStoreOptions } from './embedded/embeddedStore.js';
export { QdrantStore, type QdrantStoreOptions } from './qdrant/qdrantStore.js';
