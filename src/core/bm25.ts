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
  /** Per slot: idKey(id), so ties compare numbers before strings. */
  private idKeys: number[] = [];
  private live: boolean[] = [];
  private terms: Array<string[] | null> = [];
  private readonly postings = new Map<string, Postings>();
  private totalLength = 0;
  private liveCount = 0;
  private tombstones = 0;
  /** Counts set and delete calls, so caches derived from the documents know they are stale. */
  private writes = 0;

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
    this.writes++;
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
    this.idKeys.push(idKey(id));
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
    this.writes++;
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
    const { k1 } = this.params;
    const norms = this.norms();
    const { scores, touched } = this.accumulators();
    const idfOf = new Map<string, number>();
    let touchedCount = 0;
    const absentIdf = Math.log(1 + (this.liveCount + 0.5) / 0.5);
    let queryIdf = 0;
    for (const term of new Set(queryTerms)) {
      const p = this.postings.get(term);
      if (!p) {
        queryIdf += absentIdf;
        continue;
      }
      const idf = this.idf(term);
      idfOf.set(term, idf);
      queryIdf += idf;
      const { docs, tfs } = p;
      for (let i = 0; i < docs.length; i++) {
        const slot = docs[i]!;
        if (!this.live[slot]) continue;
        const tf = tfs[i]!;
        const norm = norms[slot]!;
        // Every term adds a positive score, so a zero marks a slot this search has not touched yet.
        const score = scores[slot]!;
        if (score === 0) touched[touchedCount++] = slot;
        scores[slot] = score + (idf * tf * (k1 + 1)) / (tf + norm);
      }
    }
    // Rank slots, not hit objects: a common word touches most of a large index, and only the
    // best `limit` become hits.
    const hit = touched.subarray(0, touchedCount);
    const best = topSlots(hit, limit, scores, this.ids, this.idKeys, accept ? (slot) => accept(this.ids[slot]!) : undefined);
    // Which query terms a hit contains is read off its own terms, for the best `limit` only.
    const hits = best.map((slot) => {
      let matched = 0;
      let covered = 0;
      for (const term of this.terms[slot]!) {
        const idf = idfOf.get(term);
        if (idf === undefined) continue;
        matched++;
        covered += idf;
      }
      return { id: this.ids[slot]!, score: scores[slot]!, matched, coverage: queryIdf > 0 ? covered / queryIdf : 0 };
    });
    for (const slot of hit) scores[slot] = 0;
    return hits;
  }

  /**
   * Per slot: k1 · (1 − b + b · length / average length). Every write moves the average, so
   * the first search after writes recomputes them (~0.2 ms per 100k documents).
   */
  private normCache = { writes: -1, values: new Float64Array(0) };

  private norms(): Float64Array {
    const cache = this.normCache;
    if (cache.writes !== this.writes) {
      const n = this.lengths.length;
      if (cache.values.length < n) cache.values = new Float64Array(Math.max(1024, n * 2));
      const { k1, b } = this.params;
      const avg = this.totalLength / this.liveCount || 1;
      for (let slot = 0; slot < n; slot++) cache.values[slot] = k1 * (1 - b + (b * this.lengths[slot]!) / avg);
      cache.writes = this.writes;
    }
    return cache.values;
  }

  /** Score accumulators, one slot per document, reused by every search (zero between them). */
  private buffers = { scores: new Float64Array(0), touched: new Int32Array(0) };

  private accumulators(): { scores: Float64Array; touched: Int32Array } {
    if (this.buffers.scores.length < this.ids.length) {
      const size = Math.max(1024, this.ids.length * 2);
      this.buffers = { scores: new Float64Array(size), touched: new Int32Array(size) };
    }
    return this.buffers;
  }

  private compact(): void {
    const remap = new Map<number, number>();
    const ids: string[] = [];
    const idKeys: number[] = [];
    const lengths: number[] = [];
    const terms: Array<string[] | null> = [];
    this.ids.forEach((id, slot) => {
      if (!this.live[slot]) return;
      remap.set(slot, ids.length);
      this.slotOf.set(id, ids.length);
      ids.push(id);
      idKeys.push(this.idKeys[slot]!);
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
    this.idKeys = idKeys;
    this.lengths = lengths;
    this.terms = terms;
    this.live = ids.map(() => true);
    this.tombstones = 0;
  }
}

/**
 * An order-preserving number for the first 7 characters of an id when they are ASCII (7 bits
 * each: 49 bits, exact in a double), else NaN. Equal keys (or NaN) fall back to the strings.
 */
export function idKey(id: string): number {
  let key = 0;
  for (let i = 0; i < 7; i++) {
    const c = i < id.length ? id.charCodeAt(i) : 0;
    if (c > 127) return Number.NaN;
    key = key * 128 + c;
  }
  return key;
}

/**
 * The k best slots by score, best first, ties by id, without sorting all of them: a bounded
 * heap with the worst on top. A common word touches most of a large index, and most of those
 * slots are passed over on one comparison of numbers (ties on a number key, see idKey).
 */
function topSlots(
  slots: Int32Array,
  k: number,
  scores: Float64Array,
  ids: readonly string[],
  keys: readonly number[],
  accept?: (slot: number) => boolean,
): number[] {
  const better = (x: number, y: number): boolean => {
    const sx = scores[x]!;
    const sy = scores[y]!;
    if (sx !== sy) return sx > sy;
    const kx = keys[x]!;
    const ky = keys[y]!;
    return kx === ky || Number.isNaN(kx) || Number.isNaN(ky) ? ids[x]! < ids[y]! : kx < ky;
  };
  const heap: number[] = [];
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  let floor = -Infinity; // the worst kept score, once the heap is full
  for (let n = 0; n < slots.length; n++) {
    const slot = slots[n]!;
    if (heap.length === k) {
      const score = scores[slot]!;
      if (score < floor || (score === floor && !better(slot, heap[0]!))) continue;
    }
    if (accept && !accept(slot)) continue;
    if (heap.length < k) {
      heap.push(slot);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!better(heap[parent]!, heap[i]!)) break;
        swap(i, parent);
        i = parent;
      }
    } else {
      heap[0] = slot;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let worst = i;
        if (l < heap.length && better(heap[worst]!, heap[l]!)) worst = l;
        if (r < heap.length && better(heap[worst]!, heap[r]!)) worst = r;
        if (worst === i) break;
        swap(i, worst);
        i = worst;
      }
    }
    if (heap.length === k) floor = scores[heap[0]!]!;
  }
  return heap.sort((x, y) => (better(x, y) ? -1 : better(y, x) ? 1 : 0));
}
