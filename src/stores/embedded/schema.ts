/**
 * Table layout of the embedded store. One rows table and one history table per collection,
 * plus a meta table recording each collection's embedder.
 *
 * Identifiers: the rows table is named after the space. Derived names add a suffix after ':',
 * a character no space name can contain, so no collection's tables can collide with another's.
 * PostgreSQL truncates identifiers at 63 bytes, so long space names use a hash instead.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../core/errors.js';
import { isSpaceName } from '../../core/memory.js';

export const META_TABLE = 'kairos_collections';
export const SCHEMA_VERSION = 1;

/** Largest dimension pgvector's HNSW indexes with `vector`; above it columns are `halfvec`. */
const VECTOR_INDEX_MAX = 2000;

/**
 * The text search configuration of every row's `tsv`. A query's terms must be made with the same
 * one (search.ts), or they would not match the keyword index's terms.
 */
export const TEXT_SEARCH_CONFIG = 'english';
const HALFVEC_INDEX_MAX = 4000;
/** Room for the longest suffix (":history") within PostgreSQL's 63-byte identifiers. */
const MAX_BASE = 54;

export interface TableNames {
  rows: string;
  history: string;
  hnsw: string;
  tsv: string;
  tags: string;
  hash: string;
  updated: string;
  historyId: string;
  pending: string;
  repo: string;
  keys: string;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function checkCollectionName(name: string): void {
  if (typeof name !== 'string' || !isSpaceName(name)) {
    throw new InvalidInputError(`"${String(name).slice(0, 80)}" is not a valid space name (kairos_user_<id> or kairos_org_<id>).`);
  }
}

/** Quoted identifiers for a collection's tables and indexes; validates the name first. */
export function tableNames(collection: string): TableNames {
  checkCollectionName(collection);
  const base = collection.length <= MAX_BASE ? collection : `kairos_t_${createHash('sha256').update(collection).digest('hex').slice(0, 40)}`;
  const q = (suffix: string): string => quoteIdent(suffix ? `${base}:${suffix}` : base);
  return {
    rows: q(''),
    history: q('history'),
    hnsw: q('hnsw'),
    tsv: q('tsv'),
    tags: q('tags'),
    hash: q('hash'),
    updated: q('updated'),
    historyId: q('history_id'),
    pending: q('pending'),
    repo: q('repo'),
    keys: q('keys'),
  };
}

/**
 * Indexes for code-aware filters (core/code.ts): a scope's repo in list order, and its match keys
 * for "any of this file's keys". Without them "for this file" scanned every row (26× an
 * unfiltered page at 10k memories). IF NOT EXISTS: collections made before them get them at open.
 */
export function codeIndexDdl(t: TableNames): string[] {
  return [
    `CREATE INDEX IF NOT EXISTS ${t.repo} ON ${t.rows} ((source->'scope'->>'repo'), updated_ms, id)`,
    `CREATE INDEX IF NOT EXISTS ${t.keys} ON ${t.rows} USING gin ((source->'scope'->'keys')) WITH (fastupdate = off)`,
  ];
}

/** Column type for vectors of this dimension. */
export function vectorType(dimension: number): string {
  return dimension <= VECTOR_INDEX_MAX ? `vector(${dimension})` : `halfvec(${dimension})`;
}

/**
 * The cast after a vector parameter's placeholder (driver.ts). The parameter is always
 * typed `vector`, so it travels in pgvector's binary form; a halfvec column converts it in SQL.
 */
export function vectorCast(dimension: number): string {
  const v = `vector(${dimension})`;
  return dimension <= VECTOR_INDEX_MAX ? v : `${v}::halfvec(${dimension})`;
}

/**
 * Keeps vectors inside the row. By default pgvector values over ~2 KB move to TOAST, and every
 * distance computed outside the index (the SELECT list, exact scans) then costs a TOAST lookup:
 * measured 10x slower kNN at 512 dimensions. PLAIN never moves them; MAIN does only as a last
 * resort, for vectors too large to share a page with the rest of the row.
 */
export function vectorStorageSql(t: TableNames, column: 'vector', dimension: number): string {
  const bytes = dimension <= VECTOR_INDEX_MAX ? 4 * dimension + 8 : 2 * dimension + 8;
  return `ALTER TABLE ${t.rows} ALTER COLUMN ${column} SET STORAGE ${bytes <= 6200 ? 'PLAIN' : 'MAIN'}`;
}

/** HNSW index on the `vector` column, or null where pgvector cannot index that many dimensions. */
export function hnswIndexSql(t: TableNames, dimension: number): string | null {
  if (dimension > HALFVEC_INDEX_MAX) return null;
  const ops = dimension <= VECTOR_INDEX_MAX ? 'vector_cosine_ops' : 'halfvec_cosine_ops';
  return `CREATE INDEX ${t.hnsw} ON ${t.rows} USING hnsw (vector ${ops}) WITH (m = 16, ef_construction = 64)`;
}

export const META_DDL = `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS kairos_store_meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO kairos_store_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING;
CREATE TABLE IF NOT EXISTS ${META_TABLE} (
  name text PRIMARY KEY,
  provider text NOT NULL,
  model text NOT NULL,
  dimension int NOT NULL,
  created_at text NOT NULL,
  pending_provider text,
  pending_model text,
  pending_dimension int
);`;

/**
 * Rows: `updated_ms` (epoch ms) orders and filters by time without parsing the ISO strings,
 * which are kept verbatim; `tsv` is maintained by PostgreSQL so search never computes it;
 * `seq` gives re-embedding a stable oldest-first order. `id` sorts bytewise (COLLATE "C"), as
 * list's keyset order promises. toast_tuple_target keeps rows up to a page inline: with the
 * default, a row holding a 2 KB vector pushes `text` and `tsv` to TOAST, and ranking 300
 * full-text matches took 30 ms of TOAST lookups.
 */
export function collectionDdl(t: TableNames, dimension: number): string[] {
  return [
    `CREATE TABLE ${t.rows} (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      id text COLLATE "C" PRIMARY KEY,
      text text NOT NULL,
      tags text[] NOT NULL,
      source jsonb NOT NULL,
      source_kind text NOT NULL,
      content_hash text NOT NULL,
      version int NOT NULL,
      created_at text NOT NULL,
      updated_at text NOT NULL,
      updated_ms bigint NOT NULL,
      vector ${vectorType(dimension)} NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('${TEXT_SEARCH_CONFIG}', text)) STORED
    ) WITH (toast_tuple_target = 8160)`,
    vectorStorageSql(t, 'vector', dimension),
    // fastupdate off: PGlite runs no autovacuum, so a GIN pending list would never be merged
    // and every search would scan it linearly.
    `CREATE INDEX ${t.tsv} ON ${t.rows} USING gin (tsv) WITH (fastupdate = off)`,
    `CREATE INDEX ${t.tags} ON ${t.rows} USING gin (tags) WITH (fastupdate = off)`,
    `CREATE INDEX ${t.hash} ON ${t.rows} (content_hash)`,
    `CREATE INDEX ${t.updated} ON ${t.rows} (updated_ms, id)`,
    ...codeIndexDdl(t),
    `CREATE TABLE ${t.history} (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      id text NOT NULL,
      version int NOT NULL,
      text text NOT NULL,
      tags text[] NOT NULL,
      source jsonb NOT NULL,
      replaced_at text NOT NULL,
      reason text NOT NULL
    )`,
    `CREATE INDEX ${t.historyId} ON ${t.history} (id, version)`,
  ];
}
