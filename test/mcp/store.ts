/** The store the MCP tests run on: the real embedded (PGlite + pgvector) store in a temp dir. */
import type { VectorStore } from '../../src/core/ports.js';
import { EmbeddedStore } from '../../src/stores/embedded/embeddedStore.js';

export function openTestStore(dataDir: string): Promise<VectorStore> {
  return EmbeddedStore.open({ dataDir });
}
