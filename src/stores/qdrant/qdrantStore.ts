/**
 * VectorStore on Qdrant for deployments at scale. One collection per space, addressed through
 * an alias named after the space that points at a physical collection `<space>__g<generation>`;
 * re-embedding fills generation + 1 and swaps the alias atomically when done.
 *
 * Points carry a named dense vector ("dense", cosine) and a sparse keyword vector ("keywords",
 * IDF applied by Qdrant); hybrid search runs both as prefetches fused by RRF (k = 60).
 *
 * With `partition: 'payload'` the same operations run on shared collections, confined to the
 * space by a tenant-indexed payload filter, and generations are payload values (partition.ts).
 */
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { RRF_K } from '../../core/fusion.js';
import { InvalidInputError, KairosError, NotFoundError } from '../../core/errors.js';
import { isSpaceName, type Memory, type MemoryVersion, type Page } from '../../core/memory.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import type {
  CollectionInfo,
  EmbedderInfo,
  StoredMemory,
  StoreListQuery,
  StoreSearchHit,
  StoreSearchQuery,
  StoreUpdate,
  VectorStore,
} from '../../core/ports.js';
import { pointId } from './ids.js';
import {
  isSharedCollection,
  PARTITION_INDEXES,
  partitionedPointId,
  partitionPayload,
  REGISTRY_COLLECTION,
  REGISTRY_VECTOR,
  registryPointId,
  scopeConditions,
  scopedFilter,
  sharedCollectionName,
  spaceConditions,
  type QdrantPartition,
} from './partition.js';
import {
  filterConditions,
  MEMORY_PAYLOAD,
  metadataToInfo,
  METADATA_KEY,
  PAYLOAD_INDEXES,
  readMetadata,
  toFilter,
  toMemory,
  toMillis,
  toPayload,
  type KairosMetadata,
  type MemoryPayload,
} from './payload.js';
import { documentSparse, querySparse } from './sparse.js';

export interface QdrantStoreOptions {
  /** e.g. http://localhost:6333 */
  url: string;
  apiKey?: string;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /**
   * `collection` (default): one collection per space. `payload`: spaces share one collection per
   * dimension, partitioned by an `is_tenant` payload field (see partition.ts).
   */
  partition?: QdrantPartition;
}

/** Where one generation of a space lives: its collection, the filter confining it, its point ids. */
interface Placement {
  collection: string;
  scope: Schemas['Condition'][];
  /** The point id of a memory id here. */
  id(memoryId: string): string;
  /** Payload fields every point written here carries. */
  extra: Record<string, unknown>;
}

const DENSE = 'dense';
const KEYWORDS = 'keywords';
/** Smallest candidate window per search leg; a larger page (offset + limit) widens it. */
const MIN_WINDOW = 50;
const SCROLL_PAGE = 256;

type Point = { id: string | number; payload?: Record<string, unknown> | null; score?: number };

function checkCollectionName(name: string): void {
  if (typeof name !== 'string' || !isSpaceName(name)) {
    throw new InvalidInputError(`"${String(name).slice(0, 80)}" is not a valid space name (kairos_user_<id> or kairos_org_<id>).`);
  }
}

function physicalName(space: string, generation: number): string {
  return `${space}__g${generation}`;
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

function detailOf(e: unknown): string {
  const data = (e as { data?: { status?: { error?: unknown } } })?.data;
  return typeof data?.status?.error === 'string' ? data.status.error : '';
}

/** Maps client failures to KairosErrors; a wrong vector size is the caller's error. */
function qdrantError(e: unknown, action: string): KairosError {
  if (e instanceof KairosError) return e;
  const status = statusOf(e);
  if (status === 400 && /dimension/i.test(detailOf(e))) {
    return new InvalidInputError('The vector does not have the dimension this space stores.');
  }
  const why = status ? `Qdrant answered HTTP ${status}` : 'Qdrant could not be reached';
  return new KairosError('internal', `The Qdrant store could not ${action} (${why}). Check that Qdrant is running and QDRANT_URL is right.`, {
    cause: e,
    ...(status ? { details: { status } } : {}),
  });
}

function isMissing(e: unknown): boolean {
  return statusOf(e) === 404;
}

function checkCount(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`"${field}" must be a non-negative integer.`);
  return n;
}

function checkEmbedder(e: EmbedderInfo): void {
  if (!e || typeof e.provider !== 'string' || !e.provider || typeof e.model !== 'string' || !e.model) {
    throw new InvalidInputError('The embedder must name a provider and a model.');
  }
  if (!Number.isInteger(e.dimension) || e.dimension < 1 || e.dimension > 65_536) {
    throw new InvalidInputError(`The embedder dimension must be a positive integer (got ${String(e.dimension)}).`);
  }
}

function sameEmbedder(a: EmbedderInfo, b: EmbedderInfo): boolean {
  return a.provider === b.provider && a.model === b.model && a.dimension === b.dimension;
}

function denseArray(v: Float32Array, dimension?: number): number[] {
  if (!(v instanceof Float32Array) || (dimension !== undefined && v.length !== dimension)) {
    throw new InvalidInputError(`The vector has ${v?.length ?? 0} dimensions; this space stores ${dimension ?? '?'}-dimensional vectors.`);
  }
  const out = Array.from(v);
  if (!out.every(Number.isFinite)) throw new InvalidInputError('The vector contains a non-finite value (NaN or Infinity).');
  return out;
}

function compareDesc(a: MemoryPayload, b: MemoryPayload): number {
  return b.updated_ms - a.updated_ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export class QdrantStore implements VectorStore {
  readonly kind = 'qdrant';
  readonly partition: QdrantPartition;
  private readonly client: QdrantClient;

  constructor(options: QdrantStoreOptions) {
    this.partition = options.partition ?? 'collection';
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: options.timeoutMs ?? 30_000,
      // The compatibility probe logs to the console on a version mismatch; open() checks reachability.
      checkCompatibility: false,
    });
  }

  /** Creates the store and checks that Qdrant answers. */
  static async open(options: QdrantStoreOptions): Promise<QdrantStore> {
    const store = new QdrantStore(options);
    try {
      await store.client.versionInfo();
    } catch (e) {
      throw qdrantError(e, `connect to ${options.url}`);
    }
    return store;
  }

  private get shared(): boolean {
    return this.partition === 'payload';
  }

  // Placement: where a generation of a space lives, in either mode.

  /** Generation `generation` (default: the live one) of a space whose metadata is `meta`. */
  private placement(space: string, meta: KairosMetadata, generation = meta.generation): Placement {
    if (!this.shared) {
      // The alias names the live generation; a re-embed fills the next physical collection.
      return { collection: generation === meta.generation ? space : physicalName(space, generation), scope: [], id: pointId, extra: {} };
    }
    const dimension = generation === meta.generation ? meta.dimension : (meta.pending?.dimension ?? meta.dimension);
    return {
      collection: sharedCollectionName(dimension),
      scope: scopeConditions(space, generation),
      id: (memoryId) => partitionedPointId(space, generation, memoryId),
      extra: partitionPayload(space, generation),
    };
  }

  /**
   * The live placement for reads. One collection per space needs no lookup (a missing one reads
   * as empty); shared collections need the space's generation and dimension from the registry.
   */
  private async live(space: string): Promise<Placement | null> {
    checkCollectionName(space);
    if (!this.shared) return { collection: space, scope: [], id: pointId, extra: {} };
    const meta = await this.metadata(space);
    return meta ? this.placement(space, meta) : null;
  }

  // Metadata: collection metadata per space, or one registry point per space.

  private async metadata(name: string): Promise<KairosMetadata | null> {
    checkCollectionName(name);
    if (this.shared) return this.registryGet(name);
    try {
      return await this.physicalMetadata(name);
    } catch (e) {
      if (!isMissing(e)) throw qdrantError(e, `read space ${name}`);
    }
    // Collection info resolves aliases on current servers; resolve it ourselves where not.
    try {
      const alias = (await this.client.getAliases()).aliases.find((a) => a.alias_name === name);
      return alias ? await this.physicalMetadata(alias.collection_name) : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw qdrantError(e, `read space ${name}`);
    }
  }

  private async physicalMetadata(collection: string): Promise<KairosMetadata | null> {
    const info = await this.client.getCollection(collection);
    return readMetadata(info.config.metadata);
  }

  private async registryGet(space: string): Promise<KairosMetadata | null> {
    try {
      const [p] = await this.client.retrieve(REGISTRY_COLLECTION, { ids: [registryPointId(space)], with_payload: true, with_vector: false });
      const meta = readMetadata(p?.payload);
      return meta && meta.space === space ? meta : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw qdrantError(e, `read space ${space}`);
    }
  }

  private async registryPut(meta: KairosMetadata): Promise<void> {
    try {
      await this.client.upsert(REGISTRY_COLLECTION, {
        wait: true,
        points: [{ id: registryPointId(meta.space), vector: { [REGISTRY_VECTOR]: [1] }, payload: { [METADATA_KEY]: meta as unknown as Record<string, unknown> } }],
      });
    } catch (e) {
      throw qdrantError(e, `record space ${meta.space}`);
    }
  }

  private async ensureRegistry(): Promise<void> {
    try {
      await this.client.createCollection(REGISTRY_COLLECTION, { vectors: { [REGISTRY_VECTOR]: { size: 1, distance: 'Dot' } } });
    } catch (e) {
      if (statusOf(e) !== 409) throw qdrantError(e, 'create the space registry');
    }
  }

  private async requireMetadata(name: string): Promise<KairosMetadata> {
    const m = await this.metadata(name);
    if (!m) throw new NotFoundError(`Space ${name} has no collection yet. Store a memory in it first.`);
    return m;
  }

  async getCollection(name: string): Promise<CollectionInfo | null> {
    const m = await this.metadata(name);
    return m ? metadataToInfo(m) : null;
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const out: CollectionInfo[] = [];
    if (this.shared) {
      try {
        for (const p of await this.scrollAll(REGISTRY_COLLECTION, undefined, true)) {
          const meta = readMetadata(p.payload);
          if (meta && isSpaceName(meta.space)) out.push(metadataToInfo(meta));
        }
      } catch (e) {
        if (!isMissing(e)) throw qdrantError(e, 'list spaces');
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    }
    let aliases: Schemas['AliasDescription'][];
    try {
      aliases = (await this.client.getAliases()).aliases;
    } catch (e) {
      throw qdrantError(e, 'list spaces');
    }
    for (const a of aliases) {
      if (!isSpaceName(a.alias_name)) continue;
      const info = await this.getCollection(a.alias_name);
      if (info) out.push(info);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates a data collection with its vectors and payload indexes (idempotent). */
  private async createPhysical(name: string, dimension: number, meta?: KairosMetadata): Promise<void> {
    try {
      await this.client.createCollection(name, {
        vectors: { [DENSE]: { size: dimension, distance: 'Cosine' } },
        sparse_vectors: { [KEYWORDS]: { modifier: 'idf' } },
        ...(meta ? { metadata: { [METADATA_KEY]: meta as unknown as Record<string, unknown> } } : {}),
      });
    } catch (e) {
      // 409: created by an earlier, interrupted attempt or a concurrent one.
      if (statusOf(e) !== 409) throw qdrantError(e, `create collection ${name}`);
    }
    for (const idx of this.shared ? [...PARTITION_INDEXES, ...PAYLOAD_INDEXES] : PAYLOAD_INDEXES) {
      try {
        await this.client.createPayloadIndex(name, { field_name: idx.field, field_schema: idx.schema, wait: true });
      } catch (e) {
        throw qdrantError(e, `index collection ${name}`);
      }
    }
  }

  async ensureCollection(name: string, embedder: EmbedderInfo): Promise<CollectionInfo> {
    checkEmbedder(embedder);
    const existing = await this.metadata(name);
    if (existing) return metadataToInfo(existing);
    const meta: KairosMetadata = {
      space: name,
      generation: 1,
      provider: embedder.provider,
      model: embedder.model,
      dimension: embedder.dimension,
      created_at: new Date().toISOString(),
    };
    if (this.shared) {
      await this.createPhysical(sharedCollectionName(embedder.dimension), embedder.dimension);
      await this.ensureRegistry();
      await this.registryPut(meta);
      return metadataToInfo(await this.requireMetadata(name));
    }
    const physical = physicalName(name, 1);
    await this.createPhysical(physical, embedder.dimension, meta);
    try {
      await this.client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: physical, alias_name: name } }] });
    } catch (e) {
      // Another process won the race to create the alias: use what it created.
      if (statusOf(e) !== 409) throw qdrantError(e, `create space ${name}`);
    }
    return metadataToInfo(await this.requireMetadata(name));
  }

  /** Collections whose name passes `keep`. */
  private async collectionNames(keep: (name: string) => boolean, what: string): Promise<string[]> {
    try {
      return (await this.client.getCollections()).collections.map((c) => c.name).filter(keep);
    } catch (e) {
      throw qdrantError(e, `list the collections of ${what}`);
    }
  }

  /** Physical collections of a space (every generation), found by name. */
  private physicals(name: string): Promise<string[]> {
    return this.collectionNames((c) => c.startsWith(`${name}__g`) && /^\d+$/.test(c.slice(name.length + 3)), `space ${name}`);
  }

  async dropCollection(name: string): Promise<void> {
    checkCollectionName(name);
    if (this.shared) {
      // Every generation in every shared collection, then the registry entry.
      for (const shared of await this.collectionNames(isSharedCollection, 'the shared collections')) {
        try {
          await this.client.delete(shared, { wait: true, filter: { must: spaceConditions(name) } });
        } catch (e) {
          if (!isMissing(e)) throw qdrantError(e, `delete space ${name}`);
        }
      }
      try {
        await this.client.delete(REGISTRY_COLLECTION, { wait: true, points: [registryPointId(name)] });
      } catch (e) {
        if (!isMissing(e)) throw qdrantError(e, `delete space ${name}`);
      }
      return;
    }
    try {
      await this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: name } }] });
    } catch (e) {
      if (!isMissing(e) && statusOf(e) !== 400) throw qdrantError(e, `delete space ${name}`);
    }
    for (const physical of await this.physicals(name)) {
      try {
        await this.client.deleteCollection(physical);
      } catch (e) {
        if (!isMissing(e)) throw qdrantError(e, `delete space ${name}`);
      }
    }
  }

  private point(at: Placement, m: Memory, vector: number[], history: MemoryVersion[]): Schemas['PointStruct'] {
    return {
      id: at.id(m.id),
      vector: { [DENSE]: vector, [KEYWORDS]: documentSparse(m.text) },
      payload: { ...toPayload(m, history), ...at.extra } as unknown as Record<string, unknown>,
    };
  }

  async insert(collection: string, memory: StoredMemory): Promise<void> {
    await this.insertMany(collection, [memory]);
  }

  /** Inserts a batch in one upsert request; refuses ids that already exist (nothing is written). */
  async insertMany(collection: string, memories: readonly StoredMemory[]): Promise<void> {
    const meta = await this.requireMetadata(collection);
    if (memories.length === 0) return;
    const at = this.placement(collection, meta);
    const points = memories.map((m) => {
      if (typeof m.id !== 'string' || !m.id) throw new InvalidInputError('Every memory needs an id.');
      const { vector, history, ...memory } = m;
      // History rides in the point's payload, so one upsert writes the record whole.
      return this.point(at, memory, denseArray(vector, meta.dimension), [...(history ?? [])]);
    });
    try {
      const existing = await this.client.retrieve(at.collection, { ids: points.map((p) => p.id), with_payload: false, with_vector: false });
      if (existing.length > 0) throw new KairosError('conflict', `A memory with one of these ids already exists in space ${collection}.`);
      await this.client.upsert(at.collection, { wait: true, points });
    } catch (e) {
      throw qdrantError(e, `store memories in space ${collection}`);
    }
  }

  private async retrievePayload(space: string, at: Placement | null, id: string, withHistory: boolean): Promise<MemoryPayload | null> {
    if (!at) return null;
    try {
      const [p] = await this.client.retrieve(at.collection, { ids: [at.id(id)], with_payload: withHistory ? true : MEMORY_PAYLOAD });
      const payload = p?.payload as (MemoryPayload & { space?: string }) | undefined;
      // A v5 id collision would need SHA-1 to collide; the payload checks keep it exact anyway.
      return payload && payload.id === id && (!this.shared || payload.space === space) ? payload : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw qdrantError(e, `read a memory in space ${space}`);
    }
  }

  async update(collection: string, change: StoreUpdate): Promise<void> {
    const meta = await this.requireMetadata(collection);
    const at = this.placement(collection, meta);
    const vector = denseArray(change.vector, meta.dimension);
    const current = await this.retrievePayload(collection, at, change.memory.id, true);
    if (!current) throw new NotFoundError(`No memory with id "${change.memory.id}" in space ${collection}.`);
    // One upsert replaces vectors, payload and history together; it also drops a re-embed mark.
    try {
      await this.client.upsert(at.collection, { wait: true, points: [this.point(at, change.memory, vector, [...(current.history ?? []), change.previous])] });
    } catch (e) {
      throw qdrantError(e, `update a memory in space ${collection}`);
    }
  }

  async get(collection: string, id: string): Promise<Memory | null> {
    const p = await this.retrievePayload(collection, await this.live(collection), id, false);
    return p ? toMemory(collection, p) : null;
  }

  async history(collection: string, id: string): Promise<MemoryVersion[]> {
    const p = await this.retrievePayload(collection, await this.live(collection), id, true);
    return [...(p?.history ?? [])].sort((a, b) => a.version - b.version);
  }

  async findByHash(collection: string, contentHash: string): Promise<Memory | null> {
    const at = await this.live(collection);
    if (!at) return null;
    try {
      const res = await this.client.scroll(at.collection, {
        filter: { must: [...at.scope, { key: 'content_hash', match: { value: contentHash } }] },
        limit: 1,
        with_payload: MEMORY_PAYLOAD,
      });
      const p = res.points[0];
      return p ? toMemory(collection, p.payload) : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw qdrantError(e, `look up a memory in space ${collection}`);
    }
  }

  async delete(collection: string, id: string): Promise<boolean> {
    const meta = await this.metadata(collection);
    if (!meta) return false;
    const at = this.placement(collection, meta);
    const existing = await this.retrievePayload(collection, at, id, false);
    if (!existing) return false;
    try {
      await this.client.delete(at.collection, { wait: true, points: [at.id(id)] });
      // A copy already made by a running re-embed must not come back when it finishes.
      if (meta.pending) {
        const next = this.placement(collection, meta, meta.generation + 1);
        await this.client.delete(next.collection, { wait: true, points: [next.id(id)] }).catch(() => undefined);
      }
    } catch (e) {
      throw qdrantError(e, `delete a memory in space ${collection}`);
    }
    return true;
  }

  async nearest(collection: string, vector: Float32Array, k: number): Promise<StoreSearchHit[]> {
    checkCollectionName(collection);
    checkCount(k, 'k');
    if (k === 0) return [];
    const at = await this.live(collection);
    if (!at) return [];
    const filter = scopedFilter(at.scope, undefined);
    try {
      const res = await this.client.query(at.collection, { query: denseArray(vector), using: DENSE, limit: k, with_payload: MEMORY_PAYLOAD, ...(filter ? { filter } : {}) });
      return res.points.map((p) => ({ memory: toMemory(collection, p.payload), score: p.score, similarity: p.score, matchedBy: ['dense'] }));
    } catch (e) {
      if (isMissing(e)) return [];
      throw qdrantError(e, `search space ${collection}`);
    }
  }

  async search(collection: string, query: StoreSearchQuery): Promise<StoreSearchHit[]> {
    checkCollectionName(collection);
    const limit = checkCount(query.limit, 'limit');
    const offset = checkCount(query.offset, 'offset');
    const sparse = query.text ? querySparse(query.text) : null;
    const keywords = sparse && sparse.indices.length > 0 ? sparse : null;
    const dense = query.vector ? denseArray(query.vector) : null;
    if (limit === 0 || (!dense && !keywords)) return [];
    const at = await this.live(collection);
    if (!at) return [];
    const filter = toFilter([...at.scope, ...filterConditions(query.filter)]);
    const window = Math.max(MIN_WINDOW, offset + limit);
    const withFilter = filter ? { filter } : {};
    try {
      if (dense && keywords) {
        // The fused page plus both legs' ids (no payload) to report matchedBy and similarity.
        const [fused, denseLeg, keywordLeg] = await this.client.queryBatch(at.collection, {
          searches: [
            {
              prefetch: [
                { query: dense, using: DENSE, limit: window, ...withFilter },
                { query: keywords, using: KEYWORDS, limit: window, ...withFilter },
              ],
              query: { rrf: { k: RRF_K } },
              limit,
              offset,
              with_payload: MEMORY_PAYLOAD,
              // The prefetches are already confined; a shared collection repeats the filter anyway.
              ...(at.scope.length ? withFilter : {}),
            },
            { query: dense, using: DENSE, limit: window, with_payload: false, ...withFilter },
            { query: keywords, using: KEYWORDS, limit: window, with_payload: false, ...withFilter },
          ],
        });
        const similarity = new Map((denseLeg?.points ?? []).map((p) => [String(p.id), p.score]));
        const keywordIds = new Set((keywordLeg?.points ?? []).map((p) => String(p.id)));
        return (fused?.points ?? []).map((p) => {
          const sim = similarity.get(String(p.id));
          const matchedBy: StoreSearchHit['matchedBy'] = [];
          if (sim !== undefined) matchedBy.push('dense');
          if (keywordIds.has(String(p.id))) matchedBy.push('keyword');
          return { memory: toMemory(collection, p.payload), score: p.score, ...(sim !== undefined ? { similarity: sim } : {}), matchedBy };
        });
      }
      // One leg: its ranking is the fused ranking, scored 1/(k + rank) like the two-leg case.
      const res = await this.client.query(at.collection, {
        query: dense ?? keywords!,
        using: dense ? DENSE : KEYWORDS,
        limit,
        offset,
        with_payload: MEMORY_PAYLOAD,
        ...withFilter,
      });
      return res.points.map((p, i) => ({
        memory: toMemory(collection, p.payload),
        score: 1 / (RRF_K + offset + i + 1),
        ...(dense ? { similarity: p.score } : {}),
        matchedBy: [dense ? 'dense' : 'keyword'],
      }));
    } catch (e) {
      if (isMissing(e)) return [];
      throw qdrantError(e, `search space ${collection}`);
    }
  }

  /** Every point matching the filter (used for groups of equal updated_ms, which are small). */
  private async scrollAll(collection: string, filter: Schemas['Filter'] | undefined, withPayload: Schemas['WithPayloadInterface']): Promise<Point[]> {
    const out: Point[] = [];
    let offset: Schemas['ExtendedPointId'] | undefined;
    do {
      const res = await this.client.scroll(collection, { limit: SCROLL_PAGE, with_payload: withPayload, ...(filter ? { filter } : {}), ...(offset !== undefined ? { offset } : {}) });
      out.push(...res.points);
      offset = (res.next_page_offset ?? undefined) as Schemas['ExtendedPointId'] | undefined;
    } while (offset !== undefined && offset !== null);
    return out;
  }

  /**
   * Newest first by updatedAt then id. Qdrant orders by one payload key and ties come back in
   * no particular order, so each page completes the group of equal updated_ms at its edge and
   * sorts ties by id itself; the cursor is the last (updated_ms, id).
   */
  async list(collection: string, query: StoreListQuery): Promise<Page<Memory>> {
    checkCollectionName(collection);
    const limit = checkCount(query.limit, 'limit');
    if (limit === 0) return { items: [] };
    const at = await this.live(collection);
    if (!at) return { items: [] };
    const base = [...at.scope, ...filterConditions(query.filter)];
    const items: MemoryPayload[] = [];
    let before: number | undefined;
    try {
      if (query.cursor) {
        const cur = decodeCursor(query.cursor, { u: 'string', i: 'string' });
        const u = Number(cur.u);
        if (!Number.isSafeInteger(u)) throw new InvalidInputError('The cursor is not valid. Omit it to start over.');
        const ties = await this.scrollAll(at.collection, toFilter([...base, { key: 'updated_ms', range: { gte: u, lte: u } }]), MEMORY_PAYLOAD);
        items.push(...ties.map((p) => p.payload as unknown as MemoryPayload).filter((p) => p.id < String(cur.i)));
        before = u;
      }
      if (items.length <= limit) {
        const cond = before === undefined ? base : [...base, { key: 'updated_ms', range: { lt: before } }];
        const filter = toFilter(cond);
        const res = await this.client.scroll(at.collection, {
          limit: limit + 1 - items.length,
          with_payload: MEMORY_PAYLOAD,
          order_by: { key: 'updated_ms', direction: 'desc' },
          ...(filter ? { filter } : {}),
        });
        const rest = res.points.map((p) => p.payload as unknown as MemoryPayload);
        const edge = rest[rest.length - 1]?.updated_ms;
        if (edge !== undefined) {
          const group = await this.scrollAll(at.collection, toFilter([...base, { key: 'updated_ms', range: { gte: edge, lte: edge } }]), MEMORY_PAYLOAD);
          items.push(...rest.filter((p) => p.updated_ms !== edge), ...group.map((p) => p.payload as unknown as MemoryPayload));
        }
      }
    } catch (e) {
      if (isMissing(e)) return { items: [] };
      throw qdrantError(e, `list space ${collection}`);
    }
    items.sort(compareDesc);
    const page = items.slice(0, limit).map((p) => toMemory(collection, p));
    const last = page[page.length - 1];
    return items.length > limit && last ? { items: page, nextCursor: encodeCursor({ u: String(toMillis(last.updatedAt, 'updatedAt')), i: last.id }) } : { items: page };
  }

  async count(collection: string): Promise<number> {
    const at = await this.live(collection);
    if (!at) return 0;
    const filter = scopedFilter(at.scope, undefined);
    try {
      return (await this.client.count(at.collection, { exact: true, ...(filter ? { filter } : {}) })).count;
    } catch (e) {
      if (isMissing(e)) return 0;
      throw qdrantError(e, `count memories in space ${collection}`);
    }
  }

  /** Live points not yet copied into generation + 1. */
  private pendingFilter(at: Placement, meta: KairosMetadata): Schemas['Filter'] {
    return { ...(at.scope.length ? { must: at.scope } : {}), must_not: [{ key: 'reembedded', match: { value: meta.generation + 1 } }] };
  }

  /**
   * Starts (or resumes) a re-embed: creates generation + 1 with the target's dimension and
   * marks the live generation as pending. Reads and writes keep using the live generation.
   */
  async beginReembed(collection: string, target: EmbedderInfo): Promise<CollectionInfo> {
    checkEmbedder(target);
    const meta = await this.requireMetadata(collection);
    if (meta.pending) {
      if (sameEmbedder(meta.pending, target)) return metadataToInfo(meta);
      throw new KairosError('conflict', `Space ${collection} is being re-embedded with ${meta.pending.provider}/${meta.pending.model}; finish that first.`);
    }
    const pending: EmbedderInfo = { provider: target.provider, model: target.model, dimension: target.dimension };
    if (this.shared) {
      await this.createPhysical(sharedCollectionName(target.dimension), target.dimension);
      await this.registryPut({ ...meta, pending });
      return metadataToInfo({ ...meta, pending });
    }
    const next: KairosMetadata = {
      space: collection,
      generation: meta.generation + 1,
      provider: target.provider,
      model: target.model,
      dimension: target.dimension,
      created_at: meta.created_at,
    };
    await this.createPhysical(physicalName(collection, next.generation), target.dimension, next);
    try {
      await this.client.updateCollection(physicalName(collection, meta.generation), {
        metadata: { [METADATA_KEY]: { ...meta, pending } as unknown as Record<string, unknown> },
      });
    } catch (e) {
      throw qdrantError(e, `start re-embedding space ${collection}`);
    }
    return metadataToInfo({ ...meta, pending });
  }

  async pendingReembed(collection: string, limit: number): Promise<Memory[]> {
    checkCount(limit, 'limit');
    const meta = await this.metadata(collection);
    if (!meta?.pending || limit === 0) return [];
    const at = this.placement(collection, meta);
    try {
      const res = await this.client.scroll(at.collection, {
        filter: this.pendingFilter(at, meta),
        limit,
        with_payload: MEMORY_PAYLOAD,
        order_by: { key: 'updated_ms', direction: 'asc' },
      });
      return res.points.map((p) => toMemory(collection, p.payload));
    } catch (e) {
      throw qdrantError(e, `read memories to re-embed in space ${collection}`);
    }
  }

  async countPendingReembed(collection: string): Promise<number> {
    const meta = await this.metadata(collection);
    if (!meta?.pending) return 0;
    const at = this.placement(collection, meta);
    try {
      return (await this.client.count(at.collection, { filter: this.pendingFilter(at, meta), exact: true })).count;
    } catch (e) {
      throw qdrantError(e, `count memories to re-embed in space ${collection}`);
    }
  }

  /**
   * Copies the memories with their new vectors into generation + 1, then marks them done in the
   * live generation, only where the version copied is still current (an update meanwhile
   * leaves the memory pending, so it is copied again).
   */
  async writeReembedded(collection: string, vectors: Array<{ id: string; vector: Float32Array }>): Promise<void> {
    const meta = await this.requireMetadata(collection);
    const target = meta.pending;
    if (!target) throw new KairosError('conflict', `Space ${collection} is not being re-embedded; start a re-embed first.`);
    if (vectors.length === 0) return;
    const at = this.placement(collection, meta);
    const next = this.placement(collection, meta, meta.generation + 1);
    const dense = new Map(vectors.map((v) => [v.id, denseArray(v.vector, target.dimension)]));
    try {
      const current = await this.client.retrieve(at.collection, { ids: [...dense.keys()].map((id) => at.id(id)), with_payload: true });
      if (current.length === 0) return;
      const points = current.map((p) => {
        const payload = p.payload as unknown as MemoryPayload;
        const { reembedded: _mark, ...clean } = payload;
        return {
          id: next.id(payload.id),
          vector: { [DENSE]: dense.get(payload.id)!, [KEYWORDS]: documentSparse(payload.text) },
          payload: { ...clean, ...next.extra } as unknown as Record<string, unknown>,
        };
      });
      await this.client.upsert(next.collection, { wait: true, points });
      await this.client.batchUpdate(at.collection, {
        wait: true,
        operations: current.map((p) => ({
          set_payload: {
            payload: { reembedded: meta.generation + 1 },
            filter: { must: [{ has_id: [p.id] }, { key: 'version', match: { value: (p.payload as unknown as MemoryPayload).version } }] },
          },
        })),
      });
    } catch (e) {
      throw qdrantError(e, `store re-embedded vectors in space ${collection}`);
    }
  }

  /** Switches the space to generation + 1 once nothing is pending, then drops the old one. */
  async finishReembed(collection: string): Promise<CollectionInfo> {
    const meta = await this.requireMetadata(collection);
    if (!meta.pending) return metadataToInfo(meta);
    const left = await this.countPendingReembed(collection);
    if (left > 0) {
      throw new KairosError('conflict', `${left} memories in space ${collection} still need re-embedding; run the re-embed again to finish.`, {
        details: { pending: left },
      });
    }
    if (this.shared) {
      const old = this.placement(collection, meta);
      const { pending, ...rest } = meta;
      await this.registryPut({ ...rest, generation: meta.generation + 1, provider: pending.provider, model: pending.model, dimension: pending.dimension });
      await this.client.delete(old.collection, { wait: true, filter: { must: old.scope } }).catch(() => undefined);
      return metadataToInfo(await this.requireMetadata(collection));
    }
    const next = physicalName(collection, meta.generation + 1);
    try {
      await this.client.updateCollectionAliases({
        actions: [{ delete_alias: { alias_name: collection } }, { create_alias: { collection_name: next, alias_name: collection } }],
      });
      for (const old of await this.physicals(collection)) {
        if (old !== next) await this.client.deleteCollection(old).catch(() => undefined);
      }
    } catch (e) {
      throw qdrantError(e, `finish re-embedding space ${collection}`);
    }
    return metadataToInfo(await this.requireMetadata(collection));
  }

  async close(): Promise<void> {
    // Stateless HTTP client: nothing to flush; Qdrant persists acknowledged (wait: true) writes.
  }
}
