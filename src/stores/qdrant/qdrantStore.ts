/**
 * VectorStore on Qdrant for deployments at scale. One collection per space, addressed through
 * an alias named after the space that points at a physical collection `<space>__g<generation>`;
 * re-embedding fills generation + 1 and swaps the alias atomically when done.
 *
 * Points carry a named dense vector ("dense", cosine) and a sparse keyword vector ("keywords",
 * IDF applied by Qdrant); hybrid search fetches both legs in one batch and fuses them here with
 * core/hybrid.ts, the embedded store's ranking (legs.ts turns Qdrant hits into its candidates).
 *
 * With `partition: 'payload'` the same operations run on shared collections, confined to the
 * space by a tenant-indexed payload filter, and generations are payload values (partition.ts).
 */
import { randomUUID } from 'node:crypto';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { DEFAULT_FUSION, fuseHybrid, toSearchHits } from '../../core/hybrid.js';
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
  GENERATION_FIELD,
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
  WRITE_ID,
} from './payload.js';
import { denseCandidates, keywordCandidates, LEG_PAYLOAD } from './legs.js';
import { documentSparse, querySparse } from './sparse.js';
import { atLeast, CORPUS_IDF_VERSION, formatVersion, MIN_QDRANT_VERSION, parseVersion, type Version } from './version.js';

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
const SCROLL_PAGE = 256;
/** Collection configs read at once when listing spaces. */
const LIST_CONCURRENCY = 8;
/** Reads that decide a write ask a majority of replicas, so a write just acknowledged is seen. */
const MAJORITY = 'majority' as const;

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
  /** Collections known to carry every payload index (checked or created by this process). */
  private readonly indexed = new Set<string>();
  /** Set by open(); features newer than the floor are used only where the server has them. */
  private serverVersion: Version = MIN_QDRANT_VERSION;

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

  /**
   * Creates the store after checking that Qdrant answers and runs a supported version
   * (version.ts): an older server would drop fields it does not know and misbehave silently.
   */
  static async open(options: QdrantStoreOptions): Promise<QdrantStore> {
    const store = new QdrantStore(options);
    let reported: unknown;
    try {
      reported = (await store.client.versionInfo()).version;
    } catch (e) {
      throw qdrantError(e, `connect to ${options.url}`);
    }
    const version = parseVersion(reported);
    const floor = formatVersion(MIN_QDRANT_VERSION);
    if (!version || !atLeast(version, MIN_QDRANT_VERSION)) {
      const found = version ? formatVersion(version) : `an unrecognised version (${JSON.stringify(String(reported ?? '')).slice(0, 40)})`;
      throw new KairosError(
        'unavailable',
        `Qdrant at ${options.url} runs ${found}; Kairos needs Qdrant ${floor} or newer. Upgrade Qdrant (see docs/deployment.md).`,
        {
          details: { qdrantVersion: version ? found : String(reported ?? ''), minimumVersion: floor },
        },
      );
    }
    store.serverVersion = version;
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
    // GET /collections/{alias} resolves the alias: one request, no listing of every alias.
    try {
      return await this.physicalMetadata(name);
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
      // Majority: the generation and a running re-embed decide where writes and deletes go.
      const [p] = await this.client.retrieve(REGISTRY_COLLECTION, {
        ids: [registryPointId(space)],
        with_payload: true,
        with_vector: false,
        consistency: MAJORITY,
      });
      const meta = readMetadata(p?.payload);
      return meta && meta.space === space ? meta : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw qdrantError(e, `read space ${space}`);
    }
  }

  /** Records a space's metadata; `create` only adds a new entry (a concurrent creator's stays). */
  private async registryPut(meta: KairosMetadata, create = false): Promise<void> {
    try {
      await this.client.upsert(REGISTRY_COLLECTION, {
        wait: true,
        ...(create ? { ordering: 'strong' as const, update_mode: 'insert_only' as const } : {}),
        points: [
          { id: registryPointId(meta.space), vector: { [REGISTRY_VECTOR]: [1] }, payload: { [METADATA_KEY]: meta as unknown as Record<string, unknown> } },
        ],
      });
    } catch (e) {
      throw qdrantError(e, `record space ${meta.space}`);
    }
  }

  private async ensureRegistry(): Promise<void> {
    // The registry is never dropped: once seen, this process need not ask again.
    if (this.indexed.has(REGISTRY_COLLECTION)) return;
    try {
      await this.client.createCollection(REGISTRY_COLLECTION, { vectors: { [REGISTRY_VECTOR]: { size: 1, distance: 'Dot' } } });
    } catch (e) {
      if (statusOf(e) !== 409) throw qdrantError(e, 'create the space registry');
    }
    this.indexed.add(REGISTRY_COLLECTION);
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
      aliases = (await this.client.getAliases()).aliases.filter((a) => isSpaceName(a.alias_name));
    } catch (e) {
      throw qdrantError(e, 'list spaces');
    }
    // Each space's metadata lives in its collection's config and Qdrant has no bulk read of
    // configs: read them concurrently, a few at a time, rather than one after another.
    for (let i = 0; i < aliases.length; i += LIST_CONCURRENCY) {
      const infos = await Promise.all(
        aliases.slice(i, i + LIST_CONCURRENCY).map(async (a) => {
          try {
            return await this.physicalMetadata(a.collection_name);
          } catch (e) {
            if (isMissing(e)) return null; // dropped while listing
            throw qdrantError(e, 'list spaces');
          }
        }),
      );
      for (const m of infos) if (m && m.space !== undefined && isSpaceName(m.space)) out.push(metadataToInfo(m));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Payload indexes a data collection needs: every field a filter or order_by names (strict mode). */
  private get indexes(): ReadonlyArray<{ field: string; schema: Schemas['PayloadFieldSchema'] }> {
    return this.shared ? [...PARTITION_INDEXES, ...PAYLOAD_INDEXES] : PAYLOAD_INDEXES;
  }

  /**
   * Creates a data collection with its vectors and payload indexes (idempotent). The indexes are
   * requested together, so their latency is one round trip, not one per field.
   */
  private async createPhysical(name: string, dimension: number, meta?: KairosMetadata): Promise<void> {
    // Shared collections are never dropped; a space's own may have been, by another process.
    if (this.shared && this.indexed.has(name)) return;
    try {
      await this.client.createCollection(name, {
        vectors: { [DENSE]: { size: dimension, distance: 'Cosine' } },
        sparse_vectors: { [KEYWORDS]: { modifier: 'idf' } },
        ...(meta ? { metadata: { [METADATA_KEY]: meta as unknown as Record<string, unknown> } } : {}),
      });
    } catch (e) {
      // 409: created by an earlier, interrupted attempt or a concurrent one; add what it lacks.
      if (statusOf(e) !== 409) throw qdrantError(e, `create collection ${name}`);
      return this.ensureIndexes(name);
    }
    await this.createIndexes(name, this.indexes);
  }

  private async createIndexes(name: string, missing: ReadonlyArray<{ field: string; schema: Schemas['PayloadFieldSchema'] }>): Promise<void> {
    try {
      await Promise.all(missing.map((idx) => this.client.createPayloadIndex(name, { field_name: idx.field, field_schema: idx.schema, wait: true })));
    } catch (e) {
      throw qdrantError(e, `index collection ${name}`);
    }
    this.indexed.add(name);
  }

  /**
   * Adds the payload indexes a collection lacks (one made by an older Kairos has no `version`
   * index, which strict mode requires for conditional writes). Once per collection per process.
   */
  private async ensureIndexes(name: string): Promise<void> {
    if (this.indexed.has(name)) return;
    let have: Set<string>;
    try {
      have = new Set(Object.keys((await this.client.getCollection(name)).payload_schema ?? {}));
    } catch (e) {
      if (isMissing(e)) return; // nothing to index; the write that follows reports the space
      throw qdrantError(e, `read collection ${name}`);
    }
    await this.createIndexes(
      name,
      this.indexes.filter((i) => !have.has(i.field)),
    );
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
      await this.registryPut(meta, true);
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
    this.indexed.delete(name);
    for (const physical of await this.physicals(name)) {
      this.indexed.delete(physical);
      try {
        await this.client.deleteCollection(physical);
      } catch (e) {
        if (!isMissing(e)) throw qdrantError(e, `delete space ${name}`);
      }
    }
  }

  /** A point for a memory; `writeId` marks this write so the writer can tell it landed. */
  private point(at: Placement, m: Memory, vector: number[], history: MemoryVersion[], writeId: string): Schemas['PointStruct'] {
    return {
      id: at.id(m.id),
      vector: { [DENSE]: vector, [KEYWORDS]: documentSparse(m.text) },
      payload: { ...toPayload(m, history), [WRITE_ID]: writeId, ...at.extra } as unknown as Record<string, unknown>,
    };
  }

  /** The write id each point now carries (majority read); absent ids are missing. */
  private async writeIds(at: Placement, ids: Array<string | number>): Promise<Map<string, unknown>> {
    const found = await this.client.retrieve(at.collection, { ids, with_payload: [WRITE_ID], consistency: MAJORITY });
    return new Map(found.map((p) => [String(p.id), p.payload?.[WRITE_ID]]));
  }

  async insert(collection: string, memory: StoredMemory): Promise<void> {
    await this.insertMany(collection, [memory]);
  }

  /**
   * Inserts a batch; refuses ids that already exist. The check reads a majority of replicas and
   * writes nothing if any id exists; the write is insert-only, so an id taken by a concurrent
   * insert meanwhile keeps its memory, and the write ids read back say which insert won.
   */
  async insertMany(collection: string, memories: readonly StoredMemory[]): Promise<void> {
    const meta = await this.requireMetadata(collection);
    if (memories.length === 0) return;
    const at = this.placement(collection, meta);
    const writeId = randomUUID();
    const points = memories.map((m) => {
      if (typeof m.id !== 'string' || !m.id) throw new InvalidInputError('Every memory needs an id.');
      const { vector, history, ...memory } = m;
      // History rides in the point's payload, so one upsert writes the record whole.
      return this.point(at, memory, denseArray(vector, meta.dimension), [...(history ?? [])], writeId);
    });
    const taken = (): KairosError => new KairosError('conflict', `A memory with one of these ids already exists in space ${collection}.`);
    try {
      const ids = points.map((p) => p.id);
      const existing = await this.client.retrieve(at.collection, { ids, with_payload: false, with_vector: false, consistency: MAJORITY });
      if (existing.length > 0) throw taken();
      await this.client.upsert(at.collection, { wait: true, ordering: 'strong', update_mode: 'insert_only', points });
      const written = await this.writeIds(at, ids);
      if (ids.some((id) => written.get(String(id)) !== writeId)) throw taken();
    } catch (e) {
      throw qdrantError(e, `store memories in space ${collection}`);
    }
  }

  private async retrievePayload(
    space: string,
    at: Placement | null,
    id: string,
    withHistory: boolean,
    consistency?: typeof MAJORITY,
  ): Promise<MemoryPayload | null> {
    if (!at) return null;
    try {
      const [p] = await this.client.retrieve(at.collection, {
        ids: [at.id(id)],
        with_payload: withHistory ? true : MEMORY_PAYLOAD,
        ...(consistency ? { consistency } : {}),
      });
      const payload = p?.payload as (MemoryPayload & { space?: string }) | undefined;
      // A v5 id collision would need SHA-1 to collide; the payload checks keep it exact anyway.
      return payload && payload.id === id && (!this.shared || payload.space === space) ? payload : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw qdrantError(e, `read a memory in space ${space}`);
    }
  }

  /**
   * Replaces a memory and appends the previous version to its history, as a compare-and-set:
   * the upsert applies only while the point still carries the write id read (update_mode
   * update_only, so a point deleted meanwhile is not recreated). If another writer got there
   * first the update is tried again on what it wrote, unless that already holds a different
   * memory at this version or later: then the caller's change was made on stale data (409).
   */
  async update(collection: string, change: StoreUpdate): Promise<void> {
    const meta = await this.requireMetadata(collection);
    const at = this.placement(collection, meta);
    const vector = denseArray(change.vector, meta.dimension);
    const m = change.memory;
    const changed = (): KairosError =>
      new KairosError('conflict', `Memory "${m.id}" in space ${collection} was changed by another request meanwhile; read it again and retry.`, {
        details: { id: m.id },
      });
    await this.ensureIndexes(at.collection);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.retrievePayload(collection, at, m.id, true, MAJORITY);
      if (!current) throw new NotFoundError(`No memory with id "${m.id}" in space ${collection}.`);
      const sameMemory = current.version === m.version && current.content_hash === m.contentHash && current.updated_at === m.updatedAt;
      if (current.version >= m.version && !sameMemory) throw changed();
      const writeId = randomUUID();
      // Points written before write ids existed are guarded by their version.
      const guard: Schemas['Condition'] = current.write_id
        ? { key: WRITE_ID, match: { value: current.write_id } }
        : { key: 'version', match: { value: current.version } };
      try {
        // One upsert replaces vectors, payload and history together; it also drops a re-embed mark.
        await this.client.upsert(at.collection, {
          wait: true,
          ordering: 'strong',
          update_mode: 'update_only',
          update_filter: { must: [...at.scope, guard] },
          points: [this.point(at, m, vector, [...(current.history ?? []), change.previous], writeId)],
        });
        const now = (await this.writeIds(at, [at.id(m.id)])).get(at.id(m.id));
        if (now === writeId) return;
        if (now === undefined) throw new NotFoundError(`Memory "${m.id}" in space ${collection} was deleted meanwhile.`);
      } catch (e) {
        throw qdrantError(e, `update a memory in space ${collection}`);
      }
    }
    throw changed();
  }

  /**
   * Sets the source (scope, anchor status) as a compare-and-set like update: guarded by the write
   * id read (or the version, for points older than write ids) and stamping a new one, so a
   * concurrent update either sees this change or this change applies to nothing.
   */
  async setSource(collection: string, id: string, version: number, source: Memory['source']): Promise<boolean> {
    const at = await this.live(collection);
    const current = at ? await this.retrievePayload(collection, at, id, false, MAJORITY) : null;
    if (!at || !current || current.version !== version) return false;
    const writeId = randomUUID();
    const guard: Schemas['Condition'] = current.write_id
      ? { key: WRITE_ID, match: { value: current.write_id } }
      : { key: 'version', match: { value: version } };
    try {
      await this.client.setPayload(at.collection, {
        wait: true,
        ordering: 'strong',
        payload: { source, source_kind: source.kind, [WRITE_ID]: writeId },
        filter: { must: [...at.scope, { has_id: [at.id(id)] }, guard] },
      });
    } catch (e) {
      throw qdrantError(e, `update a memory's source in space ${collection}`);
    }
    return (await this.writeIds(at, [at.id(id)])).get(at.id(id)) === writeId;
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

  /**
   * Deletes a memory from every generation that holds it. A re-embed may begin or finish while
   * this runs, so after each round the space's metadata is read again and any generation not yet
   * cleared is cleared too: a copy in generation + 1 must not come back when the re-embed ends.
   * Failures are reported, never swallowed (an erasure that silently failed is a GDPR problem).
   */
  async delete(collection: string, id: string): Promise<boolean> {
    let meta = await this.metadata(collection);
    if (!meta) return false;
    const existed = (await this.retrievePayload(collection, this.placement(collection, meta), id, false, MAJORITY)) !== null;
    // Absent but re-embedding: a copy may be left by an earlier delete that failed half-way.
    if (!existed && !meta.pending) return false;
    const cleared = new Set<number>();
    for (let round = 0; meta && round < 4; round++) {
      // Newest generation first: if a delete fails, the live point is still there to retry with.
      const generations = [...(meta.pending ? [meta.generation + 1] : []), meta.generation].filter((g) => !cleared.has(g));
      if (generations.length === 0) break;
      for (const g of generations) {
        await this.deletePoint(collection, this.exactPlacement(collection, meta, g), id);
        cleared.add(g);
      }
      meta = await this.metadata(collection);
    }
    return existed;
  }

  /** Like placement(), but in collection mode names the physical collection, not the alias. */
  private exactPlacement(space: string, meta: KairosMetadata, generation: number): Placement {
    const at = this.placement(space, meta, generation);
    return this.shared ? at : { ...at, collection: physicalName(space, generation) };
  }

  private async deletePoint(space: string, at: Placement, id: string): Promise<void> {
    try {
      await this.client.delete(at.collection, { wait: true, points: [at.id(id)] });
    } catch (e) {
      if (!isMissing(e)) throw qdrantError(e, `delete a memory in space ${space}`);
    }
  }

  async nearest(collection: string, vector: Float32Array, k: number): Promise<StoreSearchHit[]> {
    checkCollectionName(collection);
    checkCount(k, 'k');
    if (k === 0) return [];
    const at = await this.live(collection);
    if (!at) return [];
    const filter = scopedFilter(at.scope, undefined);
    try {
      const res = await this.client.query(at.collection, {
        query: denseArray(vector),
        using: DENSE,
        limit: k,
        with_payload: MEMORY_PAYLOAD,
        ...(filter ? { filter } : {}),
      });
      return res.points.map((p) => ({ memory: toMemory(collection, p.payload), score: p.score, similarity: p.score, matchedBy: ['dense'] }));
    } catch (e) {
      if (isMissing(e)) return [];
      throw qdrantError(e, `search space ${collection}`);
    }
  }

  /**
   * Hybrid search fused here, not in Qdrant: both legs come back in one batch (ids, scores,
   * updated_ms, and the keyword leg's sparse vector for coverage), core/hybrid.ts ranks them as
   * the embedded store does (ties to the lower id, so offset paging neither repeats nor skips),
   * and the page's payloads are read in one more call.
   */
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
    const params = { ...DEFAULT_FUSION, ...query.fusion };
    const window = Math.max(params.window, offset + limit);
    const leg = { limit: window, with_payload: LEG_PAYLOAD, ...(filter ? { filter } : {}) };
    try {
      const searches: Schemas['QueryRequest'][] = [];
      if (dense) searches.push({ query: dense, using: DENSE, ...leg });
      if (keywords) searches.push({ query: keywords, using: KEYWORDS, with_vector: [KEYWORDS], ...leg, ...this.idfParams(at) });
      const results = await this.client.queryBatch(at.collection, { searches });
      const densePoints = dense ? (results[0]?.points ?? []) : [];
      const keywordPoints = keywords ? (results[dense ? 1 : 0]?.points ?? []) : [];
      const page = fuseHybrid(denseCandidates(densePoints), keywordCandidates(keywordPoints, keywords), { ...params, window }, query.floor).slice(
        offset,
        offset + limit,
      );
      if (page.length === 0) return [];
      const rows = await this.client.retrieve(at.collection, { ids: page.map((h) => at.id(h.id)), with_payload: MEMORY_PAYLOAD });
      const byId = new Map(rows.flatMap((r) => (r.payload ? [[String((r.payload as unknown as MemoryPayload).id), r.payload] as const] : [])));
      return toSearchHits(page, byId, (payload) => toMemory(collection, payload));
    } catch (e) {
      if (isMissing(e)) return [];
      throw qdrantError(e, `search space ${collection}`);
    }
  }

  /**
   * Keyword-leg parameters. In a shared collection IDF would count every tenant's documents
   * (skewing the ranking and hinting at other tenants' words); Qdrant 1.19 computes it over a
   * corpus filter, here the space's live generation. Older servers: collection-wide IDF
   * (docs/deployment.md). A collection per space needs nothing: its IDF is the space's own.
   */
  private idfParams(at: Placement): { params?: Schemas['SearchParams'] } {
    if (!this.spaceLocalKeywordStats || at.scope.length === 0) return {};
    return { params: { idf: { corpus: { must: at.scope } } } };
  }

  /** Whether keyword ranking in a space depends only on that space's memories. */
  get spaceLocalKeywordStats(): boolean {
    return !this.shared || atLeast(this.serverVersion, CORPUS_IDF_VERSION);
  }

  /** Every point matching the filter (used for groups of equal updated_ms, which are small). */
  private async scrollAll(collection: string, filter: Schemas['Filter'] | undefined, withPayload: Schemas['WithPayloadInterface']): Promise<Point[]> {
    const out: Point[] = [];
    let offset: Schemas['ExtendedPointId'] | undefined;
    do {
      const res = await this.client.scroll(collection, {
        limit: SCROLL_PAGE,
        with_payload: withPayload,
        ...(filter ? { filter } : {}),
        ...(offset !== undefined ? { offset } : {}),
      });
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
    return items.length > limit && last
      ? { items: page, nextCursor: encodeCursor({ u: String(toMillis(last.updatedAt, 'updatedAt')), i: last.id }) }
      : { items: page };
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
    // writeReembedded marks points with a filter on `version`: the live collection needs its index.
    await this.ensureIndexes(this.placement(collection, meta).collection);
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
      const current = await this.client.retrieve(at.collection, { ids: [...dense.keys()].map((id) => at.id(id)), with_payload: true, consistency: MAJORITY });
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
            filter: { must: [...at.scope, { has_id: [p.id] }, { key: 'version', match: { value: (p.payload as unknown as MemoryPayload).version } }] },
          },
        })),
      });
      // A memory deleted since it was read above loses its fresh copy too. A delete after this
      // check finds the re-embed pending and clears generation + 1 itself.
      const still = new Set(
        (await this.client.retrieve(at.collection, { ids: current.map((p) => p.id), with_payload: false, consistency: MAJORITY })).map((p) => String(p.id)),
      );
      const gone = current.filter((p) => !still.has(String(p.id))).map((p) => next.id((p.payload as unknown as MemoryPayload).id));
      if (gone.length > 0) await this.client.delete(next.collection, { wait: true, points: gone });
    } catch (e) {
      throw qdrantError(e, `store re-embedded vectors in space ${collection}`);
    }
  }

  /**
   * Switches the space to generation + 1 once nothing is pending, then deletes the older
   * generations. Finishing again retries a deletion that failed (and reports it if it fails).
   */
  async finishReembed(collection: string): Promise<CollectionInfo> {
    let meta = await this.requireMetadata(collection);
    if (meta.pending) {
      const left = await this.countPendingReembed(collection);
      if (left > 0) {
        throw new KairosError('conflict', `${left} memories in space ${collection} still need re-embedding; run the re-embed again to finish.`, {
          details: { pending: left },
        });
      }
      const { pending, ...rest } = meta;
      if (this.shared) {
        await this.registryPut({ ...rest, generation: meta.generation + 1, provider: pending.provider, model: pending.model, dimension: pending.dimension });
      } else {
        try {
          await this.client.updateCollectionAliases({
            actions: [
              { delete_alias: { alias_name: collection } },
              { create_alias: { collection_name: physicalName(collection, meta.generation + 1), alias_name: collection } },
            ],
          });
        } catch (e) {
          throw qdrantError(e, `finish re-embedding space ${collection}`);
        }
      }
      meta = await this.requireMetadata(collection);
    }
    await this.dropOlderGenerations(collection, meta);
    return metadataToInfo(meta);
  }

  /** Deletes every generation of a space older than its live one. */
  private async dropOlderGenerations(space: string, meta: KairosMetadata): Promise<void> {
    const what = `delete the replaced vectors of space ${space} (finish the re-embed again to retry)`;
    if (this.shared) {
      const older = { must: [...spaceConditions(space), { key: GENERATION_FIELD, range: { lt: meta.generation } }] };
      for (const shared of await this.collectionNames(isSharedCollection, 'the shared collections')) {
        try {
          await this.client.delete(shared, { wait: true, filter: older });
        } catch (e) {
          if (!isMissing(e)) throw qdrantError(e, what);
        }
      }
      return;
    }
    for (const old of await this.physicals(space)) {
      if (Number(old.slice(space.length + 3)) >= meta.generation) continue;
      try {
        await this.client.deleteCollection(old);
      } catch (e) {
        if (!isMissing(e)) throw qdrantError(e, what);
      }
    }
  }

  async close(): Promise<void> {
    // Stateless HTTP client: nothing to flush; Qdrant persists acknowledged (wait: true) writes.
  }
}
