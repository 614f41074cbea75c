/** Deterministic synthetic corpus: clustered unit vectors plus word-y texts for full text. */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

const WORDS =
  'cache index query vector postgres qdrant embed tenant token schema migrate deploy build test lint bundle route handler retry backoff timeout session cookie header pool thread worker queue stream batch shard replica commit branch merge review release config secret key rotate audit log metric trace span latency'.split(
    ' ',
  );

export interface Corpus {
  dim: number;
  vectors: Float32Array[];
  texts: string[];
  centroids: Float32Array[];
  directions: Float32Array[][];
}

/**
 * Real sentence embeddings lie near a low-dimensional manifold, not uniformly on the sphere:
 * each cluster here spans a few random directions (intrinsic dimension 8) plus small noise.
 */
const INTRINSIC = 8;

function sample(rand: () => number, c: Float32Array, dirs: readonly Float32Array[]): Float32Array {
  const v = Float32Array.from(c);
  for (const d of dirs) {
    const a = 0.35 * gaussian(rand);
    for (let j = 0; j < v.length; j++) v[j] = v[j]! + a * d[j]!;
  }
  const noise = 0.08 / Math.sqrt(v.length);
  for (let j = 0; j < v.length; j++) v[j] = v[j]! + noise * gaussian(rand);
  return normalise(v);
}

export function makeCorpus(n: number, dim: number, seed = 42, clusters = 100): Corpus {
  const rand = mulberry32(seed);
  const unit = () => normalise(Float32Array.from({ length: dim }, () => gaussian(rand)));
  const centroids = Array.from({ length: clusters }, unit);
  const directions = centroids.map(() => Array.from({ length: INTRINSIC }, unit));
  const vectors: Float32Array[] = [];
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    vectors.push(sample(rand, centroids[i % clusters]!, directions[i % clusters]!));
    const words = Array.from({ length: 12 }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    texts.push(`memo ${i} ${words.join(' ')}`);
  }
  return { dim, vectors, texts, centroids, directions };
}

export function makeQueries(corpus: Corpus, count: number, seed = 7): Array<{ vector: Float32Array; text: string }> {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const k = i % corpus.centroids.length;
    const vector = sample(rand, corpus.centroids[k]!, corpus.directions[k]!);
    const text = `${WORDS[Math.floor(rand() * WORDS.length)]} ${WORDS[Math.floor(rand() * WORDS.length)]}`;
    return { vector, text };
  });
}

/** Exact top-k by cosine (vectors are unit length, so dot product). */
export function bruteForceTopK(vectors: readonly Float32Array[], ids: readonly string[], q: Float32Array, k: number): string[] {
  const best: Array<{ id: string; s: number }> = [];
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i]!;
    let s = 0;
    for (let j = 0; j < v.length; j++) s += v[j]! * q[j]!;
    if (best.length < k || s > best[best.length - 1]!.s) {
      best.push({ id: ids[i]!, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.id);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
