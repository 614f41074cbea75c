/**
 * The embedded default VectorStore: PGlite (PostgreSQL 17 in WASM) with pgvector, persisted in
 * a data dir that one process owns. See schema.ts for the layout and search.ts for the query.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { InvalidInputError, KairosError, NotFoundError } from '../../core/errors.js';
import type { Memory, MemoryVersion, Page } from '../../core/memory.js';
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
import { acquireDataDirLock, type DataDirLock } from './lock.js';
import { findDataDirTemplate, hasCluster, seedFromTemplate } from './template.js';
import {
  checkCollectionName,
  codeIndexDdl,
  collectionDdl,
  hnswIndexSql,
  META_DDL,
  META_TABLE,
  tableNames,
  vectorStorageSql,
  vectorCast,
  vectorType,
  type TableNames,
} from './schema.js';
import { denseSql, legsSql, type DenseRow, type LegsRow } from './search.js';
import {
  filterConditions,
  MEMORY_COLUMNS,
  Params,
  rowToMemory,
  rowToVersion,
  toMillis,
  checkVector,
  vectorLiteral,
  where,
  type MemoryRow,
  type VersionRow,
} from './sql.js';
import { vectorCopyData } from './copy.js';
import { prepareDriver, vectorParam } from './driver.js';
import { DOC_RETURNING, KeywordIndex, type DocRow } from './keywords.js';
import { bufferPoolMb, folderBytes, MIN_POOL_MB } from './bufferPool.js';
import { DEFAULT_FUSION, fuseHybrid, toSearchHits, type DenseCandidate, type KeywordCandidate } from '../../core/hybrid.js';
import { contentHash } from '../../core/contentHash.js';

export interface EmbeddedStoreOptions {
  /** Folder this store owns: the database lives in `pg/`, the process lock in `store.lock`. */
  dataDir: string;
  /**
   * HNSW candidate list size at query time (pgvector `hnsw.ef_search`); default 160. Measured at
   * 100k memories (npm run bench): 64 → recall@10 0.901, dense p50 2.5 ms; 100 → 0.927, 3.0 ms;
   * 160 → 0.946, 3.0 ms. Hybrid search costs ~23 ms there anyway, so the wider list is nearly free.
   */
  efSearch?: number;
  /**
   * Folder of an empty cluster that a new store is copied from instead of running initdb (see
   * template.ts). Default: the one the build ships, when present; null: always initdb.
   */
  template?: string | null;
}

/** How the last open found its cluster: for the engine's start-up log. */
export type StoreStart = 'existing' | 'template' | 'initdb';

/** PGlite's start parameters plus a WAL limit and a buffer pool sized to the store (bufferPool.ts). */
function startParams(poolMb: number): string[] {
  // PostgreSQL keeps up to max_wal_size (1 GB by default) of WAL segments around; a local
  // store should not carry a gigabyte of WAL beside 600 MB of data.
  return [...PGlite.defaultStartParams, '-c', 'max_wal_size=256MB', '-c', 'min_wal_size=32MB', '-c', `shared_buffers=${poolMb}MB`];
}

/** Rows per INSERT statement in insertMany: large enough to amortise parsing, small enough to stay cheap. */
const INSERT_CHUNK = 250;
const DEFAULT_EF_SEARCH = 160;
/** Version of the duplicate rule the stored content hashes follow (see core/memory.ts duplicateKey). */
const HASH_RULE = '2';

/** Rows per binary COPY + INSERT … SELECT round in the bulk path. */
const COPY_CHUNK = 2000;
/**
 * A large insertMany drops the HNSW index and builds it again after loading when the collection
 * is small next to the batch: building costs ~0.5 ms a row here against ~2.5 ms to insert a
 * row into the graph, so rebuilding wins while the collection holds < 3x the batch.
 */
const BULK_REBUILD_MIN = 2000;
const BULK_REBUILD_RATIO = 3;

/**
 * A collection gets its HNSW index once it holds this many memories. Below, PostgreSQL's planner
 * picks an exact scan anyway (measured: the same search times with and without the index at 500
 * and 1,000 memories; the index wins from ~1,500), while every insert into the graph costs
 * ~3.5 ms in PGlite's WASM against ~0.5 ms for the rest of the row. Building it at 1,000 takes
 * ~0.6 s, once, in the write that reaches the size. A small collection's search is then exact.
 */
export const HNSW_MIN_ROWS = 1000;

/**
 * PGlite runs no autovacuum, so nothing refreshes planner statistics unless we do: without them
 * PostgreSQL picks sequential scans over the GIN and HNSW indexes. Rows changed since the last
 * ANALYZE are counted, and the table is analysed once they exceed this share of it.
 */
const ANALYZE_MIN_CHANGES = 200;
const ANALYZE_FRACTION = 0.1;

interface Collection {
  info: CollectionInfo;
  t: TableNames;
  /** Rows written since the last ANALYZE, and the row count it saw. */
  changes: number;
  analyzedRows: number;
  /**
   * Row count, once counted: this process is the only writer (data dir lock), so it is kept
   * exact by the writes themselves instead of a count(*) scan of every row on each call.
   */
  rows: number | null;
  /** Bumped by every insert and delete, so a count racing with a write is not cached. */
  epoch: number;
  /** The keyword index, once a search asked for it; every later write refreshes it. */
  keywords: Promise<KeywordIndex> | null;
  /** Whether the HNSW index exists (see HNSW_MIN_ROWS). */
  hnsw: boolean;
}

interface MetaRow {
  name: string;
  provider: string;
  model: string;
  dimension: number;
  created_at: string;
  pending_provider: string | null;
  pending_model: string | null;
  pending_dimension: number | null;
}

function metaToInfo(r: MetaRow): CollectionInfo {
  const info: CollectionInfo = {
    name: r.name,
    embedder: { provider: r.provider, model: r.model, dimension: r.dimension },
    createdAt: r.created_at,
  };
  if (r.pending_provider !== null && r.pending_model !== null && r.pending_dimension !== null) {
    info.pendingEmbedder = { provider: r.pending_provider, model: r.pending_model, dimension: r.pending_dimension };
  }
  return info;
}

function copyInfo(info: CollectionInfo): CollectionInfo {
  return { ...info, embedder: { ...info.embedder }, ...(info.pendingEmbedder ? { pendingEmbedder: { ...info.pendingEmbedder } } : {}) };
}

function checkEmbedder(e: EmbedderInfo): void {
  if (!e || typeof e.provider !== 'string' || !e.provider || typeof e.model !== 'string' || !e.model) {
    throw new InvalidInputError('The embedder must name a provider and a model.');
  }
  if (!Number.isInteger(e.dimension) || e.dimension < 1 || e.dimension > 16_000) {
    throw new InvalidInputError(`The embedder dimension must be an integer from 1 to 16000 (got ${String(e.dimension)}).`);
  }
}

function sameEmbedder(a: EmbedderInfo, b: EmbedderInfo): boolean {
  return a.provider === b.provider && a.model === b.model && a.dimension === b.dimension;
}

function checkCount(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`"${field}" must be a non-negative integer.`);
  return n;
}

/** Maps database failures to KairosErrors whose messages carry no SQL (the cause keeps it). */
function storeError(e: unknown, action: string): KairosError {
  if (e instanceof KairosError) return e;
  return new KairosError('internal', `The embedded store could not ${action}. If this keeps happening, restart Kairos and check its log.`, { cause: e });
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}

/** Serialises schema changes so concurrent ensure/drop/re-embed calls see each other's results. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

async function hasIndex(db: PGlite, quotedName: string): Promise<boolean> {
  const res = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [quotedName]);
  return res.rows[0]?.ok === true;
}

export class EmbeddedStore implements VectorStore {
  readonly kind = 'embedded';
  private readonly collections = new Map<string, Collection>();
  private readonly ddl = new Mutex();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly db: PGlite,
    private readonly lock: DataDirLock,
    readonly dataDir: string,
    /** How this open found its cluster (a new one from the template, or from initdb). */
    readonly started: StoreStart,
  ) {}

  /**
   * Opens (creating when absent) the store in `dataDir`. Takes the data dir's process lock
   * first: a second open, in this or another process, fails with `data_dir_locked`.
   */
  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const dataDir = resolve(options.dataDir);
    const lock = acquireDataDirLock(dataDir);
    let db: PGlite | undefined;
    let start: StoreStart;
    try {
      const pgDir = join(dataDir, 'pg');
      const template = options.template === undefined ? findDataDirTemplate() : (options.template ?? undefined);
      if (hasCluster(pgDir)) start = 'existing';
      else if (template) {
        seedFromTemplate(pgDir, template);
        start = 'template';
      } else start = 'initdb';
      mkdirSync(pgDir, { recursive: true });
      const poolMb = bufferPoolMb(folderBytes(join(pgDir, 'base')));
      try {
        db = await PGlite.create({ dataDir: pgDir, extensions: { vector }, startParams: startParams(poolMb) });
      } catch (e) {
        if (start !== 'template') throw e;
        // A template that does not start only costs the initdb it was meant to save.
        rmSync(pgDir, { recursive: true, force: true });
        mkdirSync(pgDir, { recursive: true });
        start = 'initdb';
        db = await PGlite.create({ dataDir: pgDir, extensions: { vector }, startParams: startParams(MIN_POOL_MB) });
      }
      await db.exec(META_DDL);
      await prepareDriver(db);
      const ef = Math.max(1, Math.min(1000, Math.floor(options.efSearch ?? DEFAULT_EF_SEARCH)));
      // iterative_scan keeps walking the graph when filters discard candidates, so a filtered
      // search still fills its window. relaxed_order is several times faster than strict_order
      // with selective filters; the search re-sorts its window by exact distance anyway.
      // The data dir is local and mostly cached: random reads cost about as much as sequential
      // ones, which lets the planner prefer the GIN and btree indexes where they help.
      await db.exec(`SET hnsw.ef_search = ${ef}; SET hnsw.iterative_scan = relaxed_order; SET maintenance_work_mem = '256MB'; SET random_page_cost = 1.1;`);
      const store = new EmbeddedStore(db, lock, dataDir, start);
      const meta = await db.query<MetaRow>(`SELECT * FROM ${META_TABLE}`);
      for (const r of meta.rows) {
        const t = tableNames(r.name);
        const c: Collection = { info: metaToInfo(r), t, changes: 0, analyzedRows: 0, rows: null, epoch: 0, keywords: null, hnsw: await hasIndex(db, t.hnsw) };
        store.collections.set(r.name, c);
        await store.migrate(c);
        // reltuples is -1 until a table is first analysed (e.g. a process killed mid-load).
        c.analyzedRows = await store.reltuples(c);
        if (c.analyzedRows < 0) await store.analyze(c);
        // A process stopped between a write and the index build leaves it to this open.
        if (!c.hnsw && c.analyzedRows >= HNSW_MIN_ROWS) await store.indexWhenLarge(c);
      }
      return store;
    } catch (e) {
      if (db) await db.close().catch(() => undefined);
      lock.release();
      throw storeError(e, `open its database in ${dataDir}`);
    }
  }

  /**
   * Brings a collection made by an earlier version up to date: it has the code-aware indexes, and
   * its content hashes follow the current duplicate rule (case, spacing and sentence punctuation ignored).
   */
  private async migrate(c: Collection): Promise<void> {
    for (const ddl of codeIndexDdl(c.t)) await this.db.exec(ddl);
    const key = `hash_rule:${c.info.name}`;
    const done = await this.db.query<{ value: string }>(`SELECT value FROM kairos_store_meta WHERE key = $1`, [key]);
    if (done.rows[0]?.value === HASH_RULE) return;
    const rows = await this.db.query<{ id: string; text: string }>(`SELECT id, text FROM ${c.t.rows}`);
    await this.db.transaction(async (tx) => {
      const ids = rows.rows.map((r) => r.id);
      const hashes = rows.rows.map((r) => contentHash(r.text));
      if (ids.length > 0) {
        await tx.query(`UPDATE ${c.t.rows} r SET content_hash = u.h FROM unnest($1::text[], $2::text[]) AS u(id, h) WHERE r.id = u.id`, [ids, hashes]);
      }
      await tx.query(`INSERT INTO kairos_store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2`, [key, HASH_RULE]);
    });
  }

  /** The collection's keyword index, loaded on first use. */
  private keywords(c: Collection): Promise<KeywordIndex> {
    if (!c.keywords) {
      const load = KeywordIndex.load(this.db, c.t);
      c.keywords = load;
      load.catch(() => {
        if (c.keywords === load) c.keywords = null; // let a later search try again
      });
    }
    return c.keywords;
  }

  /**
   * After a committed write: these memories into the keyword index, if it is loaded (or loading),
   * from the rows the write returned or else re-read.
   */
  private async reindex(c: Collection, ids: readonly string[], returned?: readonly DocRow[]): Promise<void> {
    const loaded = c.keywords;
    if (!loaded) return;
    try {
      const index = await loaded;
      if (returned) index.put(returned);
      else await index.refresh(this.db, ids);
    } catch {
      // The write has succeeded; an index that missed it is rebuilt from the table.
      if (c.keywords === loaded) c.keywords = null;
    }
  }

  private async reltuples(c: Collection): Promise<number> {
    const res = await this.db.query<{ n: number }>('SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass', [c.t.rows]);
    return res.rows[0]?.n ?? -1;
  }

  private async analyze(c: Collection): Promise<void> {
    await this.db.exec(`ANALYZE ${c.t.rows}`);
    c.analyzedRows = Math.max(0, await this.reltuples(c));
    c.changes = 0;
  }

  /** Counts written rows and refreshes statistics when enough have changed (see ANALYZE_FRACTION). */
  private async changed(c: Collection, rows: number): Promise<void> {
    c.changes += rows;
    if (c.changes < ANALYZE_MIN_CHANGES + ANALYZE_FRACTION * c.analyzedRows) return;
    // Best effort: the write itself has succeeded; a failed ANALYZE only leaves older statistics.
    await this.analyze(c).catch(() => undefined);
  }

  /** Builds the collection's HNSW index once it holds HNSW_MIN_ROWS memories. */
  private async indexWhenLarge(c: Collection): Promise<void> {
    if (c.hnsw) return;
    const sql = hnswIndexSql(c.t, c.info.embedder.dimension);
    if (!sql || (await this.count(c.info.name)) < HNSW_MIN_ROWS) return;
    await this.ddl.run(async () => {
      if (c.hnsw || this.collections.get(c.info.name) !== c) return;
      try {
        await this.db.exec(sql);
      } catch {
        return; // the write has succeeded; a later one tries again, and until then search is exact
      }
      c.hnsw = true;
    });
  }

  private alive(): void {
    if (this.closing) throw new KairosError('internal', 'The embedded store is closed.');
  }

  /** The collection, or null when absent (reads of a missing collection return empty results). */
  private find(name: string): Collection | null {
    this.alive();
    checkCollectionName(name);
    return this.collections.get(name) ?? null;
  }

  private require(name: string): Collection {
    const c = this.find(name);
    if (!c) throw new NotFoundError(`Space ${name} has no collection yet. Store a memory in it first.`);
    return c;
  }

  async getCollection(name: string): Promise<CollectionInfo | null> {
    const c = this.find(name);
    return c ? copyInfo(c.info) : null;
  }

  async listCollections(): Promise<CollectionInfo[]> {
    this.alive();
    return [...this.collections.values()].map((c) => copyInfo(c.info)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async ensureCollection(name: string, embedder: EmbedderInfo): Promise<CollectionInfo> {
    checkCollectionName(name);
    checkEmbedder(embedder);
    const existing = this.find(name);
    if (existing) return copyInfo(existing.info);
    return this.ddl.run(async () => {
      const again = this.find(name);
      if (again) return copyInfo(again.info);
      const t = tableNames(name);
      const info: CollectionInfo = {
        name,
        embedder: { provider: embedder.provider, model: embedder.model, dimension: embedder.dimension },
        createdAt: new Date().toISOString(),
      };
      try {
        await this.db.transaction(async (tx) => {
          for (const stmt of collectionDdl(t, embedder.dimension)) await tx.exec(stmt);
          await tx.query(`INSERT INTO kairos_store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2`, [
            `hash_rule:${name}`,
            HASH_RULE,
          ]);
          await tx.query(`INSERT INTO ${META_TABLE} (name, provider, model, dimension, created_at) VALUES ($1, $2, $3, $4, $5)`, [
            name,
            info.embedder.provider,
            info.embedder.model,
            info.embedder.dimension,
            info.createdAt,
          ]);
        });
      } catch (e) {
        throw storeError(e, `create the collection for space ${name}`);
      }
      this.collections.set(name, { info, t, changes: 0, analyzedRows: 0, rows: 0, epoch: 0, keywords: null, hnsw: false });
      return copyInfo(info);
    });
  }

  async dropCollection(name: string): Promise<void> {
    checkCollectionName(name);
    this.alive();
    await this.ddl.run(async () => {
      const t = tableNames(name);
      try {
        await this.db.transaction(async (tx) => {
          await tx.exec(`DROP TABLE IF EXISTS ${t.rows}, ${t.history}`);
          await tx.query(`DELETE FROM ${META_TABLE} WHERE name = $1`, [name]);
        });
      } catch (e) {
        throw storeError(e, `delete space ${name}`);
      }
      this.collections.delete(name);
    });
  }

  async insert(collection: string, memory: StoredMemory): Promise<void> {
    await this.insertMany(collection, [memory]);
  }

  /**
   * Inserts many memories in one transaction with multi-row INSERTs: all or none are stored.
   * A batch of 2000+ rows into a collection under 3x its size rebuilds the HNSW index once at
   * the end instead of growing it row by row (several times faster).
   */
  /**
   * Bulk path of insertMany: vectors go in by binary COPY into a staging table, the other
   * columns as one JSON document per chunk, joined by position in one INSERT … SELECT.
   */
  private async copyInsert(tx: Transaction, c: Collection, memories: readonly StoredMemory[], dim: number): Promise<void> {
    const stage = `kairos_stage_${dim}`;
    await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (ord int4 NOT NULL, v vector(${dim}) NOT NULL)`);
    for (let i = 0; i < memories.length; i += COPY_CHUNK) {
      const part = memories.slice(i, i + COPY_CHUNK);
      await tx.exec(`TRUNCATE ${stage}`);
      await tx.query(`COPY ${stage} FROM '/dev/blob' WITH (FORMAT binary)`, [], {
        blob: new Blob([
          vectorCopyData(
            part.map((m) => m.vector),
            dim,
          ),
        ]),
      });
      const docs = part.map((m, ord) => ({
        ord,
        id: m.id,
        text: m.text,
        tags: m.tags,
        source: m.source,
        source_kind: m.source.kind,
        content_hash: m.contentHash,
        version: m.version,
        created_at: m.createdAt,
        updated_at: m.updatedAt,
        updated_ms: toMillis(m.updatedAt, 'updatedAt'),
      }));
      await tx.query(
        `INSERT INTO ${c.t.rows} (id, text, tags, source, source_kind, content_hash, version, created_at, updated_at, updated_ms, vector)
         SELECT r.id, r.text, r.tags, r.source, r.source_kind, r.content_hash, r.version, r.created_at, r.updated_at, r.updated_ms, s.v
         FROM jsonb_to_recordset($1::jsonb) AS r(ord int4, id text, text text, tags text[], source jsonb, source_kind text,
              content_hash text, version int, created_at text, updated_at text, updated_ms bigint)
         JOIN ${stage} s ON s.ord = r.ord
         ORDER BY r.ord`,
        [JSON.stringify(docs)],
      );
    }
  }

  async insertMany(collection: string, memories: readonly StoredMemory[]): Promise<void> {
    const c = this.require(collection);
    if (memories.length === 0) return;
    const dim = c.info.embedder.dimension;
    const toRow = (m: StoredMemory): unknown[] => [
      m.id,
      m.text,
      m.tags,
      JSON.stringify(m.source),
      m.source.kind,
      m.contentHash,
      m.version,
      m.createdAt,
      m.updatedAt,
      toMillis(m.updatedAt, 'updatedAt'),
      vectorParam(m.vector, dim),
    ];
    for (const m of memories) {
      if (typeof m.id !== 'string' || !m.id) throw new InvalidInputError('Every memory needs an id.');
      checkVector(m.vector, dim);
    }
    const cols = '(id, text, tags, source, source_kind, content_hash, version, created_at, updated_at, updated_ms, vector)';
    const vtype = vectorType(dim);
    const vcast = vectorCast(dim);
    const chunk = (batch: unknown[][]): { sql: string; params: unknown[] } => {
      const p = new Params();
      const values = batch.map((r) => {
        const ph = r.map((v) => p.add(v));
        ph[2] += '::text[]';
        ph[3] += '::jsonb';
        ph[10] += `::${vcast}`;
        return `(${ph.join(', ')})`;
      });
      return { sql: `INSERT INTO ${c.t.rows} AS r ${cols} VALUES ${values.join(', ')}`, params: p.values };
    };
    const history = memories.flatMap((m) =>
      (m.history ?? []).map((h) => ({
        id: m.id,
        version: h.version,
        text: h.text,
        tags: h.tags,
        source: h.source,
        replaced_at: h.replacedAt,
        reason: h.reason,
      })),
    );
    // Imported history goes in the same transaction as its rows: a record lands whole or not at all.
    const insertHistory = async (tx: Transaction): Promise<void> => {
      if (history.length === 0) return;
      await tx.query(
        `INSERT INTO ${c.t.history} (id, version, text, tags, source, replaced_at, reason)
         SELECT r.id, r.version, r.text, r.tags, r.source, r.replaced_at, r.reason
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, version int4, text text, tags text[], source jsonb, replaced_at text, reason text)`,
        [JSON.stringify(history)],
      );
    };
    let returned: DocRow[] | undefined;
    try {
      if (memories.length === 1 && history.length === 0) {
        // One memory (remember): the row comes back with its terms for the keyword index.
        const { sql, params } = chunk(memories.map(toRow));
        returned = (await this.db.query<DocRow>(`${sql} RETURNING ${DOC_RETURNING}`, params)).rows;
      } else {
        await this.db.transaction(async (tx) => {
          const hnsw = hnswIndexSql(c.t, dim);
          let rebuild = false;
          if (hnsw && c.hnsw && memories.length >= BULK_REBUILD_MIN) {
            const n = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.t.rows}`);
            rebuild = (n.rows[0]?.n ?? 0) < BULK_REBUILD_RATIO * memories.length;
          }
          if (rebuild) await tx.exec(`DROP INDEX IF EXISTS ${c.t.hnsw}`);
          if (vtype.startsWith('vector(')) {
            await this.copyInsert(tx, c, memories, dim);
          } else {
            for (let i = 0; i < memories.length; i += INSERT_CHUNK) {
              const { sql, params } = chunk(memories.slice(i, i + INSERT_CHUNK).map(toRow));
              await tx.query(sql, params);
            }
          }
          await insertHistory(tx);
          if (rebuild && hnsw) await tx.exec(hnsw);
        });
      }
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new KairosError('conflict', `A memory with one of these ids already exists in space ${collection}.`, { cause: e });
      }
      throw storeError(e, `store memories in space ${collection}`);
    }
    c.epoch++;
    if (c.rows !== null) c.rows += memories.length;
    await this.reindex(
      c,
      memories.map((m) => m.id),
      returned,
    );
    await this.changed(c, memories.length);
    await this.indexWhenLarge(c);
  }

  async update(collection: string, change: StoreUpdate): Promise<void> {
    const c = this.require(collection);
    const m = change.memory;
    const v = vectorParam(change.vector, c.info.embedder.dimension);
    const updatedMs = toMillis(m.updatedAt, 'updatedAt');
    const prev = change.previous;
    // A changed text invalidates a vector already written for a pending re-embed.
    const resetNext = c.info.pendingEmbedder ? ', vector_next = NULL' : '';
    let returned: DocRow[];
    try {
      returned = await this.db.transaction(async (tx) => {
        const res = await tx.query<DocRow>(
          `UPDATE ${c.t.rows} AS r SET text = $2, tags = $3::text[], source = $4::jsonb, source_kind = $5, content_hash = $6,
             version = $7, created_at = $8, updated_at = $9, updated_ms = $10, vector = $11::${vectorCast(c.info.embedder.dimension)}${resetNext}
           WHERE id = $1 RETURNING ${DOC_RETURNING}`,
          [m.id, m.text, m.tags, JSON.stringify(m.source), m.source.kind, m.contentHash, m.version, m.createdAt, m.updatedAt, updatedMs, v],
        );
        if (!res.affectedRows) throw new NotFoundError(`No memory with id "${m.id}" in space ${collection}.`);
        await tx.query(`INSERT INTO ${c.t.history} (id, version, text, tags, source, replaced_at, reason) VALUES ($1, $2, $3, $4::text[], $5::jsonb, $6, $7)`, [
          m.id,
          prev.version,
          prev.text,
          prev.tags,
          JSON.stringify(prev.source),
          prev.replacedAt,
          prev.reason,
        ]);
        return res.rows;
      });
    } catch (e) {
      throw storeError(e, `update a memory in space ${collection}`);
    }
    await this.reindex(c, [m.id], returned);
    await this.changed(c, 1);
  }

  async setSource(collection: string, id: string, version: number, source: Memory['source']): Promise<boolean> {
    const c = this.find(collection);
    if (!c) return false;
    let applied: boolean;
    try {
      const res = await this.db.query(`UPDATE ${c.t.rows} SET source = $3::jsonb, source_kind = $4 WHERE id = $1 AND version = $2`, [
        id,
        version,
        JSON.stringify(source),
        source.kind,
      ]);
      applied = (res.affectedRows ?? 0) > 0;
    } catch (e) {
      throw storeError(e, `update a memory's source in space ${collection}`);
    }
    if (applied) await this.reindex(c, [id]);
    return applied;
  }

  async get(collection: string, id: string): Promise<Memory | null> {
    const c = this.find(collection);
    if (!c) return null;
    return this.one(c, collection, 'id = $1', id, 'read a memory');
  }

  async findByHash(collection: string, contentHash: string): Promise<Memory | null> {
    const c = this.find(collection);
    if (!c) return null;
    return this.one(c, collection, 'content_hash = $1', contentHash, 'look up a memory');
  }

  private async one(c: Collection, collection: string, cond: string, value: string, action: string): Promise<Memory | null> {
    try {
      const res = await this.db.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM ${c.t.rows} WHERE ${cond} ORDER BY seq LIMIT 1`, [value]);
      const row = res.rows[0];
      return row ? rowToMemory(collection, row) : null;
    } catch (e) {
      throw storeError(e, action);
    }
  }

  async history(collection: string, id: string): Promise<MemoryVersion[]> {
    const c = this.find(collection);
    if (!c) return [];
    try {
      const res = await this.db.query<VersionRow>(
        `SELECT version, text, tags, source, replaced_at, reason FROM ${c.t.history} WHERE id = $1 ORDER BY version, seq`,
        [id],
      );
      return res.rows.map(rowToVersion);
    } catch (e) {
      throw storeError(e, 'read the history of a memory');
    }
  }

  async delete(collection: string, id: string): Promise<boolean> {
    const c = this.find(collection);
    if (!c) return false;
    try {
      const deleted = await this.db.transaction(async (tx) => {
        const res = await tx.query(`DELETE FROM ${c.t.rows} WHERE id = $1`, [id]);
        await tx.query(`DELETE FROM ${c.t.history} WHERE id = $1`, [id]);
        return (res.affectedRows ?? 0) > 0;
      });
      if (deleted) {
        await this.reindex(c, [id]);
        c.epoch++;
        if (c.rows !== null) c.rows -= 1;
        await this.changed(c, 1);
      }
      return deleted;
    } catch (e) {
      throw storeError(e, `delete a memory in space ${collection}`);
    }
  }

  async nearest(collection: string, vec: Float32Array, k: number): Promise<StoreSearchHit[]> {
    const c = this.find(collection);
    checkCount(k, 'k');
    if (!c || k === 0) return [];
    try {
      const dim = c.info.embedder.dimension;
      // One query: the index scan reads the rows anyway (remember's similar check runs this on every write).
      const { sql, params } = denseSql({ t: c.t, vectorCast: vectorCast(dim), vector: vectorParam(vec, dim), window: k, withMemory: true });
      const res = await this.db.query<DenseRow & MemoryRow>(sql, params);
      return res.rows.map((r) => ({ memory: rowToMemory(collection, r), score: 1 - r.dist, similarity: 1 - r.dist, matchedBy: ['dense' as const] }));
    } catch (e) {
      throw storeError(e, `search space ${collection}`);
    }
  }

  /** Both legs' candidates, best first; the SQL side of both in one statement (search.ts legsSql). */
  private async legs(
    c: Collection,
    vec: Float32Array | undefined,
    text: string | undefined,
    filter: StoreSearchQuery['filter'],
    window: number,
  ): Promise<{ dense: DenseCandidate[]; keyword: KeywordCandidate[] }> {
    const index = text ? await this.keywords(c) : undefined;
    const dim = c.info.embedder.dimension;
    const input = vec ? { t: c.t, vectorCast: vectorCast(dim), vector: vectorParam(vec, dim), ...(filter ? { filter } : {}), window } : undefined;
    const { sql, params } = legsSql(input, text);
    const row = (await this.db.query<LegsRow>(sql, params)).rows[0];
    return {
      // A zero vector has no cosine distance to anything (NaN): no dense candidates then.
      dense: (row?.dense ?? []).flatMap(([id, updatedMs, dist]) => (Number.isFinite(dist) ? [{ id, similarity: 1 - dist, updatedMs: Number(updatedMs) }] : [])),
      keyword: index ? index.search(row?.terms ?? [], window, filter) : [],
    };
  }

  private async rowsById(c: Collection, ids: readonly string[]): Promise<Map<string, MemoryRow>> {
    if (ids.length === 0) return new Map();
    const res = await this.db.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM ${c.t.rows} WHERE id = ANY($1::text[])`, [ids]);
    return new Map(res.rows.map((r) => [r.id, r]));
  }

  async search(collection: string, query: StoreSearchQuery): Promise<StoreSearchHit[]> {
    const c = this.find(collection);
    const limit = checkCount(query.limit, 'limit');
    const offset = checkCount(query.offset, 'offset');
    const text = query.text?.trim();
    if (!c || limit === 0 || (!query.vector && !text)) return [];
    const params = { ...DEFAULT_FUSION, ...query.fusion };
    const window = Math.max(params.window, offset + limit);
    try {
      const { dense, keyword } = await this.legs(c, query.vector, text || undefined, query.filter, window);
      const page = fuseHybrid(dense, keyword, { ...params, window }, query.floor).slice(offset, offset + limit);
      const rows = await this.rowsById(
        c,
        page.map((h) => h.id),
      );
      return toSearchHits(page, rows, (row) => rowToMemory(collection, row));
    } catch (e) {
      throw storeError(e, `search space ${collection}`);
    }
  }

  async list(collection: string, query: StoreListQuery): Promise<Page<Memory>> {
    const c = this.find(collection);
    const limit = checkCount(query.limit, 'limit');
    if (!c || limit === 0) return { items: [] };
    const p = new Params();
    const conds = filterConditions(query.filter, p);
    if (query.cursor) {
      const cur = decodeCursor(query.cursor, { u: 'string', i: 'string' });
      const u = Number(cur.u);
      if (!Number.isSafeInteger(u)) throw new InvalidInputError('The cursor is not valid. Omit it to start over.');
      conds.push(`(updated_ms, id) < (${p.add(u)}, ${p.add(cur.i)})`);
    }
    try {
      const res = await this.db.query<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM ${c.t.rows} ${where(conds)} ORDER BY updated_ms DESC, id DESC LIMIT ${p.add(limit + 1)}`,
        p.values,
      );
      const items = res.rows.slice(0, limit).map((r) => rowToMemory(collection, r));
      const last = items[items.length - 1];
      if (res.rows.length > limit && last) {
        return { items, nextCursor: encodeCursor({ u: String(toMillis(last.updatedAt, 'updatedAt')), i: last.id }) };
      }
      return { items };
    } catch (e) {
      throw storeError(e, `list space ${collection}`);
    }
  }

  async count(collection: string): Promise<number> {
    const c = this.find(collection);
    if (!c) return 0;
    if (c.rows !== null) return c.rows;
    const epoch = c.epoch;
    const n = await this.countWhere(c, '', 'count memories');
    if (c.epoch === epoch) c.rows = n;
    return n;
  }

  private async countWhere(c: Collection, cond: string, action: string): Promise<number> {
    try {
      const res = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.t.rows} ${cond}`);
      return res.rows[0]?.n ?? 0;
    } catch (e) {
      throw storeError(e, action);
    }
  }

  /**
   * Starts (or resumes) moving a collection to another embedder: adds a `vector_next` column
   * that writeReembedded fills; the current vectors keep serving search until finishReembed.
   */
  async beginReembed(collection: string, target: EmbedderInfo): Promise<CollectionInfo> {
    checkEmbedder(target);
    this.require(collection);
    return this.ddl.run(async () => {
      const c = this.require(collection);
      const pending = c.info.pendingEmbedder;
      if (pending) {
        if (sameEmbedder(pending, target)) return copyInfo(c.info);
        throw new KairosError('conflict', `Space ${collection} is being re-embedded with ${pending.provider}/${pending.model}; finish that first.`);
      }
      try {
        await this.db.transaction(async (tx) => {
          await tx.exec(`ALTER TABLE ${c.t.rows} ADD COLUMN vector_next ${vectorType(target.dimension)}`);
          // MAIN, not PLAIN: while both vectors sit in one row (e.g. 1536-d old + 512-d new) the
          // row can exceed a page, and only a MAIN column may then move out of line.
          await tx.exec(`ALTER TABLE ${c.t.rows} ALTER COLUMN vector_next SET STORAGE MAIN`);
          // Pending rows leave this partial index as they are written, so each batch is found at once.
          await tx.exec(`CREATE INDEX ${c.t.pending} ON ${c.t.rows} (seq) WHERE vector_next IS NULL`);
          await tx.query(`UPDATE ${META_TABLE} SET pending_provider = $2, pending_model = $3, pending_dimension = $4 WHERE name = $1`, [
            collection,
            target.provider,
            target.model,
            target.dimension,
          ]);
        });
      } catch (e) {
        throw storeError(e, `start re-embedding space ${collection}`);
      }
      c.info = { ...c.info, pendingEmbedder: { provider: target.provider, model: target.model, dimension: target.dimension } };
      return copyInfo(c.info);
    });
  }

  async pendingReembed(collection: string, limit: number): Promise<Memory[]> {
    const c = this.find(collection);
    checkCount(limit, 'limit');
    if (!c?.info.pendingEmbedder || limit === 0) return [];
    try {
      const res = await this.db.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM ${c.t.rows} WHERE vector_next IS NULL ORDER BY seq LIMIT $1`, [limit]);
      return res.rows.map((r) => rowToMemory(collection, r));
    } catch (e) {
      throw storeError(e, `read memories to re-embed in space ${collection}`);
    }
  }

  async countPendingReembed(collection: string): Promise<number> {
    const c = this.find(collection);
    if (!c?.info.pendingEmbedder) return 0;
    return this.countWhere(c, 'WHERE vector_next IS NULL', `count memories to re-embed in space ${collection}`);
  }

  async writeReembedded(collection: string, vectors: Array<{ id: string; vector: Float32Array }>): Promise<void> {
    const c = this.require(collection);
    const target = c.info.pendingEmbedder;
    if (!target) throw new KairosError('conflict', `Space ${collection} is not being re-embedded; start a re-embed first.`);
    if (vectors.length === 0) return;
    const ids = vectors.map((v) => v.id);
    const literals = vectors.map((v) => vectorLiteral(v.vector, target.dimension));
    try {
      await this.db.query(
        `UPDATE ${c.t.rows} r SET vector_next = v.vec::${vectorType(target.dimension)}
         FROM unnest($1::text[], $2::text[]) AS v(id, vec) WHERE r.id = v.id`,
        [ids, literals],
      );
    } catch (e) {
      throw storeError(e, `store re-embedded vectors in space ${collection}`);
    }
  }

  /**
   * Switches the collection to the pending embedder in one transaction: the new vectors replace
   * the old column and the HNSW index is rebuilt. Fails while memories are still pending.
   */
  async finishReembed(collection: string): Promise<CollectionInfo> {
    this.require(collection);
    return this.ddl.run(async () => {
      const c = this.require(collection);
      const target = c.info.pendingEmbedder;
      if (!target) return copyInfo(c.info);
      const hnsw = hnswIndexSql(c.t, target.dimension);
      let indexed = false;
      try {
        await this.db.transaction(async (tx) => {
          // Counted inside the transaction: no write can slip in before the swap.
          const left = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.t.rows} WHERE vector_next IS NULL`)).rows[0]?.n ?? 0;
          if (left > 0) {
            throw new KairosError('conflict', `${left} memories in space ${collection} still need re-embedding; run the re-embed again to finish.`, {
              details: { pending: left },
            });
          }
          await tx.exec(`DROP INDEX IF EXISTS ${c.t.pending}`);
          await tx.exec(`DROP INDEX IF EXISTS ${c.t.hnsw}`);
          await tx.exec(`ALTER TABLE ${c.t.rows} DROP COLUMN vector`);
          await tx.exec(`ALTER TABLE ${c.t.rows} RENAME COLUMN vector_next TO vector`);
          await tx.exec(`ALTER TABLE ${c.t.rows} ALTER COLUMN vector SET NOT NULL`);
          await tx.exec(vectorStorageSql(c.t, 'vector', target.dimension));
          const rows = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.t.rows}`)).rows[0]?.n ?? 0;
          indexed = !!hnsw && rows >= HNSW_MIN_ROWS;
          if (hnsw && indexed) await tx.exec(hnsw);
          await tx.query(
            `UPDATE ${META_TABLE} SET provider = $2, model = $3, dimension = $4,
               pending_provider = NULL, pending_model = NULL, pending_dimension = NULL WHERE name = $1`,
            [collection, target.provider, target.model, target.dimension],
          );
        });
      } catch (e) {
        throw storeError(e, `finish re-embedding space ${collection}`);
      }
      c.info = { name: c.info.name, createdAt: c.info.createdAt, embedder: { ...target } };
      c.hnsw = indexed;
      await this.changed(c, Number.MAX_SAFE_INTEGER);
      return copyInfo(c.info);
    });
  }

  /** Checkpoints (so the next open replays no WAL), closes the database and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.ddl.run(async () => undefined);
      try {
        await this.db.exec('CHECKPOINT');
      } finally {
        try {
          await this.db.close();
        } finally {
          this.lock.release();
        }
      }
    })();
    return this.closing;
  }
}
