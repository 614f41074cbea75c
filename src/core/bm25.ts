/**
 * An in-memory BM25 index (Robertson/Spärck Jones, Okapi weighting) over already-tokenised
 * documents, with OR semantics: a document scores for every query term it contains, so a
 * question matches the text that answers it without having to contain all of its words.
 *
 * Term statistics (document frequency, average length) are kept exact on every add, replace
 * and delete. Deleted documents leave tombstones in the posting lists that are skipped, and
 * the lists are compacted once tombstones pass a quarter of the documents.
 */

export interface Bm25Params {
  /** Term-frequency saturation; 1.2 is the usual value. */
  k1: number;
  /** Length normalisation from 0 (none) to 1 (full); 0.75 is the usual value. */
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** A document's terms with their frequencies (after stemming and stop-word removal). */
export type TermCounts = ReadonlyMap<string, number>;

export interface Bm25Hit {
  id: string;
  score: number;
  /** How many distinct query terms the document contains. */
  matched: number;
  /**
   * Share of the query's IDF mass the document contains (0–1). A query term found in no
   * document weighs as much as the rarest possible term: the query asks about something absent.
   */
  coverage: number;
}

interface Postings {
  docs: number[];
  tfs: number[];
  /** Live documents containing the term. */
  df: number;
}

export class Bm25Index {
  private readonly params: Bm25Params;
  private readonly slotOf = new Map<string, number>();
  private ids: string[] = [];
  private lengths: number[] = [];
  private live: boolean[] = [];
  private terms: Array<string[] | null> = [];
  private readonly postings = new Map<string, Postings>();
  private totalLength = 0;
  private liveCount = 0;
  private tombstones = 0;

  constructor(params: Partial<Bm25Params> = {}) {
    this.params = { ...DEFAULT_BM25, ...params };
  }

  get size(): number {
    return this.liveCount;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Adds a document, replacing any earlier version with the same id. */
  set(id: string, counts: TermCounts): void {
    this.delete(id);
    const slot = this.ids.length;
    let length = 0;
    const terms: string[] = [];
    for (const [term, tf] of counts) {
      if (tf <= 0) continue;
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { docs: [], tfs: [], df: 0 }));
      p.docs.push(slot);
      p.tfs.push(tf);
      p.df++;
      length += tf;
      terms.push(term);
    }
    this.ids.push(id);
    this.lengths.push(length);
    this.live.push(true);
    this.terms.push(terms);
    this.slotOf.set(id, slot);
    this.totalLength += length;
    this.liveCount++;
  }

  delete(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.slotOf.delete(id);
    this.live[slot] = false;
    for (const term of this.terms[slot] ?? []) {
      const p = this.postings.get(term);
      if (p && --p.df === 0) this.postings.delete(term);
    }
    this.terms[slot] = null;
    this.totalLength -= this.lengths[slot]!;
    this.liveCount--;
    if (++this.tombstones > 64 && this.tombstones > this.ids.length / 4) this.compact();
    return true;
  }

  /** Inverse document frequency (BM25's, never negative). */
  idf(term: string): number {
    const df = this.postings.get(term)?.df ?? 0;
    if (df === 0) return 0;
    return Math.log(1 + (this.liveCount - df + 0.5) / (df + 0.5));
  }

  /**
   * The best `limit` documents for the query terms, best first (ties by id). `accept` filters
   * documents (e.g. by tag) before they take a place in the ranking.
   */
  search(queryTerms: Iterable<string>, limit: number, accept?: (id: string) => boolean): Bm25Hit[] {
    if (limit <= 0 || this.liveCount === 0) return [];
    const { k1, b } = this.params;
    const avgLength = this.totalLength / this.liveCount || 1;
    // Dense accumulators: at 100k documents a typed array beats a Map several times over.
    const scores = new Float64Array(this.ids.length);
    const matched = new Uint16Array(this.ids.length);
    const covered = new Float64Array(this.ids.length);
    const touched: number[] = [];
    const absentIdf = Math.log(1 + (this.liveCount + 0.5) / 0.5);
    let queryIdf = 0;
    for (const term of new Set(queryTerms)) {
      const p = this.postings.get(term);
      if (!p) {
        queryIdf += absentIdf;
        continue;
      }
      const idf = this.idf(term);
      queryIdf += idf;
      for (let i = 0; i < p.docs.length; i++) {
        const slot = p.docs[i]!;
        if (!this.live[slot]) continue;
        const tf = p.tfs[i]!;
        const norm = k1 * (1 - b + (b * this.lengths[slot]!) / avgLength);
        if (matched[slot] === 0) touched.push(slot);
        scores[slot] = scores[slot]! + (idf * tf * (k1 + 1)) / (tf + norm);
        matched[slot] = matched[slot]! + 1;
        covered[slot] = covered[slot]! + idf;
      }
    }
    const hits: Bm25Hit[] = [];
    for (const slot of touched) {
      const id = this.ids[slot]!;
      if (accept && !accept(id)) continue;
      hits.push({ id, score: scores[slot]!, matched: matched[slot]!, coverage: queryIdf > 0 ? covered[slot]! / queryIdf : 0 });
    }
    return topK(hits, limit);
  }

  private compact(): void {
    const remap = new Map<number, number>();
    const ids: string[] = [];
    const lengths: number[] = [];
    const terms: Array<string[] | null> = [];
    this.ids.forEach((id, slot) => {
      if (!this.live[slot]) return;
      remap.set(slot, ids.length);
      this.slotOf.set(id, ids.length);
      ids.push(id);
      lengths.push(this.lengths[slot]!);
      terms.push(this.terms[slot]!);
    });
    for (const p of this.postings.values()) {
      const docs: number[] = [];
      const tfs: number[] = [];
      p.docs.forEach((slot, i) => {
        const to = remap.get(slot);
        if (to !== undefined) {
          docs.push(to);
          tfs.push(p.tfs[i]!);
        }
      });
      p.docs = docs;
      p.tfs = tfs;
    }
    this.ids = ids;
    this.lengths = lengths;
    this.terms = terms;
    this.live = ids.map(() => true);
    this.tombstones = 0;
  }
}

function better(a: Bm25Hit, b: Bm25Hit): boolean {
  return a.score > b.score || (a.score === b.score && a.id < b.id);
}

/** The k best hits, best first, without sorting all of them (a bounded min-heap). */
function topK(hits: Bm25Hit[], k: number): Bm25Hit[] {
  if (hits.length <= k) return hits.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const heap: Bm25Hit[] = [];
  const sift = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && better(heap[worst]!, heap[l]!)) worst = l;
      if (r < heap.length && better(heap[worst]!, heap[r]!)) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (const h of hits) {
    if (heap.length < k) {
      heap.push(h);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!better(heap[parent]!, heap[i]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (better(h, heap[0]!)) {
      heap[0] = h;
      sift(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}
