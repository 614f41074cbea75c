/**
 * Opens the configured VectorStore: the embedded PGlite store (default) in a data dir, or
 * Qdrant at a URL for deployments at scale.
 */
import type { VectorStore } from '../core/ports.js';
import type { QdrantPartition } from './qdrant/partition.js';

export type StoreConfig = { kind: 'embedded'; dataDir: string } | { kind: 'qdrant'; url: string; apiKey?: string; partition?: QdrantPartition };

/**
 * Opens the store. Embedded takes the data dir's process lock (a second open fails with
 * `data_dir_locked`); Qdrant checks that the server answers. Each kind's module (PGlite, the
 * Qdrant client) loads only when that kind is opened.
 */
export async function openStore(config: StoreConfig): Promise<VectorStore> {
  switch (config.kind) {
    case 'embedded': {
      const { EmbeddedStore } = await import('./embedded/embeddedStore.js');
      return EmbeddedStore.open({ dataDir: config.dataDir });
    }
    case 'qdrant': {
      const { QdrantStore } = await import('./qdrant/qdrantStore.js');
      return QdrantStore.open({
        url: config.url,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(config.partition ? { partition: config.partition } : {}),
      });
    }
  }
}
