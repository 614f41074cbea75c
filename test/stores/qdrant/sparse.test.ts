import { describe, expect, it } from 'vitest';
import { documentSparse, hashToken, querySparse, tokenize } from '../../../src/stores/qdrant/sparse.js';

describe('keyword sparse vectors', () => {
  it('tokenize words in lower case without stop words or one-letter tokens', () => {
    expect(tokenize('The Cache is in Redis, a KV store!')).toEqual(['cache', 'redis', 'kv', 'store']);
  });

  it('split identifiers at case and digit boundaries while keeping the whole word', () => {
    expect(tokenize('parseHttpRequest')).toEqual(['parsehttprequest', 'parse', 'http', 'request']);
    expect(tokenize('HTTPServer')).toEqual(['httpserver', 'http', 'server']);
    expect(tokenize('snake_case-and-kebab')).toEqual(['snake', 'case', 'kebab']);
    expect(tokenize('utf8 v20')).toEqual(['utf8', 'utf', 'v20', '20']);
  });

  it('keep letters of any script and ignore query punctuation', () => {
    expect(tokenize('Café naïve 東京 foo:* & | !(')).toEqual(['café', 'naïve', '東京', 'foo']);
    expect(tokenize('!!! (( )) :* &')).toEqual([]);
  });

  it('hash tokens to stable 31-bit indices', () => {
    expect(hashToken('redis')).toBe(hashToken('redis'));
    expect(hashToken('redis')).not.toBe(hashToken('redit'));
    // FNV-1a 32 of "a" is 0xe40c292c; the top bit is cleared.
    expect(hashToken('a')).toBe(0xe40c292c & 0x7fffffff);
    for (const t of ['x', 'longer-token', '東京']) {
      expect(hashToken(t)).toBeGreaterThanOrEqual(0);
      expect(hashToken(t)).toBeLessThan(2 ** 31);
    }
  });

  it('count repeated terms in documents with sorted unique indices', () => {
    const v = documentSparse('redis redis cache');
    expect(v.indices).toEqual([...v.indices].sort((a, b) => a - b));
    expect(new Set(v.indices).size).toBe(v.indices.length);
    const byIndex = new Map(v.indices.map((i, k) => [i, v.values[k]]));
    expect(byIndex.get(hashToken('redis'))).toBe(2);
    expect(byIndex.get(hashToken('cache'))).toBe(1);
  });

  it('weigh each distinct query term once and give nothing for a query of stop words', () => {
    const q = querySparse('redis redis cache');
    expect(q.values).toEqual([1, 1]);
    expect(new Set(q.indices)).toEqual(new Set([hashToken('redis'), hashToken('cache')]));
    expect(querySparse('the of and')).toEqual({ indices: [], values: [] });
  });
});
