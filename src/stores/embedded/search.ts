/**
 * Hybrid search as one SQL statement: a dense kNN leg (HNSW, cosine) and a full-text leg
 * (tsvector GIN), each filtered and cut to the same candidate window, fused by reciprocal rank
 * fusion (score = Σ 1/(k + rank)) in SQL so only the requested page leaves the database.
 */
import { RRF_K } from '../../core/fusion.js';
import type { MemoryFilter } from '../../core/memory.js';
import type { TableNames } from './schema.js';
import { filterConditions, memoryColumns, Params, where } from './sql.js';

/** Smallest candidate window per leg; a larger page (offset + limit) widens it. */
export const MIN_WINDOW = 50;
/** Most full-text matches the keyword leg ranks (the most recently updated ones). */
export const KEYWORD_CANDIDATES = 1000;

export interface SearchSqlInput {
  t: TableNames;
  /** Column type to cast the query vector to, e.g. `vector(512)`. */
  vectorType: string;
  /** pgvector literal of the query vector; omitted for keyword-only search. */
  vector?: string;
  /** Keyword query as the user typed it; omitted or blank for vector-only search. */
  text?: string;
  filter?: MemoryFilter;
  limit: number;
  offset: number;
}

/** Result row: the memory's columns plus the fusion facts. */
export interface SearchRow {
  score: number;
  similarity: number | null;
  dense_rank: number | null;
  keyword_rank: number | null;
}

export function searchSql(input: SearchSqlInput): { sql: string; params: unknown[] } {
  const { t } = input;
  const p = new Params();
  const window = Math.max(MIN_WINDOW, input.offset + input.limit);
  const w = p.add(window);

  let dense = 'SELECT NULL::text AS id, NULL::float8 AS dist, NULL::int AS rank WHERE false';
  if (input.vector !== undefined) {
    const v = `${p.add(input.vector)}::${input.vectorType}`;
    const conds = where(filterConditions(input.filter, p));
    dense = `SELECT id, dist, (row_number() OVER (ORDER BY dist, id))::int AS rank FROM (
      SELECT id, vector <=> ${v} AS dist FROM ${t.rows} ${conds} ORDER BY vector <=> ${v} LIMIT ${w}
    ) d`;
  }

  let keyword = 'SELECT NULL::text AS id, NULL::int AS rank WHERE false';
  const text = input.text?.trim();
  if (text) {
    // websearch_to_tsquery accepts any input (quotes, "or", "-word") and never raises a syntax error.
    const q = `websearch_to_tsquery('english', ${p.add(text)})`;
    const conds = ['r.tsv @@ q.q', ...filterConditions(input.filter, p, 'r')];
    // Ranking reads every match: a term found in half of 100k memories took ~60 ms. Only the
    // newest KEYWORD_CANDIDATES matches are ranked, which bounds the leg (rare terms are unaffected).
    keyword = `SELECT id, (row_number() OVER (ORDER BY kr DESC, id))::int AS rank FROM (
      SELECT c.id, ts_rank_cd(c.tsv, c.q) AS kr FROM (
        SELECT r.id, r.tsv, q.q FROM ${t.rows} r, ${q} AS q(q) ${where(conds)} ORDER BY r.updated_ms DESC LIMIT ${KEYWORD_CANDIDATES}
      ) c ORDER BY kr DESC, c.id LIMIT ${w}
    ) k`;
  }

  const sql = `WITH dense AS (${dense}), keyword AS (${keyword}),
    fused AS (
      SELECT coalesce(d.id, k.id) AS id,
        coalesce(1.0::float8 / (${RRF_K} + d.rank), 0) + coalesce(1.0::float8 / (${RRF_K} + k.rank), 0) AS score,
        1 - d.dist AS similarity, d.rank AS dense_rank, k.rank AS keyword_rank
      FROM dense d FULL JOIN keyword k ON d.id = k.id
    )
    SELECT f.score, f.similarity, f.dense_rank, f.keyword_rank, ${memoryColumns('r')}
    FROM fused f JOIN ${t.rows} r ON r.id = f.id
    ORDER BY f.score DESC, f.dense_rank NULLS LAST, f.keyword_rank NULLS LAST, f.id
    LIMIT ${p.add(input.limit)} OFFSET ${p.add(input.offset)}`;
  return { sql, params: p.values };
}
