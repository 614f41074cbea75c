import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import { createEmbedder, openEmbedder } from '../../src/embeddings/index.js';
import { createOpenAIEmbedder } from '../../src/embeddings/openai.js';
import { fakeEmbedding, startFakeOpenAI } from '../fakes/openaiServer.js';
import type { FakeOpenAI } from '../fakes/openaiServer.js';

const KEY = 'sk-test-right-key-0000';
const fast = { baseDelayMs: 10, maxDelayMs: 1000, timeoutMs: 2000, maxAttempts: 4 };

async function failure(p: Promise<unknown>): Promise<KairosError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KairosError);
  return e as KairosError;
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe('OpenAI embedder against a fake OpenAI server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, models: { 'my-custom-embedder': 768 } });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const embedder = (extra: Partial<Parameters<typeof createOpenAIEmbedder>[0]> = {}) =>
    createOpenAIEmbedder({ apiKey: KEY, baseURL: fake.baseURL, retry: fast, ...extra });

  it('embeds 250 texts in batches of the configured size, in order, as unit vectors of 1536 dimensions', async () => {
    const texts = Array.from({ length: 250 }, (_, i) => `memory number ${i} about the build`);
    const e = embedder({ batchSize: 100 });
    expect(e.info).toEqual({ provider: 'openai', model: 'text-embedding-3-small', dimension: 1536 });

    const vectors = await e.embed(texts, 'document');

    expect(vectors).toHaveLength(250);
    expect(fake.embeddingRequests().map((r) => r.body.input.length)).toEqual([100, 100, 50]);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(1536);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const expected = fakeEmbedding(texts[137] as string, 1536, 'text-embedding-3-small');
    expect(Array.from(vectors[137] as Float32Array).slice(0, 8)).toEqual(Array.from(expected).slice(0, 8));
  });

  it('lets the openai client ask for base64 vectors and decodes them', async () => {
    const [v] = await embedder().embed(['hello'], 'query');
    expect(fake.embeddingRequests()[0]?.body.encoding_format).toBe('base64');
    expect(v?.length).toBe(1536);
  });

  it('sends the bearer key and the configured dimensions, and reports them in info', async () => {
    const e = embedder({ model: 'text-embedding-3-large', dimensions: 256 });
    expect(e.info.dimension).toBe(256);
    const [v] = await e.embed(['short vectors please'], 'document');
    const req = fake.embeddingRequests()[0];
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req?.body).toMatchObject({ model: 'text-embedding-3-large', dimensions: 256 });
    expect(v?.length).toBe(256);
  });

  it('does not send dimensions when none are configured', async () => {
    await embedder().embed(['plain'], 'document');
    expect(fake.embeddingRequests()[0]?.body).not.toHaveProperty('dimensions');
  });

  it('returns an empty list without calling the API', async () => {
    expect(await embedder().embed([], 'document')).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a 429 after waiting the Retry-After the server asked for, then succeeds', async () => {
    fake.failNext('rate_limit', 2, { retryAfterMs: 80 });
    const started = Date.now();
    const vectors = await embedder().embed(['a', 'b'], 'document');
    expect(vectors).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(fake.embeddingRequests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    fake.failNext('server_error');
    await embedder().embed(['x'], 'document');
    expect(fake.embeddingRequests().map((r) => r.status)).toEqual([500, 200]);
  });

  it('retries a dropped connection and succeeds', async () => {
    fake.failNext('drop');
    const vectors = await embedder().embed(['x'], 'document');
    expect(vectors).toHaveLength(1);
    expect(fake.embeddingRequests()).toHaveLength(2);
  });

  it('gives up on a persistent 429 after the maximum attempts with embedder_quota and a retryAfter', async () => {
    fake.failNext('rate_limit', 10, { retryAfterMs: 5 });
    const e = await failure(embedder({ retry: { ...fast, maxAttempts: 3 } }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_quota');
    expect(e.retryAfter).toBe(1);
    expect(e.message).toMatch(/rate-limiting/);
    expect(fake.embeddingRequests()).toHaveLength(3);
  });

  it('stops at once when Retry-After is longer than the longest wait, reporting it as retryAfter', async () => {
    fake.failNext('rate_limit', 1, { retryAfter: '120' });
    const e = await failure(embedder().embed(['x'], 'document'));
    expect(e.code).toBe('embedder_quota');
    expect(e.retryAfter).toBe(120);
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('maps a rejected key to embedder_auth with the provider message and never the key', async () => {
    const secretKey = 'sk-live-SECRET-value-9876';
    const e = await failure(embedder({ apiKey: secretKey }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_auth');
    expect(e.message).toContain('OpenAI rejected the API key');
    expect(e.message).toContain('Incorrect API key provided');
    expect(e.message).toContain('KAIROS_OPENAI_API_KEY');
    for (const fragment of [secretKey, 'SECRET', '9876', 'sk-live']) expect(e.message).not.toContain(fragment);
    expect(JSON.stringify(e.details)).not.toContain('SECRET');
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('maps insufficient_quota to embedder_quota saying the account is out of quota, without retrying', async () => {
    fake.failNext('insufficient_quota');
    const e = await failure(embedder().embed(['x'], 'document'));
    expect(e.code).toBe('embedder_quota');
    expect(e.message).toMatch(/out of quota/);
    expect(e.message).toMatch(/billing/);
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('maps an unknown model to embedder_not_found naming the model', async () => {
    const e = await failure(embedder({ model: 'text-embedding-4-imaginary' }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_not_found');
    expect(e.message).toContain('text-embedding-4-imaginary');
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('times out a slow response, retries, and reports embedder_unavailable when every attempt is slow', async () => {
    fake.failNext('slow', 2, { delayMs: 3000 });
    const started = Date.now();
    const e = await failure(embedder({ retry: { ...fast, timeoutMs: 100, maxAttempts: 2 } }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_unavailable');
    expect(e.message).toContain('did not answer within 100 ms');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(fake.embeddingRequests()).toHaveLength(2);
  });

  it('succeeds after one timed-out attempt', async () => {
    fake.failNext('slow', 1, { delayMs: 3000 });
    const vectors = await embedder({ retry: { ...fast, timeoutMs: 150 } }).embed(['x'], 'document');
    expect(vectors).toHaveLength(1);
    expect(fake.embeddingRequests()).toHaveLength(2);
  });

  it('reports an unreachable endpoint as embedder_unavailable naming it', async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    const e = await failure(createOpenAIEmbedder({ apiKey: KEY, baseURL: gone.baseURL, retry: { ...fast, maxAttempts: 2 } }).embed(['x'], 'query'));
    expect(e.code).toBe('embedder_unavailable');
    expect(e.message).toContain(gone.baseURL);
    expect(e.message).toMatch(/Could not reach OpenAI/);
  });

  it('learns the dimension of an unknown model with a probe before anything is written', async () => {
    const config = { provider: 'openai' as const, apiKey: KEY, baseURL: fake.baseURL, model: 'my-custom-embedder' };
    expect(createEmbedder(config).info.dimension).toBe(0);
    const e = await openEmbedder(config);
    expect(e.info).toEqual({ provider: 'openai', model: 'my-custom-embedder', dimension: 768 });
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('detects vectors whose size differs from the dimension the model should have', async () => {
    fake.failNext('wrong_dimension');
    const e = await failure(createEmbedder({ provider: 'openai', apiKey: KEY, baseURL: fake.baseURL }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_unavailable');
    expect(e.message).toContain('1535 dimensions, expected 1536');
  });

  it('detects an endpoint that serves another model under the configured name', async () => {
    const proxy = await startFakeOpenAI({ models: { 'text-embedding-3-small': 1024 } });
    try {
      const e = await failure(createEmbedder({ provider: 'openai', apiKey: KEY, baseURL: proxy.baseURL }).embed(['x'], 'document'));
      expect(e.code).toBe('embedder_unavailable');
      expect(e.message).toContain('1024 dimensions, expected 1536');
    } finally {
      await proxy.close();
    }
  });

  it('probes a key: a good one returns the info, a bad one fails with embedder_auth', async () => {
    const good = createEmbedder({ provider: 'openai', apiKey: KEY, baseURL: fake.baseURL });
    await expect(good.probe()).resolves.toEqual(good.info);
    const bad = createEmbedder({ provider: 'openai', apiKey: 'sk-wrong-key-123456', baseURL: fake.baseURL });
    expect((await failure(bad.probe())).code).toBe('embedder_auth');
  });
});
