import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, fuseHybrid, type DenseCandidate, type KeywordCandidate } from '../../src/core/hybrid.js';

const d = (id: string, similarity: number, updatedMs = 0): DenseCandidate => ({ id, similarity, updatedMs });
const k = (id: string, score: number, coverage = 1, updatedMs = 0): KeywordCandidate => ({ id, score, coverage, updatedMs });

describe('hybrid fusion', () => {
  it('keeps the size of a keyword gap that rank fusion flattens', () => {
    // Near-identical facts by meaning; only one holds the query's rare identifier.
    const dense = [d('p8080', 0.95), d('p8081', 0.94), d('p8082', 0.93), d('p8083', 0.9)];
    const keyword = [k('p8083', 6.1), k('p8080', 1.2), k('p8081', 1.2), k('p8082', 1.2)];
    expect(fuseHybrid(dense, keyword, { ...DEFAULT_FUSION, recency: 0 })[0]!.id).toBe('p8083');
    expect(fuseHybrid(dense, keyword, { ...DEFAULT_FUSION, method: 'rrf', keywordWeight: 1, recency: 0 })[0]!.id).toBe('p8080');
  });

  it('ranks by weighted reciprocal rank with ranks from 1, deterministic on ties', () => {
    const hits = fuseHybrid([d('b', 0.9), d('a', 0.8)], [k('a', 2), k('b', 1)], { ...DEFAULT_FUSION, method: 'rrf', k: 60, keywordWeight: 1, recency: 0 });
    expect(hits.map((h) => [h.id, h.score])).toEqual([
      ['a', 1 / 62 + 1 / 61],
      ['b', 1 / 61 + 1 / 62],
    ]);
  });

  it('puts the newer of two equally good memories first with the recency prior', () => {
    const dense = [d('a-old', 0.8, 1000), d('b-new', 0.8, 2000)];
    expect(fuseHybrid(dense, [], { ...DEFAULT_FUSION, recency: 0 }).map((h) => h.id)).toEqual(['a-old', 'b-new']);
    expect(fuseHybrid(dense, [], DEFAULT_FUSION).map((h) => h.id)).toEqual(['b-new', 'a-old']);
    // Mild: a clearly better older memory still wins.
    expect(fuseHybrid([d('a-old', 0.9, 1000), d('b-new', 0.8, 2000)], [], DEFAULT_FUSION)[0]!.id).toBe('a-old');
  });

  it('drops hits below the relevance floor: weak meaning alone, or a keyword match on a minor part of the query', () => {
    const floor = { minSimilarity: 0.4, minCoverage: 0.2 };
    const hits = fuseHybrid([d('close', 0.55), d('vague', 0.2), d('both', 0.3)], [k('both', 3, 0.9), k('stopish', 1, 0.05)], DEFAULT_FUSION, floor);
    expect(hits.map((h) => h.id).sort()).toEqual(['both', 'close']);
    expect(fuseHybrid([d('vague', 0.2)], [], DEFAULT_FUSION, floor)).toEqual([]);
  });

  it('finds nothing for a query the model does not understand and no memory contains', () => {
    const floor = { minSimilarity: 0.3, minCoverage: 0.2, queryUnderstood: false };
    // "zzqqxx": nothing stored contains it, and the offline model still finds a 0.48 neighbour.
    expect(fuseHybrid([d('short', 0.48), d('other', 0.37)], [], DEFAULT_FUSION, floor)).toEqual([]);
    // An understood query without shared words keeps its close neighbours (a paraphrase).
    expect(fuseHybrid([d('short', 0.48), d('far', 0.2)], [], DEFAULT_FUSION, { ...floor, queryUnderstood: true }).map((h) => h.id)).toEqual(['short']);
    // A stored identifier grounds the query even when the model does not know the word.
    const grounded = fuseHybrid([d('short', 0.48), d('far', 0.2)], [k('kw', 2, 0.8)], DEFAULT_FUSION, floor);
    expect(grounded.map((h) => h.id).sort()).toEqual(['kw', 'short']);
  });
});
