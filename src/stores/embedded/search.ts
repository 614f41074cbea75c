/**
 * The dense leg of hybrid search in SQL: the nearest rows by cosine distance (HNSW, with the
 * filter applied inside the index scan). The keyword leg (keywords.ts) and the fusion
 * (core/hybrid.ts) run in the process.
 */
import type { MemoryFilter } from '../../core/memory.js';
import type { TableNames } from './schema.js';
import { filterConditions, MEMORY_COLUMNS, Params, where } from './sql.js';

export interface DenseSqlInput {
  t: TableNames;
  /** Column type to cast the query vector to, e.g. `vector(512)`. */
  vectorType: string;
  /** pgvector literal of the query vector. */
  vector: string;
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

export function denseSql(input: DenseSqlInput): { sql: string; params: unknown[] } {
  const p = new Params();
  const v = `${p.add(input.vector)}::${input.vectorType}`;
  const conds = where(filterConditions(input.filter, p));
  // The HNSW scan returns approximate order; the outer sort makes ties and order exact.
  const cols = input.withMemory ? `${MEMORY_COLUMNS}, updated_ms` : 'id, updated_ms';
  const sql = `SELECT * FROM (
      SELECT ${cols}, vector <=> ${v} AS dist FROM ${input.t.rows} ${conds} ORDER BY vector <=> ${v} LIMIT ${p.add(input.window)}
    ) d ORDER BY dist, id`;
  return { sql, params: p.values };
}
