/**
 * Small in-memory implementations of the core's own ports (VectorStore, Embedder, Clock,
 * IdGenerator), for unit tests of MemoryService. They keep the ports' contracts (the store
 * contract suite, test/stores/contract.ts, holds the real stores to them) and record what was
 * asked of them, so a test can tell what the service did and did not do.
 */
import { KairosError } from '../../src/core/errors.js';
import type { Memory, MemoryFilter, MemoryVersion, Page } from '../../src/core/memory.js';
import type {
  Clock,
  CollectionInfo,
  Embedder,
  EmbedderInfo,
  EmbedPurpose,
  IdGenerator,
  StoredMemory,
  StoreListQuery,
  StoreSearchHit,
  StoreSearchQuery,
  StoreUpdate,
  VectorStore,
} from '../../src/core/ports.js';

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** A clock that stands still until told to move. */
export class FakeClock implements Clock {
  constructor(private ms = Date.parse('2026-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Ids m1, m2, …: predictable, so tests can name them. */
export class SequentialIds implements IdGenerator {
  private n = 0;
  newId(): string {
    return `m${++this.n}`;
  }
}

/**
 * Bag-of-words vectors (each word hashed into one of `dimension` slots), so texts sharing words
 * are close; `vectors` pins the vector of a given text when a test needs an exact similarity.
 */
export class FakeEmbedder implements Embedder {
  readonly info: EmbedderInfo;
  readonly vectors = new Map<string, number[]>();
  readonly calls: Array<{ texts: string[]; purpose: EmbedPurpose }> = [];
  minRelevantSimilarity?: number;
  knownWordShare?: (text: string) => Promise<number>;

  constructor(info: Partial<EmbedderInfo> = {}) {
    this.info = { provider: 'fake', model: 'bag-of-words', dimension: 16, ...info };
  }

  async embed(texts: readonly string[], purpose: EmbedPurpose): Promise<Float32Array[]> {
    this.calls.push({ texts: [...texts], purpose });
    return texts.map((t) => {
      const pinned = this.vectors.get(t);
      if (pinned) return Float32Array.from(pinned);
      const v = new Float32Array(this.info.dimension).fill(0.001);
      for (const w of t.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let h = 0;
        for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
        v[h % this.info.dimension]! += 1;
      }
      return v;
    });
  }
}

interface Row {
  memory: Memory;
  vector: Float32Array;
  history: MemoryVersion[];
  /** Rewritten for the collection's pending embedder. */
  reembedded: boolean;
}

interface Collection {
  info: CollectionInfo;
  rows: Map<string, Row>;
}

function matches(m: Memory, f: MemoryFilter | undefined): boolean {
  if (!f) return true;
  if (f.tags?.length && !f.tags.every((t) => m.tags.includes(t))) return false;
  if (f.sourceKinds?.length && !f.sourceKinds.includes(m.source.kind)) return false;
  if (f.since && m.updatedAt < f.since) return false;
  if (f.until && m.updatedAt > f.until) return false;
  if (f.repo && m.source.scope?.repo !== f.repo && m.source.anchor?.repo !== f.repo) return false;
  if (f.path && m.source.anchor?.path !== f.path && !(m.source.scope?.paths ?? []).includes(f.path)) return false;
  return true;
}

const clone = <T>(v: T): T => structuredClone(v);

/** The VectorStore port in a Map: enough of its contract for the service's logic, none of its SQL. */
export class InMemoryStore implements VectorStore {
  readonly kind = 'memory';
  private readonly collections = new Map<string, Collection>();
  /** Every call by method name, in order (arguments omitted): what the service asked for. */
  readonly calls: string[] = [];
  /** The queries `search` received. */
  readonly searches: Array<{ collection: string; query: StoreSearchQuery }> = [];
  /** When set, insertMany refuses a batch holding a row with this text (and that row alone). */
  refuseText?: string;
  /** When set, insertMany fails as an unreachable store does. */
  down = false;
  /** setSource answers false (a concurrent write moved the memory on) this many times. */
  setSourceConflicts = 0;

  private col(name: string): Collection {
    const c = this.collections.get(name);
    if (!c) throw new KairosError('not_found', `No collection ${name}.`);
    return c;
  }

  private row(name: string, id: string): Row | undefined {
    return this.collections.get(name)?.rows.get(id);
  }

  async getCollection(name: string): Promise<CollectionInfo | null> {
    this.calls.push('getCollection');
    const c = this.collections.get(name);
    return c ? clone(c.info) : null;
  }

  async ensureCollection(name: string, embedder: EmbedderInfo): Promise<CollectionInfo> {
    this.calls.push('ensureCollection');
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = { info: { name, embedder: clone(embedder), createdAt: new Date(0).toISOString() }, rows: new Map() }));
    return clone(c.info);
  }

  async dropCollection(name: string): Promise<void> {
    this.calls.push('dropCollection');
    this.collections.delete(name);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return [...this.collections.values()].map((c) => clone(c.info));
  }

  async insert(collection: string, memory: StoredMemory): Promise<void> {
    this.calls.push('insert');
    await this.put(collection, memory);
  }

  private async put(collection: string, m: StoredMemory): Promise<void> {
    const { vector, history, ...memory } = m;
    const c = this.col(collection);
    if (c.rows.has(memory.id)) throw new KairosError('conflict', `Memory ${memory.id} exists.`);
    c.rows.set(memory.id, { memory: clone(memory), vector, history: clone([...(history ?? [])]), reembedded: false });
  }

  async insertMany(collection: string, memories: readonly StoredMemory[]): Promise<void> {
    this.calls.push('insertMany');
    if (this.down) throw new Error('connection refused');
    if (memories.some((m) => m.text === this.refuseText)) throw new KairosError('invalid_input', 'The store refused this record.');
    for (const m of memories) await this.put(collection, m);
  }

  async update(collection: string, change: StoreUpdate): Promise<void> {
    this.calls.push('update');
    const r = this.row(collection, change.memory.id);
    if (!r) throw new KairosError('not_found', 'gone');
    r.history.push(clone(change.previous));
    r.memory = clone(change.memory);
    r.vector = change.vector;
  }

  async setSource(collection: string, id: string, version: number, source: Memory['source']): Promise<boolean> {
    this.calls.push('setSource');
    const r = this.row(collection, id);
    if (!r || r.memory.version !== version) return false;
    if (this.setSourceConflicts > 0) {
      this.setSourceConflicts--;
      return false;
    }
    r.memory = { ...r.memory, source: clone(source) };
    return true;
  }

  async get(collection: string, id: string): Promise<Memory | null> {
    this.calls.push('get');
    const r = this.row(collection, id);
    return r ? clone(r.memory) : null;
  }

  async history(collection: string, id: string): Promise<MemoryVersion[]> {
    return clone(this.row(collection, id)?.history ?? []).sort((a, b) => b.version - a.version);
  }

  async findByHash(collection: string, contentHash: string): Promise<Memory | null> {
    this.calls.push('findByHash');
    for (const r of this.collections.get(collection)?.rows.values() ?? []) if (r.memory.contentHash === contentHash) return clone(r.memory);
    return null;
  }

  async delete(collection: string, id: string): Promise<boolean> {
    this.calls.push('delete');
    return this.collections.get(collection)?.rows.delete(id) ?? false;
  }

  async nearest(collection: string, vector: Float32Array, k: number): Promise<StoreSearchHit[]> {
    return [...(this.collections.get(collection)?.rows.values() ?? [])]
      .map((r) => ({ memory: clone(r.memory), similarity: cosine(vector, r.vector) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k)
      .map((h) => ({ ...h, score: h.similarity, matchedBy: ['dense'] }));
  }

  /** Dense similarity plus a word-overlap share; the floor drops dense-only hits under minSimilarity. */
  async search(collection: string, query: StoreSearchQuery): Promise<StoreSearchHit[]> {
    this.searches.push({ collection, query });
    const words = new Set((query.text ?? '').toLowerCase().match(/[a-z0-9]+/g) ?? []);
    const hits: StoreSearchHit[] = [];
    for (const r of this.collections.get(collection)?.rows.values() ?? []) {
      if (!matches(r.memory, query.filter)) continue;
      const similarity = query.vector ? cosine(query.vector, r.vector) : 0;
      const own = new Set(r.memory.text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
      const coverage = words.size ? [...words].filter((w) => own.has(w)).length / words.size : 0;
      const keyword = coverage > 0 && coverage >= (query.floor?.minCoverage ?? 0);
      const dense = query.floor?.minSimilarity === undefined || similarity >= query.floor.minSimilarity;
      if (!keyword && (!dense || query.floor?.queryUnderstood === false)) continue;
      hits.push({ memory: clone(r.memory), score: similarity + coverage, similarity, matchedBy: keyword ? ['dense', 'keyword'] : ['dense'] });
    }
    return hits.sort((a, b) => b.score - a.score).slice(query.offset, query.offset + query.limit);
  }

  async list(collection: string, query: StoreListQuery): Promise<Page<Memory>> {
    const all = [...(this.collections.get(collection)?.rows.values() ?? [])]
      .map((r) => r.memory)
      .filter((m) => matches(m, query.filter))
      .sort((a, b) => (a.updatedAt === b.updatedAt ? b.id.localeCompare(a.id) : b.updatedAt.localeCompare(a.updatedAt)));
    const start = query.cursor ? Number(query.cursor) : 0;
    const items = all.slice(start, start + query.limit).map(clone);
    return start + query.limit < all.length ? { items, nextCursor: String(start + query.limit) } : { items };
  }

  async count(collection: string): Promise<number> {
    return this.collections.get(collection)?.rows.size ?? 0;
  }

  async beginReembed(collection: string, target: EmbedderInfo): Promise<CollectionInfo> {
    const c = this.col(collection);
    if (!c.info.pendingEmbedder) for (const r of c.rows.values()) r.reembedded = false;
    c.info.pendingEmbedder = clone(target);
    return clone(c.info);
  }

  async pendingReembed(collection: string, limit: number): Promise<Memory[]> {
    return [...this.col(collection).rows.values()]
      .filter((r) => !r.reembedded)
      .slice(0, limit)
      .map((r) => clone(r.memory));
  }

  async countPendingReembed(collection: string): Promise<number> {
    return [...this.col(collection).rows.values()].filter((r) => !r.reembedded).length;
  }

  async writeReembedded(collection: string, vectors: Array<{ id: string; vector: Float32Array }>): Promise<void> {
    for (const { id, vector } of vectors) {
      const r = this.row(collection, id)!;
      r.vector = vector;
      r.reembedded = true;
    }
  }

  async finishReembed(collection: string): Promise<CollectionInfo> {
    const c = this.col(collection);
    if (c.info.pendingEmbedder) c.info.embedder = c.info.pendingEmbedder;
    delete c.info.pendingEmbedder;
    return clone(c.info);
  }

  /** A row's stored vector (tests compare it with what the embedder gave). */
  vectorOf(collection: string, id: string): Float32Array | undefined {
    return this.row(collection, id)?.vector;
  }

  async close(): Promise<void> {
    this.collections.clear();
  }
}
