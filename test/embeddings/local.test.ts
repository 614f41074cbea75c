import { describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embeddings/index.js';
import { createLocalEmbedder } from '../../src/embeddings/local.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot; // both are unit vectors
}

describe('local embedder (Universal Sentence Encoder lite, offline)', () => {
  const embedder = createEmbedder({ provider: 'local' });

  it('reports its vector space without loading the model', () => {
    expect(embedder.info).toEqual({ provider: 'local', model: 'use-lite-512', dimension: 512 });
  });

  it('returns unit vectors of 512 dimensions', async () => {
    const vectors = await embedder.embed(['hello world', 'the build uses esbuild'], 'document');
    expect(vectors).toHaveLength(2);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
  });

  it('places related sentences closer than unrelated ones', async () => {
    const [query, related, unrelated] = await embedder.embed(
      ['How do I configure the database connection pool?', 'Setting up Postgres pooling', 'My cat likes fish'],
      'query',
    );
    expect(cosine(query!, related!)).toBeGreaterThan(cosine(query!, unrelated!));
  });

  it('embeds in batches without changing the result or the order', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `note ${i}: ${i % 2 ? 'database tuning' : 'frontend styling'}`);
    const batched = await createLocalEmbedder({ batchSize: 32 }).embed(texts, 'document');
    expect(batched).toHaveLength(70);
    const [alone] = await embedder.embed([texts[45] as string], 'document');
    expect(cosine(batched[45]!, alone!)).toBeGreaterThan(0.999);
  });

  it('embeds empty and blank texts instead of dropping them', async () => {
    const vectors = await embedder.embed(['first', '', '   ', 'last'], 'document');
    expect(vectors.map((v) => v.length)).toEqual([512, 512, 512, 512]);
  });

  it('probes by loading the model and returns its info', async () => {
    await expect(embedder.probe()).resolves.toEqual({ provider: 'local', model: 'use-lite-512', dimension: 512 });
  });
});
