import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import { createCohereEmbedder } from '../../src/embeddings/cohere.js';
import { startFakeCohere } from '../fakes/cohereServer.js';
import type { FakeCohere } from '../fakes/cohereServer.js';

const KEY = 'co-test-key-abcdef123456';
const fast = { baseDelayMs: 10, maxDelayMs: 1000, timeoutMs: 2000, maxAttempts: 4 };

async function failure(p: Promise<unknown>): Promise<KairosError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KairosError);
  return e as KairosError;
}

describe('Cohere embedder against a fake Cohere server', () => {
  let fake: FakeCohere;
  beforeAll(async () => {
    fake = await startFakeCohere({ apiKey: KEY });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const embedder = (extra: Partial<Parameters<typeof createCohereEmbedder>[0]> = {}) =>
    createCohereEmbedder({ apiKey: KEY, baseURL: fake.url, retry: fast, ...extra });

  it('sends documents as search_document and queries as search_query, asking for float vectors', async () => {
    const e = embedder();
    expect(e.info).toEqual({ provider: 'cohere', model: 'embed-english-v3.0', dimension: 1024 });
    const docs = await e.embed(['the pool size is 20', 'we deploy on Fridays'], 'document');
    const [query] = await e.embed(['how big is the pool?'], 'query');

    const [docReq, queryReq] = fake.embedRequests();
    expect(docReq?.path).toBe('/v2/embed');
    expect(docReq?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(docReq?.body).toMatchObject({
      model: 'embed-english-v3.0',
      texts: ['the pool size is 20', 'we deploy on Fridays'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
    expect(queryReq?.body).toMatchObject({ input_type: 'search_query', texts: ['how big is the pool?'] });
    expect(docs.map((v) => v.length)).toEqual([1024, 1024]);
    expect(query?.length).toBe(1024);
    expect(Math.hypot(...(query as Float32Array))).toBeCloseTo(1, 5);
  });

  it('splits 200 texts into batches of at most 96, Cohere’s limit', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `fact ${i}`);
    const vectors = await embedder({ batchSize: 500 }).embed(texts, 'document');
    expect(vectors).toHaveLength(200);
    expect(fake.embedRequests().map((r) => r.body.texts.length)).toEqual([96, 96, 8]);
  });

  it('knows the light model is 384-dimensional', async () => {
    const e = embedder({ model: 'embed-english-light-v3.0' });
    expect(e.info.dimension).toBe(384);
    const [v] = await e.embed(['x'], 'document');
    expect(v?.length).toBe(384);
  });

  it('sends output_dimension when dimensions are configured', async () => {
    const e = embedder({ model: 'embed-v4.0', dimensions: 512 });
    const [v] = await e.embed(['x'], 'document');
    expect(fake.embedRequests()[0]?.body.output_dimension).toBe(512);
    expect(v?.length).toBe(512);
  });

  it('accepts a base URL ending in /v1', async () => {
    await embedder({ baseURL: `${fake.url}/v1/` }).embed(['x'], 'document');
    expect(fake.embedRequests()[0]?.path).toBe('/v2/embed');
  });

  it('maps an invalid token to embedder_auth with Cohere’s message and without the key', async () => {
    const e = await failure(embedder({ apiKey: 'co-SECRET-wrong' }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_auth');
    expect(e.message).toContain('Cohere rejected the API key (invalid api token)');
    expect(e.message).toContain('COHERE_API_KEY');
    expect(e.message).not.toContain('SECRET');
    expect(fake.embedRequests()).toHaveLength(1);
  });

  it('retries a 429 honouring Retry-After and then succeeds', async () => {
    fake.failNext('rate_limit', 1, { retryAfterMs: 60 });
    const started = Date.now();
    await embedder().embed(['x'], 'document');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(fake.embedRequests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('retries a 500 and then succeeds', async () => {
    fake.failNext('server_error', 2);
    await embedder().embed(['x'], 'document');
    expect(fake.embedRequests().map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('maps a billing failure (402) to embedder_quota without retrying', async () => {
    fake.failNext('insufficient_quota');
    const e = await failure(embedder().embed(['x'], 'document'));
    expect(e.code).toBe('embedder_quota');
    expect(e.message).toMatch(/out of quota/);
    expect(fake.embedRequests()).toHaveLength(1);
  });

  it('maps an unknown model to embedder_not_found', async () => {
    const e = await failure(embedder({ model: 'embed-klingon-v9' }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_not_found');
    expect(e.message).toContain('embed-klingon-v9');
  });

  it('times out slow responses and reports embedder_unavailable', async () => {
    fake.failNext('slow', 2, { delayMs: 3000 });
    const e = await failure(embedder({ retry: { ...fast, timeoutMs: 100, maxAttempts: 2 } }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_unavailable');
    expect(e.message).toMatch(/Cohere did not answer within 100 ms/);
    expect(fake.embedRequests()).toHaveLength(2);
  });
});
