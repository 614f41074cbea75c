import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/core/bm25.js';

const doc = (...terms: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
};

describe('the BM25 index', () => {
  it('matches any query term (OR) and ranks rare terms above common ones', () => {
    const idx = new Bm25Index();
    idx.set('a', doc('port', '8083', 'mail'));
    idx.set('b', doc('port', '8080', 'auth'));
    idx.set('c', doc('port', '8081', 'search'));
    const hits = idx.search(['port', '8083'], 10);
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(hits[0]!.matched).toBe(2);
    expect(hits[0]!.score).toBeGreaterThan(2 * hits[1]!.score);
  });

  it('computes Okapi BM25 exactly (k1 1.2, b 0.75)', () => {
    const idx = new Bm25Index();
    idx.set('x', doc('alpha', 'alpha', 'beta'));
    idx.set('y', doc('beta', 'gamma'));
    const [hit] = idx.search(['alpha'], 1);
    const idf = Math.log(1 + (2 - 1 + 0.5) / (1 + 0.5));
    const avg = (3 + 2) / 2;
    const expected = (idf * 2 * 2.2) / (2 + 1.2 * (1 - 0.75 + (0.75 * 3) / avg));
    expect(hit!.score).toBeCloseTo(expected, 12);
  });

  it('keeps term statistics exact across replace and delete, also after compaction', () => {
    const idx = new Bm25Index();
    for (let i = 0; i < 200; i++) idx.set(`d${i}`, doc('common', `t${i}`));
    for (let i = 0; i < 150; i++) idx.delete(`d${i}`);
    idx.set('d199', doc('other'));
    const fresh = new Bm25Index();
    for (let i = 150; i < 199; i++) fresh.set(`d${i}`, doc('common', `t${i}`));
    fresh.set('d199', doc('other'));
    expect(idx.size).toBe(50);
    expect(idx.search(['common', 't160'], 5)).toEqual(fresh.search(['common', 't160'], 5));
    expect(idx.search(['t10'], 5)).toEqual([]);
    expect(idx.idf('common')).toBeCloseTo(fresh.idf('common'), 12);
  });

  it('returns the best k with ties broken by id, and filters before ranking', () => {
    const idx = new Bm25Index();
    for (const id of ['e', 'c', 'a', 'd', 'b']) idx.set(id, doc('same'));
    expect(idx.search(['same'], 3).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(idx.search(['same'], 2, (id) => id > 'b').map((h) => h.id)).toEqual(['c', 'd']);
  });

  it('breaks ties by the whole id when ids share their first characters, are prefixes of each other or are not ASCII', () => {
    const ids = ['memory-0003', 'memory-0001', 'memory-00', 'memory-', 'mem', 'été-2', 'été-1', 'Z', 'memory-0002', 'ünï'];
    const idx = new Bm25Index();
    for (const id of ids) idx.set(id, doc('same'));
    const sorted = [...ids].sort((a, b) => (a < b ? -1 : 1));
    for (let k = 1; k <= ids.length; k++) expect(idx.search(['same'], k).map((h) => h.id)).toEqual(sorted.slice(0, k));
  });

  it('reports the share of the query it covers, counting a word found nowhere as the rarest', () => {
    const idx = new Bm25Index();
    idx.set('a', doc('deploy', 'friday'));
    idx.set('b', doc('deploy', 'monday'));
    const [full] = idx.search(['deploy', 'friday'], 1);
    expect(full!.coverage).toBeCloseTo(1, 12);
    const [part] = idx.search(['friday', 'zzqqxx'], 1);
    expect(part!.coverage).toBeGreaterThan(0);
    expect(part!.coverage).toBeLessThan(0.5);
    expect(idx.search(['zzqqxx'], 5)).toEqual([]);
  });

  it('ranks the top k of a large index exactly as a full sort would, search after search', () => {
    // Deterministic pseudo-random corpus: 3,000 documents over 40 words, many equal scores.
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const idx = new Bm25Index();
    for (let i = 0; i < 3000; i++)
      idx.set(`d${String(i).padStart(4, '0')}`, doc(...Array.from({ length: 1 + Math.floor(rand() * 8) }, () => words[Math.floor(rand() * 40)]!)));
    for (let i = 0; i < 3000; i += 7) idx.delete(`d${String(i).padStart(4, '0')}`);
    const everything = (q: string[], accept?: (id: string) => boolean) => idx.search(q, 1_000_000, accept);
    for (let round = 0; round < 20; round++) {
      const q = [words[Math.floor(rand() * 40)]!, words[Math.floor(rand() * 40)]!, 'absent'];
      const accept = round % 2 ? (id: string) => id.endsWith('3') : undefined;
      const all = everything(q, accept);
      // Sorted by score, then id; and the top 25 is its prefix, with the same numbers.
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        expect(a.score > b.score || (a.score === b.score && a.id < b.id)).toBe(true);
      }
      expect(idx.search(q, 25, accept)).toEqual(all.slice(0, 25));
      // The reused accumulators start from zero each time: the same search, the same answer.
      expect(idx.search(q, 25, accept)).toEqual(all.slice(0, 25));
    }
  });
});
