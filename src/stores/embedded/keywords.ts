/**
 * The keyword leg of the embedded store: a BM25 index per collection held in memory, built from
 * the terms PostgreSQL already stores in each row's `tsv` (english stemming and stop words), and
 * kept current by every write. This process owns the data dir, so no other writer can make it
 * stale. Full-text search in SQL could not do this well: `websearch_to_tsquery` needs every
 * query word in one memory, and `ts_rank_cd` has no inverse document frequency.
 */
import { Bm25Index } from '../../core/bm25.js';
import { pathKeys } from '../../core/code.js';
import type { KeywordCandidate } from '../../core/hybrid.js';
import { normaliseTags, type MemoryFilter, type SourceKind } from '../../core/memory.js';
import type { TableNames } from './schema.js';
import { toMillis } from './sql.js';

/** The part of PGlite's API the index needs (a PGlite or a transaction). */
export interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface DocRow {
  id: string;
  tags: string[];
  source_kind: string;
  repo: string | null;
  keys: string[] | null;
  anchor_state: string | null;
  updated_ms: string | number;
  lexemes: string[] | null;
  tfs: number[] | null;
}

/** What filters read, kept beside the index so a filtered keyword search needs no SQL. */
interface DocMeta {
  tags: ReadonlySet<string>;
  kind: string;
  updatedMs: number;
  repo: string | undefined;
  keys: readonly string[];
  /** undefined: not anchored; 'fresh' also for an anchor never checked. */
  anchorState: 'fresh' | 'stale' | undefined;
}

/** What the index keeps of a row `r`, but its terms: DocRow's fields, in this order. */
const META_FIELDS: ReadonlyArray<readonly [keyof DocRow, string]> = [
  ['id', 'r.id'],
  ['tags', 'r.tags'],
  ['source_kind', 'r.source_kind'],
  ['updated_ms', 'r.updated_ms'],
  ['repo', "r.source->'scope'->>'repo'"],
  ['keys', "ARRAY(SELECT jsonb_array_elements_text(coalesce(r.source->'scope'->'keys', '[]'::jsonb)))"],
  ['anchor_state', "CASE WHEN r.source ? 'anchor' THEN coalesce(r.source->'anchor'->'status'->>'state', 'fresh') END"],
];
const META_COLUMNS = META_FIELDS.map(([name, expr]) => `${expr} AS ${name}`).join(', ');
// Term frequency = the number of positions PostgreSQL recorded (a lexeme without positions counts once).
const TF = 'coalesce(array_length(positions, 1), 1)';
const TERMS = `LATERAL (SELECT array_agg(lexeme) AS lexemes, array_agg(${TF}) AS tfs FROM unnest(r.tsv)) t`;
const DOC_SELECT = `SELECT ${META_COLUMNS}, t.lexemes, t.tfs FROM %ROWS% r, ${TERMS}`;
/**
 * The load reads the table in page ranges (TID range scans), each range's documents as one JSON
 * value: PGlite decodes every field of every row separately, which made a 100k load take ~4 s
 * against ~2 s this way. 4,096 pages hold ~12k memories, a few MB of JSON.
 */
const LOAD_PAGES = 4096;
const DOC_JSON = `SELECT json_agg(json_build_array(${META_FIELDS.map(([, expr]) => expr).join(', ')}, t.lexemes, t.tfs)) AS docs
  FROM %ROWS% r, ${TERMS} WHERE r.ctid >= $1::tid AND r.ctid < $2::tid`;

/** A DOC_JSON array as a DocRow (the same fields, in META_FIELDS order, then the terms). */
function docRow(doc: readonly unknown[]): DocRow {
  const [id, tags, source_kind, updated_ms, repo, keys, anchor_state, lexemes, tfs] = doc;
  return { id, tags, source_kind, updated_ms, repo, keys, anchor_state, lexemes, tfs } as DocRow;
}

/**
 * A RETURNING list (the written row aliased `r`) with everything the index keeps of it, so a
 * write hands its row to the index without a second statement (`put`). unnest(tsvector) yields
 * lexemes in their sorted order, so the two arrays line up.
 */
export const DOC_RETURNING = `${META_COLUMNS}, (SELECT array_agg(lexeme) FROM unnest(r.tsv)) AS lexemes,
  (SELECT array_agg(${TF}) FROM unnest(r.tsv)) AS tfs`;

export class KeywordIndex {
  private readonly bm25 = new Bm25Index();
  private readonly meta = new Map<string, DocMeta>();

  private constructor(private readonly t: TableNames) {}

  /**
   * Reads every row's terms, one page range per statement (~2 s for 100k memories here). A row
   * written meanwhile reaches the index through the write's own reindex, which waits for the load.
   */
  static async load(db: Queryable, t: TableNames, pagesPerStatement = LOAD_PAGES): Promise<KeywordIndex> {
    const index = new KeywordIndex(t);
    const size = await db.query<{ pages: number }>(`SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS pages`, [t.rows]);
    const pages = size.rows[0]?.pages ?? 0;
    const sql = DOC_JSON.replace('%ROWS%', t.rows);
    for (let from = 0; from < pages; from += pagesPerStatement) {
      const res = await db.query<{ docs: unknown[][] | null }>(sql, [`(${from},0)`, `(${from + pagesPerStatement},0)`]);
      for (const doc of res.rows[0]?.docs ?? []) index.add(docRow(doc));
    }
    return index;
  }

  get size(): number {
    return this.bm25.size;
  }

  /** Re-reads the given memories after a write: present ones are (re)indexed, missing ones removed. */
  async refresh(db: Queryable, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const res = await db.query<DocRow>(`${DOC_SELECT.replace('%ROWS%', this.t.rows)} WHERE r.id = ANY($1::text[])`, [ids]);
    const found = new Set<string>();
    for (const row of res.rows) {
      this.add(row);
      found.add(row.id);
    }
    for (const id of ids) if (!found.has(id)) this.remove(id);
  }

  /** (Re)indexes rows a write returned (DOC_RETURNING). */
  put(rows: readonly DocRow[]): void {
    for (const row of rows) this.add(row);
  }

  remove(id: string): void {
    this.bm25.delete(id);
    this.meta.delete(id);
  }

  search(terms: readonly string[], limit: number, filter: MemoryFilter | undefined): KeywordCandidate[] {
    const accept = acceptor(filter);
    return this.bm25
      .search(terms, limit, accept ? (id) => accept(this.meta.get(id)) : undefined)
      .map((h) => ({ id: h.id, score: h.score, coverage: h.coverage, updatedMs: this.meta.get(h.id)?.updatedMs ?? 0 }));
  }

  private add(row: DocRow): void {
    const counts = new Map<string, number>();
    (row.lexemes ?? []).forEach((lexeme, i) => counts.set(lexeme, row.tfs?.[i] ?? 1));
    this.bm25.set(row.id, counts);
    this.meta.set(row.id, {
      tags: new Set(row.tags),
      kind: row.source_kind,
      updatedMs: Number(row.updated_ms),
      repo: row.repo ?? undefined,
      keys: row.keys ?? [],
      anchorState: row.anchor_state === 'stale' ? 'stale' : row.anchor_state === null ? undefined : 'fresh',
    });
  }
}

/** The same rule as sql.ts filterConditions: all tags, any source kind, inclusive time bounds, repo, path keys, anchor state. */
function acceptor(filter: MemoryFilter | undefined): ((m: DocMeta | undefined) => boolean) | undefined {
  if (!filter) return undefined;
  const tags = normaliseTags(filter.tags);
  const kinds = filter.sourceKinds && filter.sourceKinds.length > 0 ? new Set<SourceKind | string>(filter.sourceKinds) : undefined;
  const since = filter.since !== undefined ? toMillis(filter.since, 'since') : undefined;
  const until = filter.until !== undefined ? toMillis(filter.until, 'until') : undefined;
  const keys = filter.path !== undefined ? new Set(pathKeys(filter.path)) : undefined;
  const { repo } = filter;
  const anchorState = filter.stale === undefined ? undefined : filter.stale ? 'stale' : 'fresh';
  if (tags.length === 0 && !kinds && since === undefined && until === undefined && repo === undefined && !keys && !anchorState) return undefined;
  return (m) =>
    !!m &&
    tags.every((tag) => m.tags.has(tag)) &&
    (!kinds || kinds.has(m.kind)) &&
    (since === undefined || m.updatedMs >= since) &&
    (until === undefined || m.updatedMs <= until) &&
    (repo === undefined || m.repo === repo) &&
    (!keys || m.keys.some((k) => keys.has(k))) &&
    (!anchorState || m.anchorState === anchorState);
}
