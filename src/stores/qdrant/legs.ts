/**
 * Qdrant search hits → the candidates core/hybrid.ts fuses. Each leg is put in a total order
 * (score, then memory id) first: Qdrant returns equal scores in no stable order, and a rank
 * that moved between two calls would move a hit between pages.
 */
import type { DenseCandidate, KeywordCandidate } from '../../core/hybrid.js';
import type { SparseVector } from './sparse.js';

/** What each leg reads per hit: the memory id and the time the recency prior needs. */
export const LEG_PAYLOAD = ['id', 'updated_ms'];

interface LegPoint {
  score: number;
  payload?: Record<string, unknown> | null;
  vector?: unknown;
}

function byScoreThenId<T extends { id: string }>(score: (x: T) => number): (a: T, b: T) => number {
  return (a, b) => score(b) - score(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function idAndTime(p: LegPoint): { id: string; updatedMs: number } | null {
  const id = p.payload?.id;
  const ms = p.payload?.updated_ms;
  return typeof id === 'string' ? { id, updatedMs: typeof ms === 'number' ? ms : 0 } : null;
}

export function denseCandidates(points: readonly LegPoint[]): DenseCandidate[] {
  return points
    .flatMap((p) => {
      const k = idAndTime(p);
      return k ? [{ ...k, similarity: p.score }] : [];
    })
    .sort(byScoreThenId((c) => c.similarity));
}

/**
 * Keyword candidates. Qdrant does not report which query terms a point holds, so coverage is
 * the share of the query's distinct terms found in the point's stored sparse vector (the
 * embedded store weights that share by IDF, which Qdrant keeps to itself).
 */
export function keywordCandidates(points: readonly LegPoint[], query: SparseVector | null): KeywordCandidate[] {
  const terms = query?.indices ?? [];
  return points
    .flatMap((p) => {
      const k = idAndTime(p);
      if (!k) return [];
      const held = new Set(((p.vector as Record<string, SparseVector> | undefined)?.keywords?.indices ?? []) as number[]);
      const coverage = terms.length ? terms.filter((t) => held.has(t)).length / terms.length : 0;
      return [{ ...k, score: p.score, coverage }];
    })
    .sort(byScoreThenId((c) => c.score));
}
