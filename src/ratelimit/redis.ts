/**
 * Redis fixed-window limiter shared by every instance: INCR on `<prefix>:<key>:<window>` and
 * PEXPIRE when the counter is new, in one MULTI so a crash cannot leave a counter without expiry.
 */
import { Redis } from 'ioredis';
import type { RateLimiter, RateLimitResult, RateLimitRule } from './limiter.js';

export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis';

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'kairos:rl',
    private readonly now: () => number = Date.now,
  ) {}

  static connect(url: string, prefix?: string): RedisRateLimiter {
    return new RedisRateLimiter(new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }), prefix);
  }

  private slot(key: string, rule: RateLimitRule): { redisKey: string; retryAfterS: number } {
    const now = this.now();
    const window = Math.floor(now / rule.windowMs);
    const resetAt = (window + 1) * rule.windowMs;
    return { redisKey: `${this.prefix}:${key}:${rule.windowMs}:${window}`, retryAfterS: Math.max(1, Math.ceil((resetAt - now) / 1000)) };
  }

  async peek(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const { redisKey, retryAfterS } = this.slot(key, rule);
    const count = Number((await this.redis.get(redisKey)) ?? 0);
    return { allowed: count < rule.limit, retryAfterS, remaining: Math.max(0, rule.limit - count) };
  }

  async hit(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const { redisKey, retryAfterS } = this.slot(key, rule);
    const results = await this.redis.multi().incr(redisKey).pexpire(redisKey, rule.windowMs, 'NX').exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    return { allowed: count <= rule.limit, retryAfterS, remaining: Math.max(0, rule.limit - count) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
