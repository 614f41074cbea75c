/**
 * Keyword vectors for Qdrant's sparse "keywords" vector: text → tokens → hashed indices with
 * counts. The collection applies IDF (modifier "idf"), so documents carry raw term counts and
 * queries carry 1 per distinct term. Pure and deterministic: documents and queries must hash
 * alike across processes and releases, so changing anything here requires a re-index.
 */

export interface SparseVector {
  indices: number[];
  values: number[];
}

/** Common English words that carry no keyword signal. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by for from has have he her his i if in into is it its of on or our she ' +
    'so than that the their them then there these they this to was we were what when where which who ' +
    'will with you your not no do does did can could should would my me us also just'
  ).split(' '),
);

const MAX_TOKEN_CHARS = 64;

/**
 * Lower-cased word tokens: letters and digits (any script), stop words and one-character
 * tokens dropped. Identifiers are also split at camelCase boundaries ("parseHttpRequest"
 * gives "parsehttprequest", "parse", "http", "request"); snake_case and kebab-case split anyway.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    const parts = word.split(/(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u);
    const whole = word.toLowerCase();
    push(out, whole);
    if (parts.length > 1) for (const p of parts) push(out, p.toLowerCase());
  }
  return out;
}

function push(out: string[], token: string): void {
  if (token.length < 2 || token.length > MAX_TOKEN_CHARS || STOP_WORDS.has(token)) return;
  out.push(token);
}

/** 32-bit FNV-1a over the token's UTF-8 bytes, kept within 31 bits (a safe Qdrant sparse index). */
export function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(token, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}

function toSparse(counts: Map<number, number>): SparseVector {
  const indices = [...counts.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => counts.get(i)!) };
}

/** Document vector: each hashed token with its count (colliding tokens add up). */
export function documentSparse(text: string): SparseVector {
  const counts = new Map<number, number>();
  for (const t of tokenize(text)) {
    const h = hashToken(t);
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return toSparse(counts);
}

/** Query vector: 1 for each distinct hashed token. Empty when the text has no keywords. */
export function querySparse(text: string): SparseVector {
  const counts = new Map<number, number>();
  for (const t of tokenize(text)) counts.set(hashToken(t), 1);
  return toSparse(counts);
}
