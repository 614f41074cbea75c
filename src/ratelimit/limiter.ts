/** The rate-limiter port: fixed windows counted per key (a principal, or a principal + action). */
import { KairosError } from '../core/errors.js';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterS: number;
  remaining: number;
}

export interface RateLimiter {
  readonly kind: string;
  hit(key: string, rule: RateLimitRule): Promise<RateLimitResult>;
  /** The key's state in the current window without counting a hit (allowed = a hit now would pass). */
  peek(key: string, rule: RateLimitRule): Promise<RateLimitResult>;
  close(): Promise<void>;
}

/** Throws `rate_limited` (429 + Retry-After) when the key is over its rule. */
export async function enforce(limiter: RateLimiter, key: string, rule: RateLimitRule, what: string): Promise<void> {
  const r = await limiter.hit(key, rule);
  if (!r.allowed) {
    throw new KairosError('rate_limited', `Too many ${what}. Wait ${r.retryAfterS} s and try again.`, { retryAfter: r.retryAfterS });
  }
}
