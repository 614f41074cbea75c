/**
 * OpenAI embeddings (and any OpenAI-compatible endpoint via `baseURL`) through the official
 * `openai` client.
 */
import type OpenAI from 'openai';
import { displayUrl, forRuntime, onFirstUse, RemoteEmbedder, rootCauseMessage } from './remote.js';
import type { HostedEmbedderOptions, ProbingEmbedder } from './remote.js';
import { parseRetryAfter, resolveRetryPolicy } from './retry.js';
import type { ProviderDescription, ProviderFailure, RetryPolicy } from './retry.js';

export const OPENAI_DEFAULT_MODEL = 'text-embedding-3-small';
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The `openai` package once loaded (by the first request of an OpenAI or Azure embedder). */
let sdk: typeof import('openai') | undefined;
export async function loadOpenAISdk(): Promise<typeof import('openai')> {
  return (sdk ??= await import('openai'));
}

/** Native dimensions of OpenAI's embedding models (also served by Azure OpenAI). */
export const OPENAI_MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** Model default text-embedding-3-small (text-embedding-3-* can shorten their vectors); batches of 128 (OpenAI caps tokens per request). */
export interface OpenAIEmbedderOptions extends HostedEmbedderOptions {
  /** Default https://api.openai.com/v1; any OpenAI-compatible embeddings endpoint works. */
  baseURL?: string | undefined;
}

/**
 * Creates an OpenAI embedder. `info.dimension` is the configured `dimensions`, else the known
 * size of the model; for an unknown model without `dimensions` it is 0 until `probe()` or the
 * first `embed()` has seen a response.
 */
export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): ProbingEmbedder {
  const model = opts.model ?? OPENAI_DEFAULT_MODEL;
  const baseURL = opts.baseURL ?? OPENAI_DEFAULT_BASE_URL;
  const policy = resolveRetryPolicy(opts.retry);
  const client = onFirstUse(
    async () =>
      new (await loadOpenAISdk()).OpenAI({
        apiKey: opts.apiKey,
        baseURL,
        // Our retry policy (retry.ts) is the only one: the client's own retries would multiply
        // attempts and hide the Retry-After we honour and report.
        maxRetries: 0,
        // Our AbortSignal enforces policy.timeoutMs; this is only a backstop.
        timeout: policy.timeoutMs * 2,
        // Never pick up OPENAI_ORG_ID / OPENAI_PROJECT_ID from the server's environment: with a
        // user's own key they would be wrong.
        organization: null,
        project: null,
        ...(opts.runtime ? { fetch: opts.runtime.fetch } : {}),
      }),
  );
  const provider: ProviderDescription = {
    name: 'OpenAI',
    keySource: 'the KAIROS_OPENAI_API_KEY (or OPENAI_API_KEY) environment variable',
    target: displayUrl(baseURL),
    secrets: [opts.apiKey],
    notFound: (said) =>
      `OpenAI has no embedding model "${model}" for this key (${said}). Check KAIROS_EMBEDDING_MODEL; ` +
      `OpenAI's embedding models are ${Object.keys(OPENAI_MODEL_DIMENSIONS).join(', ')}.`,
  };
  return openAIClientEmbedder('openai', client, model, { ...opts, policy }, forRuntime(provider, opts.runtime));
}

/**
 * The embedder over an `openai` client (OpenAI or AzureOpenAI): both speak the same embeddings
 * API and fail the same way, so only the client and the provider description differ.
 */
export function openAIClientEmbedder(
  providerId: 'openai' | 'azure',
  client: () => Promise<OpenAI>,
  model: string,
  opts: { dimensions?: number | undefined; batchSize?: number | undefined; concurrency?: number | undefined; policy: RetryPolicy },
  provider: ProviderDescription,
): ProbingEmbedder {
  return new RemoteEmbedder({
    info: { provider: providerId, model, dimension: opts.dimensions ?? OPENAI_MODEL_DIMENSIONS[model] ?? 0 },
    batchSize: opts.batchSize ?? 128,
    concurrency: opts.concurrency ?? 1,
    policy: opts.policy,
    provider,
    classify: classifyOpenAIError,
    embedBatch: async (texts, _purpose, signal) => {
      const res = await (
        await client()
      ).embeddings.create({ model, input: texts, ...(opts.dimensions === undefined ? {} : { dimensions: opts.dimensions }) }, { signal });
      return [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    },
  });
}

/** Translates errors of the `openai` client (OpenAI and Azure OpenAI) into ProviderFailures. */
export function classifyOpenAIError(error: unknown): ProviderFailure | undefined {
  // Before the package loaded, no error can have come from it.
  if (!sdk) return undefined;
  if (error instanceof sdk.APIConnectionError) return { kind: 'network', message: rootCauseMessage(error) };
  if (!(error instanceof sdk.APIError) || typeof error.status !== 'number') return undefined;
  const body = (error.error ?? {}) as { message?: unknown; code?: unknown; type?: unknown };
  const code = typeof error.code === 'string' ? error.code : body.type === 'insufficient_quota' ? 'insufficient_quota' : undefined;
  const failure: ProviderFailure = {
    kind: 'http',
    status: error.status,
    message: typeof body.message === 'string' ? body.message : error.message,
  };
  if (code !== undefined) failure.code = code;
  const retryAfterMs = parseRetryAfter(error.headers);
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  return failure;
}
