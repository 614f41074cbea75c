/**
 * Ports the core depends on. Adapters (stores/, embeddings/) implement them; the core never
 * imports an adapter.
 */
import type { FusionParams, RelevanceFloor } from './hybrid.js';
import type { Memory, MemoryFilter, MemoryVersion, Page } from './memory.js';

/** Identifies the vector space an embedder produces: vectors are only comparable within one. */
export interface EmbedderInfo {
  provider: string;
  model: string;
  dimension: number;
}

export type EmbedPurpose = 'document' | 'query';

export interface Embedder {
  readonly info: EmbedderInfo;
  /** Embeds texts in order; implementations batch, retry and time out on their own. */
  embed(texts: readonly string[], purpose: EmbedPurpose): Promise<Float32Array[]>;
  /**
   * Similarity below which a hit found only by meaning is not relevant, calibrated for this
   * model (see core/hybrid.ts RelevanceFloor). Absent: no floor, every nearest neighbour is a hit.
   */
  readonly minRelevantSimilarity?: number;
  /** Share (0–1) of the text's words the model knows as words; absent: taken as understood. */
  knownWordShare?(text: string): Promise<number>;
}

export interface CollectionInfo {
  name: string;
  embedder: EmbedderInfo;
  createdAt: string;
  /** Set while `reembed` is migrating the collection to another embedder. */
  pendingEmbedder?: EmbedderInfo;
}

/** A memory row as the store keeps it. */
export interface StoredMemory extends Memory {
  vector: Float32Array;
  /** Earlier versions written in the same write as the row (import): the record lands whole or not at all. */
  history?: readonly MemoryVersion[];
}

export interface StoreSearchQuery {
  /** Dense query vector; omitted for keyword-only search. */
  vector?: Float32Array;
  /** Keyword query; omitted or empty for vector-only search. */
  text?: string;
  filter?: MemoryFilter;
  /** Rank window: hits [offset, offset + limit) of the fused ranking. */
  limit: number;
  offset: number;
  /** Drops hits that are not relevant (see core/hybrid.ts); absent: every candidate is a hit. */
  floor?: RelevanceFloor;
  /** Overrides of the fusion parameters (the eval compares settings with them). */
  fusion?: Partial<FusionParams>;
}

export interface StoreSearchHit {
  memory: Memory;
  score: number;
  similarity?: number;
  matchedBy: Array<'dense' | 'keyword'>;
}

export interface StoreListQuery {
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  filter?: MemoryFilter;
}

/** An update applied atomically: the old state is appended to history in the same write. */
export interface StoreUpdate {
  memory: Memory;
  vector: Float32Array;
  previous: MemoryVersion;
}

/**
 * The vector store port. One collection per space; every call names the collection, and the
 * caller (MemoryService) has already checked the tenant may use it.
 */
export interface VectorStore {
  readonly kind: string;
  getCollection(name: string): Promise<CollectionInfo | null>;
  /** Creates the collection when absent; returns what is stored (which may differ from `embedder`). */
  ensureCollection(name: string, embedder: EmbedderInfo): Promise<CollectionInfo>;
  dropCollection(name: string): Promise<void>;
  listCollections(): Promise<CollectionInfo[]>;

  insert(collection: string, memory: StoredMemory): Promise<void>;
  /** Inserts a batch in one write (all or none): bulk import and benchmarks use it. */
  insertMany(collection: string, memories: readonly StoredMemory[]): Promise<void>;
  update(collection: string, change: StoreUpdate): Promise<void>;
  /**
   * Replaces a memory's source (scope, anchor status, provenance) without a new version: the
   * text and its history are unchanged. Applies only while the memory is at `version`; returns
   * false when it is missing or has moved on (the caller re-reads and decides).
   */
  setSource(collection: string, id: string, version: number, source: Memory['source']): Promise<boolean>;
  get(collection: string, id: string): Promise<Memory | null>;
  history(collection: string, id: string): Promise<MemoryVersion[]>;
  findByHash(collection: string, contentHash: string): Promise<Memory | null>;
  /** Hard delete of a memory and its history. Returns false when it did not exist. */
  delete(collection: string, id: string): Promise<boolean>;

  /** Most similar memories by cosine similarity (dense only), best first. */
  nearest(collection: string, vector: Float32Array, k: number): Promise<StoreSearchHit[]>;
  /** Hybrid search: dense kNN and keyword BM25 (OR semantics) fused by core/hybrid.ts. */
  search(collection: string, query: StoreSearchQuery): Promise<StoreSearchHit[]>;
  /** Newest first by updatedAt, then id. */
  list(collection: string, query: StoreListQuery): Promise<Page<Memory>>;
  count(collection: string): Promise<number>;

  /** Re-embedding support: switches the collection's embedder after all vectors are rewritten. */
  beginReembed(collection: string, target: EmbedderInfo): Promise<CollectionInfo>;
  /** Memories whose vector was not yet rewritten for the pending embedder, oldest first. */
  pendingReembed(collection: string, limit: number): Promise<Memory[]>;
  countPendingReembed(collection: string): Promise<number>;
  writeReembedded(collection: string, vectors: Array<{ id: string; vector: Float32Array }>): Promise<void>;
  finishReembed(collection: string): Promise<CollectionInfo>;

  /** Flushes durable state (checkpoint) and releases resources. */
  close(): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  newId(): string;
}
