/**
 * The one retry, timeout and error policy shared by every remote embedder. Provider modules
 * only translate their client's errors into a `ProviderFailure`; what is retried, how long we
 * wait and which KairosError the user sees is decided here, once.
 */
import { KairosError } from '../core/errors.js';
import { findEgressRefusal } from './egress.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** First backoff step; doubles on each retry, with jitter. */
  baseDelayMs: number;
  /** Longest single wait. A Retry-After longer than this ends the retries at once. */
  maxDelayMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
}

/** Overrides of the default policy, as read from configuration (a key may be present but undefined). */
export type RetryOverrides = { [K in keyof RetryPolicy]?: RetryPolicy[K] | undefined };

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  timeoutMs: 30_000,
};

/** Fills the gaps of a partial policy with the defaults. */
export function resolveRetryPolicy(partial: RetryOverrides = {}): RetryPolicy {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_RETRY_POLICY, ...defined };
}

/** A provider error in neutral terms, as each provider module's `classify` reports it. */
export interface ProviderFailure {
  kind: 'http' | 'timeout' | 'network';
  /** HTTP status when a response came back. */
  status?: number;
  /** The provider's own explanation (redacted before it reaches a message). */
  message: string;
  /** Provider error code, e.g. `insufficient_quota`, `DeploymentNotFound`, `model_not_found`. */
  code?: string;
  retryAfterMs?: number;
}

/** What the error mapping needs to know about the provider to write actionable messages. */
export interface ProviderDescription {
  /** Display name: "OpenAI", "Azure OpenAI", "Cohere". */
  name: string;
  /** Where a valid key is configured, e.g. "the KAIROS_OPENAI_API_KEY (or OPENAI_API_KEY) environment variable". */
  keySource: string;
  /** Host or endpoint we talk to, for network messages (no credentials). */
  target: string;
  /** Values that must never appear in a message (the API key). */
  secrets: readonly string[];
  /**
   * Service mode: the endpoint is the user's choice, so nothing it says (body, socket errors)
   * is passed on; messages carry only the status class.
   */
  opaque?: boolean;
  /** Message for a 404 / model-not-found, given the provider's (redacted) explanation. */
  notFound(providerMessage: string, failure: ProviderFailure): string;
}

/** Classifies a thrown value; `undefined` means "not a provider failure", which is rethrown as is. */
export type Classify = (error: unknown) => ProviderFailure | undefined;

export interface RetryOptions {
  policy: RetryPolicy;
  provider: ProviderDescription;
  classify: Classify;
  /** Injected in tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `op` with a per-attempt timeout (its AbortSignal fires on timeout) and retries transient
 * failures with exponential backoff and jitter, honouring Retry-After. Every failure leaves as a
 * KairosError mapped by `toKairosError`.
 */
export async function withRetry<T>(op: (signal: AbortSignal) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { policy, provider, classify } = opts;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, policy.timeoutMs);
    let failure: ProviderFailure | undefined;
    let cause: unknown;
    try {
      return await op(controller.signal);
    } catch (error) {
      cause = error;
      const refused = findEgressRefusal(error);
      if (refused) {
        throw new KairosError('invalid_input', `Kairos will not call this embedding endpoint: ${refused.reason}. Use the provider's public https endpoint.`);
      }
      // Clients report our abort in their own words; the flag says what really happened.
      failure = timedOut ? { kind: 'timeout', message: `no response within ${formatMs(policy.timeoutMs)}` } : classify(error);
      if (!failure) throw error;
    } finally {
      clearTimeout(timer);
    }
    if (!isRetryable(failure) || attempt >= policy.maxAttempts) {
      throw toKairosError(failure, provider, { attempts: attempt, policy, cause });
    }
    const wait = failure.retryAfterMs ?? backoffDelay(attempt, policy, random);
    if (wait > policy.maxDelayMs) throw toKairosError(failure, provider, { attempts: attempt, policy, cause });
    await sleep(wait);
  }
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Transient: timeouts, network errors, 408, 429 (except an exhausted quota) and 5xx. */
export function isRetryable(f: ProviderFailure): boolean {
  if (f.kind !== 'http') return true;
  const status = f.status ?? 0;
  if (status === 429) return !isQuotaExhausted(f);
  return status === 408 || status >= 500;
}

function isQuotaExhausted(f: ProviderFailure): boolean {
  return f.status === 402 || f.code === 'insufficient_quota';
}

type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const raw = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

/**
 * Reads `retry-after-ms` (OpenAI, Azure) or `Retry-After` (seconds or an HTTP date) into
 * milliseconds; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = Number.parseFloat(header(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = header(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number.parseFloat(raw) * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Removes API keys (and the masked key echoes some providers put in 401 messages) from text. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(api[ _-]?key provided:?\s*)[^\s,;]*[^\s,;.]/gi, '$1[redacted]').replace(/\bsk-[A-Za-z0-9_*-]{3,}/g, 'sk-[redacted]');
}

/**
 * The single mapping from provider failures to Kairos errors: 401/403 → embedder_auth,
 * exhausted quota or rate limit → embedder_quota, 404 → embedder_not_found, other 4xx →
 * invalid_input, timeouts / network / 5xx → embedder_unavailable.
 */
export function toKairosError(f: ProviderFailure, provider: ProviderDescription, ctx: { attempts: number; policy: RetryPolicy; cause?: unknown }): KairosError {
  const name = provider.name;
  const statusClass = f.status === undefined ? 'no answer' : `HTTP ${Math.floor(f.status / 100)}xx`;
  const said = provider.opaque ? statusClass : redactSecrets(f.message, provider.secrets).trim() || 'no details given';
  const details: Record<string, unknown> = { provider: name, attempts: ctx.attempts };
  if (f.status !== undefined) details.status = f.status;
  if (f.code !== undefined) details.providerCode = f.code;
  // Only transport errors keep their cause: HTTP errors carry the provider's text, which may
  // echo (part of) the key, and causes end up in logs.
  const opts = f.kind === 'http' ? { details } : { details, cause: ctx.cause };
  const tries = ctx.attempts === 1 ? '1 attempt' : `${ctx.attempts} attempts`;

  if (f.kind === 'timeout') {
    return new KairosError(
      'embedder_unavailable',
      `${name} did not answer within ${formatMs(ctx.policy.timeoutMs)} (${tries}). ` +
        `Try again later; if it keeps happening, check ${provider.target} is reachable or raise the timeout.`,
      opts,
    );
  }
  if (f.kind === 'network') {
    return new KairosError(
      'embedder_unavailable',
      provider.opaque
        ? `Could not reach ${name} at ${provider.target} (${tries}). Check the endpoint URL.`
        : `Could not reach ${name} at ${provider.target} (${said}; ${tries}). Check the endpoint URL and your network.`,
      opts,
    );
  }
  const status = f.status ?? 0;
  if (status === 401 || status === 403) {
    return new KairosError(
      'embedder_auth',
      provider.opaque
        ? `${name} rejected the API key (${said}). Set a valid key with ${provider.keySource}.`
        : `${name} rejected the API key (${said}). Set a valid key with \`kairos config\` or ${provider.keySource}.`,
      opts,
    );
  }
  if (isQuotaExhausted(f)) {
    return new KairosError(
      'embedder_quota',
      `${name} says this account is out of quota (${said}). Check the plan and billing details of the account, ` + `or switch to another embedder.`,
      opts,
    );
  }
  if (status === 429) {
    const retryAfter = f.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(f.retryAfterMs / 1000));
    const when = retryAfter === undefined ? 'a little while' : `${retryAfter} s`;
    return new KairosError(
      'embedder_quota',
      `${name} is rate-limiting this API key (${said}); gave up after ${tries}. Wait ${when} and try again, ` + `or raise the account's rate limit.`,
      retryAfter === undefined ? opts : { ...opts, retryAfter },
    );
  }
  if (status === 404 || f.code === 'model_not_found' || f.code === 'DeploymentNotFound') {
    return new KairosError(
      'embedder_not_found',
      provider.opaque ? `${name} has no such model or deployment at this endpoint (${said}). Check the model name.` : provider.notFound(said, f),
      opts,
    );
  }
  if (status >= 400 && status < 500 && status !== 408) {
    return new KairosError(
      'invalid_input',
      provider.opaque ? `${name} refused the request (${said}).` : `${name} refused the request (HTTP ${status}: ${said}).`,
      opts,
    );
  }
  return new KairosError(
    'embedder_unavailable',
    provider.opaque
      ? `${name} is unavailable (${said}; ${tries}). Try again later.`
      : `${name} is unavailable (HTTP ${status}: ${said}; ${tries}). Try again later.`,
    opts,
  );
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Splits `items` into batches of `size`, runs `fn` on them with at most `concurrency` in flight,
 * and concatenates the results in input order.
 */
export async function mapBatches<T, R>(items: readonly T[], size: number, fn: (batch: T[], index: number) => Promise<R[]>, concurrency = 1): Promise<R[]> {
  const batchSize = Math.max(1, Math.floor(size));
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  const results: R[][] = new Array<R[]>(batches.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    // After a failure no new batch starts: the caller gets the error, not a half-spent quota.
    while (!failed && next < batches.length) {
      const index = next++;
      try {
        results[index] = await fn(batches[index] as T[], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), batches.length) }, worker));
  return results.flat();
}
