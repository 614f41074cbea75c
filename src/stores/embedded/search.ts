/**
 * The SQL side of hybrid search: the nearest rows by cosine distance (HNSW, with the filter
 * applied inside the index scan), and the query's terms for the keyword leg. The keyword leg
 * itself (keywords.ts) and the fusion (core/hybrid.ts) run in the process.
 */
import type { MemoryFilter } from '../../core/memory.js';
import type { TableNames } from './schema.js';
import { filterConditions, MEMORY_COLUMNS, Params, where } from './sql.js';

export interface DenseSqlInput {
  t: TableNames;
  /** Cast after the query vector's placeholder (schema.ts vectorCast), e.g. `vector(512)`. */
  vectorCast: string;
  /** The query vector in binary form (driver.ts). */
  vector: Uint8Array;
  filter?: MemoryFilter;
  /** Memories to return, best first. */
  window: number;
  /** Also return each memory's columns (MEMORY_COLUMNS), saving a second query where all are used. */
  withMemory?: boolean;
}

export interface DenseRow {
  id: string;
  dist: number;
  updated_ms: string | number;
}

/** The HNSW scan, approximate order, no outer sort. */
function nearestScan(input: DenseSqlInput, p: Params, cols: string): string {
  const v = `${p.add(input.vector)}::${input.vectorCast}`;
  const conds = where(filterConditions(input.filter, p));
  return `SELECT ${cols}, vector <=> ${v} AS dist FROM ${input.t.rows} ${conds} ORDER BY vector <=> ${v} LIMIT ${p.add(input.window)}`;
}

export function denseSql(input: DenseSqlInput): { sql: string; params: unknown[] } {
  const p = new Params();
  const cols = input.withMemory ? `${MEMORY_COLUMNS}, updated_ms` : 'id, updated_ms';
  // The HNSW scan returns approximate order; the outer sort makes ties and order exact.
  const sql = `SELECT * FROM (${nearestScan(input, p, cols)}) d ORDER BY dist, id`;
  return { sql, params: p.values };
}

/** The query's terms exactly as the rows' `tsv` was made (english), so they match the index's. */
const TERMS = (text: string): string => `SELECT lexeme FROM unnest(to_tsvector('english', ${text}))`;

/** A row of denseAndTermsSql: a query term (`term` set) or a dense candidate. */
export interface DenseOrTermRow {
  term: string | null;
  id: string | null;
  updated_ms: string | number | null;
  dist: number | null;
}

/**
 * The dense leg and the query's terms in one statement: each statement costs PGlite a fixed
 * ~0.3–0.5 ms of protocol round trips, and a search needs both. Dense rows come back in
 * approximate order; `splitDenseAndTerms` sorts them exactly.
 */
export function denseAndTermsSql(input: DenseSqlInput, text: string): { sql: string; params: unknown[] } {
  const p = new Params();
  const sql = `SELECT lexeme AS term, NULL AS id, NULL::bigint AS updated_ms, NULL::float8 AS dist FROM (${TERMS(p.add(text))}) q
    UNION ALL SELECT NULL, id, updated_ms, dist FROM (${nearestScan(input, p, 'id, updated_ms')}) d`;
  return { sql, params: p.values };
}

export function splitDenseAndTerms(rows: readonly DenseOrTermRow[]): { terms: string[]; dense: DenseRow[] } {
  const terms: string[] = [];
  const dense: DenseRow[] = [];
  for (const r of rows) {
    if (r.term !== null) terms.push(r.term);
    else if (r.id !== null && r.dist !== null && r.updated_ms !== null) dense.push({ id: r.id, dist: r.dist, updated_ms: r.updated_ms });
  }
  dense.sort((a, b) => a.dist - b.dist || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { terms, dense };
}

export function termsSql(text: string): { sql: string; params: unknown[] } {
  const p = new Params();
  return { sql: TERMS(p.add(text)), params: p.values };
}
