/** Cohere embeddings through the official `cohere-ai` client (v2 embed API). */
import { displayUrl, forRuntime, onFirstUse, RemoteEmbedder, rootCauseMessage } from './remote.js';
import type { HostedEmbedderOptions, ProbingEmbedder } from './remote.js';
import { parseRetryAfter, resolveRetryPolicy } from './retry.js';
import type { ProviderDescription, ProviderFailure } from './retry.js';

export const COHERE_DEFAULT_MODEL = 'embed-english-v3.0';
export const COHERE_DEFAULT_BASE_URL = 'https://api.cohere.com';
/** Cohere accepts at most 96 texts per embed call. */
export const COHERE_MAX_BATCH = 96;

/** The `cohere-ai` package once loaded (by a Cohere embedder's first request). */
let sdk: typeof import('cohere-ai') | undefined;

export const COHERE_MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  'embed-english-v3.0': 1024,
  'embed-english-light-v3.0': 384,
  'embed-multilingual-v3.0': 1024,
  'embed-multilingual-light-v3.0': 384,
  'embed-v4.0': 1536,
};

/** Model default embed-english-v3.0; `dimensions` is sent as `output_dimension` (embed-v4.0: 256, 512, 1024, 1536); batches of at most 96. */
export interface CohereEmbedderOptions extends HostedEmbedderOptions {
  /** Default https://api.cohere.com; a trailing /v1 or /v2 is dropped. */
  baseURL?: string | undefined;
}

/**
 * Creates a Cohere embedder. Documents are sent with input_type `search_document` and queries
 * with `search_query`, as Cohere's retrieval models expect. Dimension rules as for OpenAI.
 */
export function createCohereEmbedder(opts: CohereEmbedderOptions): ProbingEmbedder {
  const model = opts.model ?? COHERE_DEFAULT_MODEL;
  const baseUrl = (opts.baseURL ?? COHERE_DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v[12]$/, '');
  const policy = resolveRetryPolicy(opts.retry);
  const client = onFirstUse(async () => {
    sdk ??= await import('cohere-ai');
    return new sdk.CohereClientV2({ token: opts.apiKey, baseUrl, maxRetries: 0, ...(opts.runtime ? { fetch: opts.runtime.fetch } : {}) });
  });
  const provider: ProviderDescription = {
    name: 'Cohere',
    keySource: 'the COHERE_API_KEY environment variable',
    target: displayUrl(baseUrl),
    secrets: [opts.apiKey],
    notFound: (said) =>
      `Cohere has no embedding model "${model}" for this key (${said}). Check KAIROS_EMBEDDING_MODEL; ` +
      `Cohere's embedding models include ${Object.keys(COHERE_MODEL_DIMENSIONS).join(', ')}.`,
  };
  return new RemoteEmbedder({
    info: { provider: 'cohere', model, dimension: opts.dimensions ?? COHERE_MODEL_DIMENSIONS[model] ?? 0 },
    batchSize: Math.min(opts.batchSize ?? COHERE_MAX_BATCH, COHERE_MAX_BATCH),
    concurrency: opts.concurrency ?? 1,
    policy,
    provider: forRuntime(provider, opts.runtime),
    classify: classifyCohereError,
    embedBatch: async (texts, purpose, signal) => {
      const res = await (
        await client()
      ).embed(
        {
          model,
          texts,
          inputType: purpose === 'query' ? 'search_query' : 'search_document',
          embeddingTypes: ['float'],
          ...(opts.dimensions === undefined ? {} : { outputDimension: opts.dimensions }),
        },
        // Generous client timeout: our AbortSignal enforces policy.timeoutMs.
        { abortSignal: signal, maxRetries: 0, timeoutInSeconds: (policy.timeoutMs * 2) / 1000 },
      );
      return res.embeddings.float ?? [];
    },
  });
}

/** Translates errors of the `cohere-ai` client into ProviderFailures. */
export function classifyCohereError(error: unknown): ProviderFailure | undefined {
  // Before the package loaded, no error can have come from it.
  if (!sdk) return undefined;
  if (error instanceof sdk.CohereTimeoutError) return { kind: 'timeout', message: error.message };
  if (!(error instanceof sdk.CohereError)) return undefined;
  if (error.statusCode === undefined) return { kind: 'network', message: rootCauseMessage(error.cause ?? error) };
  const body = error.body as { message?: unknown } | string | undefined;
  const message = typeof body === 'string' ? body : typeof body?.message === 'string' ? body.message : error.message;
  const failure: ProviderFailure = { kind: 'http', status: error.statusCode, message };
  const retryAfterMs = parseRetryAfter(error.rawResponse?.headers);
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  return failure;
}
