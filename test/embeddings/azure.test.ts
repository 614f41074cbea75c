import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import { createAzureEmbedder } from '../../src/embeddings/azure.js';
import { createEmbedder } from '../../src/embeddings/index.js';
import { startFakeOpenAI } from '../fakes/openaiServer.js';
import type { FakeOpenAI } from '../fakes/openaiServer.js';

const KEY = 'azure-key-0123456789abcdef';
const fast = { baseDelayMs: 10, maxDelayMs: 1000, timeoutMs: 2000, maxAttempts: 4 };

async function failure(p: Promise<unknown>): Promise<KairosError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KairosError);
  return e as KairosError;
}

describe('Azure OpenAI embedder against a fake Azure endpoint', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, deployments: { 'kairos-embed': 'text-embedding-3-small' } });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const embedder = (extra: Partial<Parameters<typeof createAzureEmbedder>[0]> = {}) =>
    createAzureEmbedder({
      apiKey: KEY,
      endpoint: `${fake.url}/`,
      deployment: 'kairos-embed',
      model: 'text-embedding-3-small',
      retry: fast,
      ...extra,
    });

  it('calls the deployment route with the api-key header and the default GA api-version', async () => {
    const e = embedder();
    expect(e.info).toEqual({ provider: 'azure', model: 'text-embedding-3-small', dimension: 1536 });
    const vectors = await e.embed(['one', 'two', 'three'], 'document');
    expect(vectors.map((v) => v.length)).toEqual([1536, 1536, 1536]);
    const req = fake.embeddingRequests()[0];
    expect(req?.path).toBe('/openai/deployments/kairos-embed/embeddings');
    expect(req?.query['api-version']).toBe('2024-10-21');
    expect(req?.headers['api-key']).toBe(KEY);
    expect(req?.headers.authorization).toBeUndefined();
  });

  it('accepts an endpoint already ending in /openai and a custom api version', async () => {
    await embedder({ endpoint: `${fake.url}/openai`, apiVersion: '2025-01-01-preview' }).embed(['x'], 'query');
    const req = fake.embeddingRequests()[0];
    expect(req?.path).toBe('/openai/deployments/kairos-embed/embeddings');
    expect(req?.query['api-version']).toBe('2025-01-01-preview');
  });

  it('batches requests by the configured size', async () => {
    const texts = Array.from({ length: 25 }, (_, i) => `note ${i}`);
    const vectors = await embedder({ batchSize: 10 }).embed(texts, 'document');
    expect(vectors).toHaveLength(25);
    expect(fake.embeddingRequests().map((r) => r.body.input.length)).toEqual([10, 10, 5]);
  });

  it('maps a missing deployment to embedder_not_found naming the deployment, the endpoint and the Azure portal', async () => {
    const e = await failure(embedder({ deployment: 'embeddings-typo' }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_not_found');
    expect(e.message).toContain('"embeddings-typo"');
    expect(e.message).toContain(fake.url);
    expect(e.message).toContain('Azure portal');
    expect(e.message).toContain('deployment for this resource does not exist');
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('maps a wrong key to embedder_auth pointing at AZURE_OPENAI_API_KEY without echoing the key', async () => {
    const wrong = 'azure-wrong-SECRET-key-42';
    const e = await failure(embedder({ apiKey: wrong }).embed(['x'], 'document'));
    expect(e.code).toBe('embedder_auth');
    expect(e.message).toContain('Azure OpenAI rejected the API key');
    expect(e.message).toContain('AZURE_OPENAI_API_KEY');
    expect(e.message).not.toContain('SECRET');
  });

  it('retries Azure rate limits and succeeds', async () => {
    fake.failNext('rate_limit', 1, { retryAfterMs: 20 });
    await embedder().embed(['x'], 'document');
    expect(fake.embeddingRequests().map((r) => r.status)).toEqual([429, 200]);
  });

  it('builds from a config through createEmbedder, sending dimensions', async () => {
    const e = createEmbedder({
      provider: 'azure',
      apiKey: KEY,
      endpoint: fake.url,
      deployment: 'kairos-embed',
      model: 'text-embedding-3-small',
      dimensions: 512,
    });
    const [v] = await e.embed(['x'], 'document');
    expect(v?.length).toBe(512);
    expect(fake.embeddingRequests()[0]?.body.dimensions).toBe(512);
  });
});
