/** In-process fixed-window limiter, for one instance (several instances need Redis). */
import type { RateLimiter, RateLimitResult, RateLimitRule } from './limiter.js';

export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size > 100_000) this.sweep(now);
      w = { count: 0, resetAt: now + rule.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    const retryAfterS = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    return { allowed: w.count <= rule.limit, retryAfterS, remaining: Math.max(0, rule.limit - w.count) };
  }

  async peek(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const now = this.now();
    const w = this.windows.get(key);
    const count = w && w.resetAt > now ? w.count : 0;
    const retryAfterS = w && w.resetAt > now ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : 1;
    return { allowed: count < rule.limit, retryAfterS, remaining: Math.max(0, rule.limit - count) };
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }
}
