import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY, mapBatches, parseRetryAfter, redactSecrets, toKairosError, withRetry } from '../../src/embeddings/retry.js';
import type { ProviderDescription, ProviderFailure } from '../../src/embeddings/retry.js';

const provider: ProviderDescription = {
  name: 'Acme',
  keySource: 'the ACME_API_KEY environment variable',
  target: 'https://acme.test/v1',
  secrets: ['acme-secret-key-1234'],
  notFound: (said) => `Acme has no such model (${said}).`,
};
const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, timeoutMs: 1000 };

describe('retry policy', () => {
  it('reads retry-after-ms, Retry-After seconds and Retry-After dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }, now)).toBe(5000);
    expect(parseRetryAfter(new Headers())).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('backs off exponentially with jitter and a cap', () => {
    const p = { ...policy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, p, () => 0)).toBe(50);
    expect(backoffDelay(1, p, () => 1)).toBe(100);
    expect(backoffDelay(3, p, () => 1)).toBe(400);
    expect(backoffDelay(10, p, () => 1)).toBe(1000);
  });

  it('retries transient failures and not permanent ones', async () => {
    const failures: ProviderFailure[] = [
      { kind: 'http', status: 503, message: 'busy' },
      { kind: 'network', message: 'ECONNRESET' },
    ];
    let calls = 0;
    const result = await withRetry(
      async () => {
        const f = failures[calls++];
        if (f) throw f;
        return 'ok';
      },
      { policy, provider, classify: (e) => e as ProviderFailure, sleep: async () => {} },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw { kind: 'http', status: 400, message: 'bad input' } satisfies ProviderFailure;
        },
        { policy, provider, classify: (e) => e as ProviderFailure, sleep: async () => {} },
      ),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(calls).toBe(1);
  });

  it('rethrows errors that are not provider failures unchanged', async () => {
    const bug = new TypeError('a bug');
    await expect(withRetry(async () => Promise.reject(bug), { policy, provider, classify: () => undefined })).rejects.toBe(bug);
  });

  it('maps every failure class to the right KairosError code', () => {
    const map = (f: ProviderFailure) => toKairosError(f, provider, { attempts: 4, policy });
    expect(map({ kind: 'http', status: 401, message: 'bad key' }).code).toBe('embedder_auth');
    expect(map({ kind: 'http', status: 403, message: 'forbidden' }).code).toBe('embedder_auth');
    expect(map({ kind: 'http', status: 429, message: 'quota', code: 'insufficient_quota' }).code).toBe('embedder_quota');
    expect(map({ kind: 'http', status: 402, message: 'pay' }).code).toBe('embedder_quota');
    const limited = map({ kind: 'http', status: 429, message: 'slow down', retryAfterMs: 2500 });
    expect([limited.code, limited.retryAfter]).toEqual(['embedder_quota', 3]);
    expect(map({ kind: 'http', status: 404, message: 'no model' }).code).toBe('embedder_not_found');
    expect(map({ kind: 'http', status: 400, message: 'model gone', code: 'model_not_found' }).code).toBe('embedder_not_found');
    expect(map({ kind: 'http', status: 400, message: 'too long' }).code).toBe('invalid_input');
    expect(map({ kind: 'http', status: 502, message: 'bad gateway' }).code).toBe('embedder_unavailable');
    expect(map({ kind: 'timeout', message: 'slow' }).code).toBe('embedder_unavailable');
    expect(map({ kind: 'network', message: 'ECONNREFUSED' }).code).toBe('embedder_unavailable');
  });

  it('keeps API keys and masked key echoes out of messages', () => {
    const e = toKairosError(
      { kind: 'http', status: 401, message: 'Incorrect API key provided: acme-s********1234. Key acme-secret-key-1234 revoked' },
      provider,
      { attempts: 1, policy },
    );
    expect(e.message).not.toContain('acme-secret-key-1234');
    expect(e.message).not.toContain('1234');
    expect(redactSecrets('use sk-proj-abc123XYZ now', [])).toBe('use sk-[redacted] now');
    expect(redactSecrets('Incorrect API key provided: sk-abc*****1234. You can find it', [])).toBe('Incorrect API key provided: [redacted]. You can find it');
  });
});

describe('mapBatches', () => {
  it('splits into batches of the given size and keeps the input order, even with concurrency', async () => {
    const sizes: number[] = [];
    const out = await mapBatches(
      Array.from({ length: 10 }, (_, i) => i),
      4,
      async (batch, index) => {
        sizes.push(batch.length);
        await new Promise((r) => setTimeout(r, (3 - index) * 5));
        return batch.map((n) => n * 10);
      },
      3,
    );
    expect(sizes.sort()).toEqual([2, 4, 4]);
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('starts no new batch after one has failed', async () => {
    let started = 0;
    await expect(
      mapBatches([1, 2, 3, 4], 1, async () => {
        started++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toBe(1);
  });
});
