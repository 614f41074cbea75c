import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from '../../src/ratelimit/index.js';
import { REDIS_URL } from './harness.js';

const limiters: Array<{ name: string; make(now: () => number): RateLimiter }> = [
  { name: 'in-process', make: (now) => new MemoryRateLimiter(now) },
  { name: 'redis', make: () => RedisRateLimiter.connect(REDIS_URL, `kairos_test_${randomBytes(6).toString('hex')}`) },
];

describe.each(limiters)('the $name rate limiter', ({ make }) => {
  const opened: RateLimiter[] = [];
  afterAll(async () => {
    for (const l of opened) await l.close();
  });

  it('allows the limit, then refuses with a Retry-After within the window', async () => {
    const limiter = make(() => Date.now());
    opened.push(limiter);
    const rule = { limit: 3, windowMs: 60_000 };
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.hit('principal-a', rule));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[4]!.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(results[4]!.retryAfterS).toBeLessThanOrEqual(60);
    expect((await limiter.hit('principal-b', rule)).allowed).toBe(true);
  });

  it('peeks at a key without counting a hit', async () => {
    const limiter = make(() => Date.now());
    opened.push(limiter);
    const rule = { limit: 2, windowMs: 60_000 };
    expect(await limiter.peek('quiet', rule)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.peek('quiet', rule)).toMatchObject({ allowed: true, remaining: 2 });
    await limiter.hit('quiet', rule);
    expect(await limiter.peek('quiet', rule)).toMatchObject({ allowed: true, remaining: 1 });
    await limiter.hit('quiet', rule);
    const full = await limiter.peek('quiet', rule);
    expect(full).toMatchObject({ allowed: false, remaining: 0 });
    expect(full.retryAfterS).toBeGreaterThanOrEqual(1);
  });
});

describe('the redis rate limiter', () => {
  it('shares one count between two instances, as several servers behind a load balancer do', async () => {
    const prefix = `kairos_test_${randomBytes(6).toString('hex')}`;
    const a = RedisRateLimiter.connect(REDIS_URL, prefix);
    const b = RedisRateLimiter.connect(REDIS_URL, prefix);
    try {
      const rule = { limit: 2, windowMs: 60_000 };
      expect((await a.hit('u', rule)).allowed).toBe(true);
      expect((await b.hit('u', rule)).allowed).toBe(true);
      expect((await a.hit('u', rule)).allowed).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
