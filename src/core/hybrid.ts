/**
 * Fusion of the dense and keyword legs of a hybrid search, and the relevance floor. Pure: every
 * store that searches both legs itself (embedded, Qdrant) ranks with this one function, so the
 * same query over the same memories ranks the same everywhere. Parameters were tuned on the
 * dev half of LongMemEval (`npm run eval`); see docs/retrieval.md for what each one did.
 */

import type { Memory } from './memory.js';
import type { StoreSearchHit } from './ports.js';

export interface DenseCandidate {
  id: string;
  /** Cosine similarity of the memory's best passage to the query. */
  similarity: number;
  updatedMs: number;
}

export interface KeywordCandidate {
  id: string;
  /** BM25 score. */
  score: number;
  /** Share of the query's IDF mass that the memory contains (0–1). */
  coverage: number;
  updatedMs: number;
}

export interface FusionParams {
  /**
   * rrf: Σ w / (k + rank). score: w_d · similarity + w_k · BM25 / best BM25, which keeps the
   * size of a gap (one memory holding the query's rare identifier) that ranks alone flatten.
   */
  method: 'rrf' | 'score';
  /** RRF constant: larger flattens the rank curve. */
  k: number;
  denseWeight: number;
  keywordWeight: number;
  /** Candidates each leg contributes (at least the page's end). */
  window: number;
  /** Weight of the recency prior: the newest candidate gains this share of its score. */
  recency: number;
}

export interface RelevanceFloor {
  /** Dense-only hits below this similarity are not relevant (undefined: no floor). */
  minSimilarity?: number;
  /**
   * False when the embedding model does not know the query's words ("zzqqxx", "🦄🦄🦄"): its
   * vector is then noise (the offline model puts "zzqqxx" at 0.48 of a short memory, above real
   * paraphrases at 0.22–0.40). If no memory holds a real share of the query's words either,
   * nothing is relevant.
   */
  queryUnderstood?: boolean;
  /** Keyword-only hits must cover at least this share of the query's IDF mass. */
  minCoverage: number;
}

/** Keyword-only hits must contain at least this share of the query's IDF mass (tuned by npm run eval). */
export const MIN_KEYWORD_COVERAGE = 0.2;
/** A query is understood by the model when at least this share of its words are words it knows. */
export const MIN_KNOWN_WORD_SHARE = 0.5;

// Tuned on the LongMemEval dev half (npm run eval; docs/retrieval.md has every setting tried).
export const DEFAULT_FUSION: FusionParams = { method: 'score', k: 60, denseWeight: 1, keywordWeight: 0.4, window: 100, recency: 0.05 };

export interface FusedHit {
  id: string;
  score: number;
  similarity?: number;
  denseRank?: number;
  keywordRank?: number;
}

/**
 * Weighted reciprocal-rank fusion (Σ w / (k + rank), ranks from 1) with a mild recency prior,
 * then the relevance floor. Deterministic: ties go to the lower id.
 */
export function fuseHybrid(
  dense: readonly DenseCandidate[],
  keyword: readonly KeywordCandidate[],
  params: FusionParams = DEFAULT_FUSION,
  floor?: RelevanceFloor,
): FusedHit[] {
  const acc = new Map<string, FusedHit & { updatedMs: number; coverage: number }>();
  const entry = (id: string, updatedMs: number): FusedHit & { updatedMs: number; coverage: number } => {
    let e = acc.get(id);
    if (!e) acc.set(id, (e = { id, score: 0, updatedMs, coverage: 0 }));
    return e;
  };
  const denseWindow = dense.slice(0, params.window);
  const keywordWindow = keyword.slice(0, params.window);
  const rrf = params.method === 'rrf';
  const bestKeyword = keywordWindow[0]?.score || 1;
  // A keyword hit outside the dense window is at most as similar as the window's last member.
  const floorSimilarity = denseWindow.length > 0 ? Math.max(0, denseWindow[denseWindow.length - 1]!.similarity) : 0;
  denseWindow.forEach((d, i) => {
    const e = entry(d.id, d.updatedMs);
    e.score += params.denseWeight * (rrf ? 1 / (params.k + i + 1) : d.similarity);
    e.similarity = d.similarity;
    e.denseRank = i + 1;
  });
  keywordWindow.forEach((h, i) => {
    const e = entry(h.id, h.updatedMs);
    e.score += params.keywordWeight * (rrf ? 1 / (params.k + i + 1) : h.score / bestKeyword);
    if (!rrf && e.denseRank === undefined && denseWindow.length > 0) e.score += params.denseWeight * floorSimilarity;
    e.keywordRank = i + 1;
    e.coverage = h.coverage;
  });
  let hits = [...acc.values()];
  if (floor) {
    const grounded = keywordWindow.some((h) => h.coverage >= floor.minCoverage);
    hits = grounded || floor.queryUnderstood !== false ? hits.filter((h) => relevant(h, floor)) : [];
  }
  if (params.recency > 0 && hits.length > 1) {
    // By rank of recency among the candidates, not by age: a prior that does not depend on
    // how old the memories are, only on which of them is newer.
    const byAge = [...hits].sort((a, b) => a.updatedMs - b.updatedMs);
    byAge.forEach((h, i) => (h.score *= 1 + (params.recency * i) / (byAge.length - 1)));
  }
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return hits.map(({ id, score, similarity, denseRank, keywordRank }) => ({
    id,
    score,
    ...(similarity !== undefined ? { similarity } : {}),
    ...(denseRank !== undefined ? { denseRank } : {}),
    ...(keywordRank !== undefined ? { keywordRank } : {}),
  }));
}

function relevant(h: { similarity?: number; keywordRank?: number; coverage: number }, floor: RelevanceFloor): boolean {
  if (h.keywordRank !== undefined && h.coverage >= floor.minCoverage) return true;
  if (h.similarity === undefined) return false;
  return floor.minSimilarity === undefined || h.similarity >= floor.minSimilarity;
}

/**
 * A fused page as search hits, in order, with the legs that found each; `rows` holds the
 * memories read for the page (one deleted between the legs and the read is left out).
 */
export function toSearchHits<R>(page: readonly FusedHit[], rows: ReadonlyMap<string, R>, memoryOf: (row: R) => Memory): StoreSearchHit[] {
  return page.flatMap((h) => {
    const row = rows.get(h.id);
    if (row === undefined) return [];
    const matchedBy: StoreSearchHit['matchedBy'] = [];
    if (h.denseRank !== undefined) matchedBy.push('dense');
    if (h.keywordRank !== undefined) matchedBy.push('keyword');
    return [{ memory: memoryOf(row), score: h.score, matchedBy, ...(h.similarity !== undefined ? { similarity: h.similarity } : {}) }];
  });
}
