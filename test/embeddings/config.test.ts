import { describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import type { Embedder } from '../../src/core/ports.js';
import { createEmbedder, embedderConfigFromEnv, parseEmbedderConfig, withDimensionCheck } from '../../src/embeddings/index.js';

function thrown(fn: () => unknown): KairosError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KairosError);
    return e as KairosError;
  }
  throw new Error('expected an error');
}

describe('embedder config from the environment', () => {
  it('defaults to the local embedder', () => {
    expect(embedderConfigFromEnv({})).toEqual({ provider: 'local' });
    expect(embedderConfigFromEnv({ KAIROS_EMBEDDER: ' Local ' })).toEqual({ provider: 'local' });
  });

  it('rejects an unknown provider, listing the valid ones', () => {
    const e = thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDER: 'openia' }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe('KAIROS_EMBEDDER must be one of local, openai, azure, cohere (got "openia").');
  });

  it('says which variable is missing when openai has no key', () => {
    const e = thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDER: 'openai', OPENAI_API_KEY: '  ' }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('KAIROS_EMBEDDER=openai needs OPENAI_API_KEY');
  });

  it('reads the openai model, dimensions and base URL, preferring the KAIROS_ key', () => {
    const config = embedderConfigFromEnv({
      KAIROS_EMBEDDER: 'openai',
      OPENAI_API_KEY: 'sk-general',
      KAIROS_OPENAI_API_KEY: 'sk-kairos',
      KAIROS_EMBEDDING_MODEL: 'text-embedding-3-large',
      KAIROS_EMBEDDING_DIMENSIONS: '1024',
      OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
    });
    expect(config).toEqual({
      provider: 'openai',
      apiKey: 'sk-kairos',
      model: 'text-embedding-3-large',
      dimensions: 1024,
      baseURL: 'http://127.0.0.1:9999/v1',
    });
  });

  it('defaults the openai model to text-embedding-3-small', () => {
    expect(embedderConfigFromEnv({ KAIROS_EMBEDDER: 'openai', OPENAI_API_KEY: 'sk-x' })).toMatchObject({
      model: 'text-embedding-3-small',
    });
  });

  it('names a malformed base URL by its variable without echoing the key', () => {
    const e = thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDER: 'openai', OPENAI_API_KEY: 'sk-SECRET', KAIROS_OPENAI_BASE_URL: 'not a url' }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('KAIROS_OPENAI_BASE_URL');
    expect(e.message).not.toContain('SECRET');
  });

  it('rejects dimensions that are not a positive whole number', () => {
    for (const bad of ['abc', '0', '-3', '1.5']) {
      const e = thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDER: 'openai', OPENAI_API_KEY: 'k', KAIROS_EMBEDDING_DIMENSIONS: bad }));
      expect(e.message).toContain('KAIROS_EMBEDDING_DIMENSIONS must be a positive whole number');
    }
  });

  it('lists every missing azure variable at once', () => {
    const e = thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDER: 'azure', AZURE_OPENAI_API_KEY: 'k' }));
    expect(e.message).toBe('KAIROS_EMBEDDER=azure needs AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT.');
  });

  it('reads the azure settings with a default api version', () => {
    expect(
      embedderConfigFromEnv({
        KAIROS_EMBEDDER: 'azure',
        AZURE_OPENAI_API_KEY: 'k',
        AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com',
        AZURE_OPENAI_DEPLOYMENT: 'embed',
        KAIROS_EMBEDDING_MODEL: 'text-embedding-3-small',
      }),
    ).toEqual({
      provider: 'azure',
      apiKey: 'k',
      endpoint: 'https://res.openai.azure.com',
      deployment: 'embed',
      apiVersion: '2024-10-21',
      model: 'text-embedding-3-small',
    });
  });

  it('reads the cohere key, model and base URL', () => {
    expect(
      embedderConfigFromEnv({
        KAIROS_EMBEDDER: 'cohere',
        COHERE_API_KEY: 'co-k',
        KAIROS_EMBEDDING_MODEL: 'embed-multilingual-v3.0',
        KAIROS_COHERE_BASE_URL: 'http://127.0.0.1:1234',
      }),
    ).toEqual({ provider: 'cohere', apiKey: 'co-k', model: 'embed-multilingual-v3.0', baseURL: 'http://127.0.0.1:1234' });
    expect(thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDER: 'cohere' })).message).toContain('KAIROS_EMBEDDER=cohere needs COHERE_API_KEY');
  });

  it('refuses a model or dimension the local embedder cannot provide', () => {
    expect(thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDING_MODEL: 'text-embedding-3-small' })).message).toContain('use-lite-512');
    expect(thrown(() => embedderConfigFromEnv({ KAIROS_EMBEDDING_DIMENSIONS: '384' })).message).toContain('512');
  });
});

describe('embedder config schema and factory', () => {
  it('reports every problem of an invalid config in one invalid_input error', () => {
    const e = thrown(() => parseEmbedderConfig({ provider: 'azure', apiKey: '', endpoint: 'ftp://x' }));
    expect(e.code).toBe('invalid_input');
    expect(e.details?.fields).toEqual(expect.arrayContaining(['apiKey', 'endpoint', 'deployment']));
  });

  it('creates each provider with the info it will stamp on collections, without any request', () => {
    expect(createEmbedder({ provider: 'openai', apiKey: 'k' }).info).toEqual({
      provider: 'openai',
      model: 'text-embedding-3-small',
      dimension: 1536,
    });
    expect(createEmbedder({ provider: 'openai', apiKey: 'k', model: 'text-embedding-3-large' }).info.dimension).toBe(3072);
    expect(createEmbedder({ provider: 'openai', apiKey: 'k', model: 'text-embedding-ada-002' }).info.dimension).toBe(1536);
    expect(createEmbedder({ provider: 'cohere', apiKey: 'k' }).info).toEqual({
      provider: 'cohere',
      model: 'embed-english-v3.0',
      dimension: 1024,
    });
    expect(createEmbedder({ provider: 'azure', apiKey: 'k', endpoint: 'https://r.openai.azure.com', deployment: 'text-embedding-3-large' }).info).toEqual({
      provider: 'azure',
      model: 'text-embedding-3-large',
      dimension: 3072,
    });
  });

  it('rejects a result with the wrong number of vectors or the wrong size', async () => {
    const inner = (vectors: Float32Array[]): Embedder => ({
      info: { provider: 'test', model: 'm', dimension: 4 },
      embed: async () => vectors,
    });
    const short = withDimensionCheck(inner([new Float32Array(4)]));
    await expect(short.embed(['a', 'b'], 'document')).rejects.toMatchObject({ code: 'embedder_unavailable' });
    const wrong = withDimensionCheck(inner([new Float32Array(3)]));
    await expect(wrong.embed(['a'], 'document')).rejects.toThrow('returned vectors of 3 dimensions, expected 4');
    await expect(withDimensionCheck(inner([new Float32Array(4)])).embed(['a'], 'query')).resolves.toHaveLength(1);
  });
});
