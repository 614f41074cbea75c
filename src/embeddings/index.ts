/**
 * Embedder configuration and factory: the only module composition roots need from embeddings/.
 */
import { z } from 'zod';
import { InvalidInputError, KairosError } from '../core/errors.js';
import type { Embedder, EmbedderInfo, EmbedPurpose } from '../core/ports.js';
import { EMBEDDING_PROVIDERS, isEmbeddingProvider } from '../protocol/embedders.js';
import { AZURE_DEFAULT_API_VERSION, createAzureEmbedder } from './azure.js';
import { COHERE_DEFAULT_MODEL, COHERE_MAX_BATCH, createCohereEmbedder } from './cohere.js';
import { createLocalEmbedder, LOCAL_EMBEDDER_INFO } from './local.js';
import { createOpenAIEmbedder, OPENAI_DEFAULT_MODEL } from './openai.js';
import { endpointProblem, guardedFetch, parseEgressAllow, type EgressPolicy } from './egress.js';
import { PROBE_TEXT } from './remote.js';
import type { EgressRuntime, ProbingEmbedder } from './remote.js';

export type { ProbingEmbedder } from './remote.js';
export type { RetryPolicy } from './retry.js';
export { DEFAULT_RETRY_POLICY } from './retry.js';
export { LOCAL_EMBEDDER_INFO } from './local.js';
export { OPENAI_MODEL_DIMENSIONS } from './openai.js';
export { COHERE_MODEL_DIMENSIONS } from './cohere.js';
export { AZURE_DEFAULT_API_VERSION } from './azure.js';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const apiKey = z.string().trim().min(1, 'an API key is required');
const dimensions = z.number().int().positive().max(16_384).optional();
const retry = z
  .object({
    maxAttempts: z.number().int().min(1).max(10).optional(),
    baseDelayMs: z.number().int().min(0).optional(),
    maxDelayMs: z.number().int().min(0).optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .optional();
const remoteTuning = {
  batchSize: z.number().int().positive().max(2048).optional(),
  concurrency: z.number().int().min(1).max(16).optional(),
  retry,
};

/** Embedder settings, discriminated on `provider`. API keys are secrets: never log a parsed config. */
export const EmbedderConfigSchema = z.discriminatedUnion('provider', [
  z.object({ provider: z.literal('local'), batchSize: z.number().int().positive().max(256).optional() }),
  z.object({
    provider: z.literal('openai'),
    apiKey,
    model: z.string().trim().min(1).default(OPENAI_DEFAULT_MODEL),
    dimensions,
    baseURL: httpUrl.optional(),
    ...remoteTuning,
  }),
  z.object({
    provider: z.literal('azure'),
    apiKey,
    endpoint: httpUrl,
    deployment: z.string().trim().min(1),
    apiVersion: z.string().trim().min(1).default(AZURE_DEFAULT_API_VERSION),
    /** The model behind the deployment; defaults to the deployment name. */
    model: z.string().trim().min(1).optional(),
    dimensions,
    ...remoteTuning,
  }),
  z.object({
    provider: z.literal('cohere'),
    apiKey,
    model: z.string().trim().min(1).default(COHERE_DEFAULT_MODEL),
    dimensions,
    baseURL: httpUrl.optional(),
    ...remoteTuning,
    batchSize: z.number().int().positive().max(COHERE_MAX_BATCH).optional(),
  }),
]);

/** A validated config (defaults applied). */
export type EmbedderConfig = z.output<typeof EmbedderConfigSchema>;
/** What callers may write (defaults optional). */
export type EmbedderConfigInput = z.input<typeof EmbedderConfigSchema>;

/**
 * Validates a config. Throws InvalidInputError listing every problem; `names` maps field
 * names to what the user actually set (e.g. env var names) for the message.
 */
export function parseEmbedderConfig(input: unknown, names: Record<string, string> = {}): EmbedderConfig {
  const result = EmbedderConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    const shown = names[field] ?? field;
    return shown ? `${shown}: ${issue.message}` : issue.message;
  });
  throw new InvalidInputError(`Invalid embedder settings: ${problems.join('; ')}.`, {
    fields: result.error.issues.map((i) => i.path.map(String).join('.')),
  });
}

/**
 * Creates the embedder a config describes, with a dimension check on every result. Remote
 * embedders of a model whose size is not known in advance report `info.dimension` 0 until
 * `probe()` (see `openEmbedder`) or the first `embed()`.
 */
export function createEmbedder(config: EmbedderConfigInput, egress?: ServiceEgress): ProbingEmbedder {
  const c = parseEmbedderConfig(config);
  if (c.provider === 'local') return withDimensionCheck(createLocalEmbedder(c.batchSize === undefined ? {} : { batchSize: c.batchSize }));
  // The endpoint is checked before any client exists: scheme, credentials, literal address.
  const endpoint = c.provider === 'azure' ? c.endpoint : c.baseURL;
  const problem = endpoint === undefined ? undefined : endpointProblem(endpoint, egress?.policy ?? { mode: 'local' });
  if (problem) throw new InvalidInputError(`Kairos will not call this embedding endpoint: ${problem}.`, { field: 'endpoint' });
  const runtime = egress?.runtime;
  switch (c.provider) {
    case 'openai':
      return withDimensionCheck(createOpenAIEmbedder({ ...c, ...(runtime ? { runtime } : {}) }));
    case 'azure':
      return withDimensionCheck(createAzureEmbedder({ ...c, ...(runtime ? { runtime } : {}) }));
    case 'cohere':
      return withDimensionCheck(createCohereEmbedder({ ...c, ...(runtime ? { runtime } : {}) }));
  }
}

/** Service mode's outbound rules for user-chosen endpoints (see egress.ts). */
export interface ServiceEgress {
  policy: EgressPolicy;
  runtime: EgressRuntime;
}

/** The egress rules of a service deployment: guarded fetch, opaque errors, the allow-list. */
export function serviceEgress(allow: string | undefined, keySource: string): ServiceEgress {
  const policy: EgressPolicy = { mode: 'service', allow: parseEgressAllow(allow) };
  return { policy, runtime: { fetch: guardedFetch(policy), keySource } };
}

/**
 * Creates the embedder and, when its dimension is not known yet, probes it once so that
 * `info` is complete before anything is written with it.
 */
export async function openEmbedder(config: EmbedderConfigInput, egress?: ServiceEgress): Promise<ProbingEmbedder> {
  const embedder = createEmbedder(config, egress);
  if (embedder.info.dimension === 0) await embedder.probe();
  return embedder;
}

/**
 * Wraps an embedder so that every result has one vector per text, each of `info.dimension`
 * entries; anything else is an `embedder_unavailable` error naming expected and actual sizes.
 */
export function withDimensionCheck(inner: Embedder): ProbingEmbedder {
  const checked: ProbingEmbedder = {
    get info(): EmbedderInfo {
      return inner.info;
    },
    async embed(texts: readonly string[], purpose: EmbedPurpose): Promise<Float32Array[]> {
      const vectors = await inner.embed(texts, purpose);
      checkVectors(inner.info, texts.length, vectors);
      return vectors;
    },
    ...(inner.minRelevantSimilarity !== undefined ? { minRelevantSimilarity: inner.minRelevantSimilarity } : {}),
    ...(inner.knownWordShare ? { knownWordShare: inner.knownWordShare.bind(inner) } : {}),
    async probe(): Promise<EmbedderInfo> {
      await checked.embed([PROBE_TEXT], 'query');
      return inner.info;
    },
  };
  return checked;
}

function checkVectors(info: EmbedderInfo, count: number, vectors: readonly Float32Array[]): void {
  const name = `${info.provider}/${info.model}`;
  if (vectors.length !== count) {
    throw new KairosError('embedder_unavailable', `The embedder ${name} returned ${vectors.length} vectors for ${count} texts.`, {
      details: { provider: info.provider, model: info.model, expected: count, got: vectors.length },
    });
  }
  const bad = vectors.find((v) => v.length !== info.dimension);
  if (bad) {
    throw new KairosError(
      'embedder_unavailable',
      `The embedder ${name} returned vectors of ${bad.length} dimensions, expected ${info.dimension}. ` +
        'Check KAIROS_EMBEDDING_DIMENSIONS and that the endpoint really serves this model.',
      { details: { provider: info.provider, model: info.model, expected: info.dimension, got: bad.length } },
    );
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads the embedder config from environment variables: KAIROS_EMBEDDER (local | openai |
 * azure | cohere, default local), KAIROS_EMBEDDING_MODEL, KAIROS_EMBEDDING_DIMENSIONS, and per
 * provider KAIROS_OPENAI_API_KEY / OPENAI_API_KEY, KAIROS_OPENAI_BASE_URL / OPENAI_BASE_URL;
 * AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT, AZURE_OPENAI_API_VERSION;
 * KAIROS_COHERE_API_KEY / COHERE_API_KEY, KAIROS_COHERE_BASE_URL. Throws InvalidInputError
 * naming the variable to set.
 */
export function embedderConfigFromEnv(env: Env = process.env): EmbedderConfig {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const chosen = get('KAIROS_EMBEDDER')?.toLowerCase() ?? 'local';
  if (!isEmbeddingProvider(chosen)) {
    throw new InvalidInputError(`KAIROS_EMBEDDER must be one of ${EMBEDDING_PROVIDERS.join(', ')} (got "${get('KAIROS_EMBEDDER')}").`);
  }
  const model = get('KAIROS_EMBEDDING_MODEL');
  const dims = parseDimensions(get('KAIROS_EMBEDDING_DIMENSIONS'));
  const requireVars = (...groups: string[][]): string[] => {
    const missing = groups.filter((names) => names.every((n) => get(n) === undefined));
    if (missing.length > 0) {
      const list = missing.map((names) => names.join(' (or ') + (names.length > 1 ? ')' : '')).join(' and ');
      throw new InvalidInputError(`KAIROS_EMBEDDER=${chosen} needs ${list}.`, { missing: missing.map((g) => g[0]) });
    }
    // The KAIROS_-prefixed variable wins: it is set for Kairos on purpose.
    const preferKairos = (names: string[]): string[] => [...names].sort((a, b) => Number(b.startsWith('KAIROS_')) - Number(a.startsWith('KAIROS_')));
    return groups.map(
      (names) =>
        preferKairos(names)
          .map(get)
          .find((v) => v !== undefined) as string,
    );
  };
  const names = { model: 'KAIROS_EMBEDDING_MODEL', dimensions: 'KAIROS_EMBEDDING_DIMENSIONS' };

  switch (chosen) {
    case 'local':
      if (model !== undefined && model !== LOCAL_EMBEDDER_INFO.model) {
        throw new InvalidInputError(
          `The local embedder has one model, ${LOCAL_EMBEDDER_INFO.model} (KAIROS_EMBEDDING_MODEL is "${model}"). ` +
            'Unset KAIROS_EMBEDDING_MODEL, or choose a provider with KAIROS_EMBEDDER.',
        );
      }
      if (dims !== undefined && dims !== LOCAL_EMBEDDER_INFO.dimension) {
        throw new InvalidInputError(
          `The local embedder always produces ${LOCAL_EMBEDDER_INFO.dimension} dimensions ` +
            `(KAIROS_EMBEDDING_DIMENSIONS is ${dims}). Unset KAIROS_EMBEDDING_DIMENSIONS.`,
        );
      }
      return { provider: 'local' };
    case 'openai': {
      const [key] = requireVars(['OPENAI_API_KEY', 'KAIROS_OPENAI_API_KEY']);
      const baseURL = get('KAIROS_OPENAI_BASE_URL') ?? get('OPENAI_BASE_URL');
      return parseEmbedderConfig(
        { provider: 'openai', apiKey: key, model, dimensions: dims, baseURL },
        { ...names, baseURL: get('KAIROS_OPENAI_BASE_URL') ? 'KAIROS_OPENAI_BASE_URL' : 'OPENAI_BASE_URL' },
      );
    }
    case 'azure': {
      const [key, endpoint, deployment] = requireVars(
        ['AZURE_OPENAI_API_KEY', 'KAIROS_AZURE_OPENAI_API_KEY'],
        ['AZURE_OPENAI_ENDPOINT'],
        ['AZURE_OPENAI_DEPLOYMENT'],
      );
      return parseEmbedderConfig(
        {
          provider: 'azure',
          apiKey: key,
          endpoint,
          deployment,
          apiVersion: get('AZURE_OPENAI_API_VERSION'),
          model,
          dimensions: dims,
        },
        {
          ...names,
          endpoint: 'AZURE_OPENAI_ENDPOINT',
          deployment: 'AZURE_OPENAI_DEPLOYMENT',
          apiVersion: 'AZURE_OPENAI_API_VERSION',
        },
      );
    }
    case 'cohere': {
      const [key] = requireVars(['COHERE_API_KEY', 'KAIROS_COHERE_API_KEY']);
      return parseEmbedderConfig(
        { provider: 'cohere', apiKey: key, model, dimensions: dims, baseURL: get('KAIROS_COHERE_BASE_URL') },
        { ...names, baseURL: 'KAIROS_COHERE_BASE_URL' },
      );
    }
  }
}

function parseDimensions(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidInputError(`KAIROS_EMBEDDING_DIMENSIONS must be a positive whole number (got "${raw}").`);
  }
  return n;
}
