/** Picks the limiter: Redis when REDIS_URL is set (shared by instances), in-process otherwise. */
import { MemoryRateLimiter } from './memory.js';
import type { RateLimiter } from './limiter.js';
import { RedisRateLimiter } from './redis.js';

export type { RateLimiter, RateLimitResult, RateLimitRule } from './limiter.js';
export { enforce } from './limiter.js';
export { MemoryRateLimiter } from './memory.js';
export { RedisRateLimiter } from './redis.js';

export function openRateLimiter(redisUrl: string | undefined, prefix?: string): RateLimiter {
  return redisUrl ? RedisRateLimiter.connect(redisUrl, prefix) : new MemoryRateLimiter();
}
