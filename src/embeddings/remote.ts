/**
 * The part every HTTP embedder shares: batching, the retry policy, vector normalisation and
 * learning the dimension of a model we do not know. Provider modules supply one `embedBatch`.
 */
import { KairosError } from '../core/errors.js';
import type { Embedder, EmbedderInfo, EmbedPurpose } from '../core/ports.js';
import { mapBatches, withRetry } from './retry.js';
import type { Classify, ProviderDescription, RetryOverrides, RetryPolicy } from './retry.js';

/** An Embedder that can check its configuration (key, model, dimension) with one small request. */
export interface ProbingEmbedder extends Embedder {
  /**
   * Embeds one short text and returns the info. Use it before the first write when
   * `info.dimension` is 0 (a model whose dimension is not known in advance), and as a
   * "test this key" check: it fails with the same KairosErrors as `embed`.
   */
  probe(): Promise<EmbedderInfo>;
}

/**
 * A provider's SDK client, made on first use: the SDKs take longer to load than the rest of a CLI
 * command, so a process that never calls the provider (the local model, a listing) never loads one.
 * A failed load is not kept: the next call tries again.
 */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((e: unknown) => {
      made = undefined;
      throw e;
    }));
}

/** One request to the provider for one batch; returns one vector per text, in order. */
export type EmbedBatch = (texts: string[], purpose: EmbedPurpose, signal: AbortSignal) => Promise<ReadonlyArray<ArrayLike<number>>>;

export interface RemoteEmbedderOptions {
  /** `dimension: 0` means "unknown": learnt from the first response. */
  info: EmbedderInfo;
  batchSize: number;
  concurrency?: number;
  policy: RetryPolicy;
  provider: ProviderDescription;
  classify: Classify;
  embedBatch: EmbedBatch;
}

export const PROBE_TEXT = 'Kairos connection check';

/**
 * How a service-mode embedder reaches its provider: through the egress guard's fetch, with
 * opaque errors (the endpoint is the user's choice) and the service's own key hint.
 */
export interface EgressRuntime {
  fetch: typeof fetch;
  /** Where a user sets their key in this deployment (never the server's environment). */
  keySource: string;
}

/** What every hosted provider's embedder takes besides its own endpoint settings. */
export interface HostedEmbedderOptions {
  apiKey: string;
  model?: string | undefined;
  /** Requested vector size, where the model can shorten its vectors. */
  dimensions?: number | undefined;
  /** Texts per request. */
  batchSize?: number | undefined;
  /** Requests in flight at once; default 1. */
  concurrency?: number | undefined;
  retry?: RetryOverrides | undefined;
  /** Service mode: the egress-guarded fetch and opaque errors. */
  runtime?: EgressRuntime;
}

/** Applies the runtime to a provider description (opaque errors, the service's key hint). */
export function forRuntime(provider: ProviderDescription, runtime: EgressRuntime | undefined): ProviderDescription {
  return runtime ? { ...provider, opaque: true, keySource: runtime.keySource } : provider;
}

export class RemoteEmbedder implements ProbingEmbedder {
  private current: EmbedderInfo;

  constructor(private readonly opts: RemoteEmbedderOptions) {
    this.current = { ...opts.info };
  }

  get info(): EmbedderInfo {
    return this.current;
  }

  async embed(texts: readonly string[], purpose: EmbedPurpose): Promise<Float32Array[]> {
    const { policy, provider, classify, embedBatch } = this.opts;
    return mapBatches(
      texts.map(nonEmptyText),
      this.opts.batchSize,
      async (batch) => {
        const raw = await withRetry((signal) => embedBatch(batch, purpose, signal), { policy, provider, classify });
        if (raw.length !== batch.length) {
          throw new KairosError(
            'embedder_unavailable',
            `${provider.name} returned ${raw.length} vectors for ${batch.length} texts. Try again; if it persists, ` +
              `the endpoint at ${provider.target} may not be a compatible embeddings API.`,
            { details: { provider: provider.name, expected: batch.length, got: raw.length } },
          );
        }
        const vectors = raw.map(toUnitVector);
        const first = vectors[0];
        if (this.current.dimension === 0 && first) this.current = { ...this.current, dimension: first.length };
        return vectors;
      },
      this.opts.concurrency ?? 1,
    );
  }

  async probe(): Promise<EmbedderInfo> {
    await this.embed([PROBE_TEXT], 'query');
    return this.current;
  }
}

/** Providers reject empty inputs (and the local model drops them): embed a blank instead. */
export function nonEmptyText(text: string): string {
  return text.trim() === '' ? ' ' : text;
}

/** Copies into a Float32Array scaled to unit length (a zero vector stays zero). */
export function toUnitVector(values: ArrayLike<number>): Float32Array {
  const v = Float32Array.from(values);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  const norm = Math.sqrt(sum);
  if (norm > 0 && Math.abs(norm - 1) > 1e-6) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** An endpoint as it may appear in messages: no credentials, query or fragment. */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The most specific reason in an error's cause chain, e.g. "ECONNREFUSED" or "fetch failed". */
export function rootCauseMessage(error: unknown): string {
  let current: unknown = error;
  let message = '';
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    message = typeof code === 'string' && code ? code : current.message || message;
    current = (current as { cause?: unknown }).cause;
  }
  return message || 'network error';
}
