import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedLocally } from '../../src/embeddings/local.js';
import { EmbedPool } from '../../src/embeddings/workerPool.js';
import { FACTS } from '../mcp/facts.js';

// Built by `node esbuild.mjs`, which `npm test` runs first.
const WORKER = resolve('dist/embed-worker.mjs');

describe('the embedding worker pool', () => {
  it('embeds a bulk batch across worker threads with the same vectors, in input order', { timeout: 120_000 }, async () => {
    expect(existsSync(WORKER), 'run node esbuild.mjs first').toBe(true);
    const texts = [...FACTS, ...FACTS.map((f) => f.toUpperCase())];
    const pool = new EmbedPool(WORKER, 2);
    try {
      const pooled = await pool.embed(texts, 'auto');
      const local = await embedLocally(texts);
      expect(pooled).toHaveLength(texts.length);
      pooled.forEach((v, i) => {
        expect(v).toBeInstanceOf(Float32Array);
        let dot = 0;
        for (let j = 0; j < v.length; j++) dot += v[j]! * local[i]![j]!;
        expect(dot, texts[i]).toBeCloseTo(1, 5);
      });
      // A second call reuses the running workers.
      expect(await pool.embed(texts.slice(0, 3), 'auto')).toHaveLength(3);
    } finally {
      await pool.close();
    }
  });
});
