/** Reciprocal rank fusion (Cormack et al. 2009): score = Σ 1 / (k + rank). */

export const RRF_K = 60;

export interface Ranked<T> {
  key: string;
  item: T;
}

/**
 * Fuses ranked lists (best first) into one ranking. Items found by several lists add up;
 * ties keep the order of first appearance, so the result is deterministic.
 */
export function reciprocalRankFusion<T>(lists: ReadonlyArray<ReadonlyArray<Ranked<T>>>, k: number = RRF_K): Array<{ key: string; item: T; score: number }> {
  const acc = new Map<string, { item: T; score: number; first: number }>();
  let order = 0;
  for (const list of lists) {
    list.forEach((entry, rank) => {
      const add = 1 / (k + rank + 1);
      const prev = acc.get(entry.key);
      if (prev) prev.score += add;
      else acc.set(entry.key, { item: entry.item, score: add, first: order++ });
    });
  }
  return [...acc.entries()].sort((a, b) => b[1].score - a[1].score || a[1].first - b[1].first).map(([key, v]) => ({ key, item: v.item, score: v.score }));
}
