/**
 * Failed sign-ins per client address. Once an address has failed `limit` times in a window, its
 * next requests get 429 + Retry-After before any token is checked, so bogus tokens cannot make
 * the server hammer GitHub or an OIDC issuer on someone's behalf. Shares the request limiter
 * (Redis when REDIS_URL is set, so every instance counts the same failures).
 */
import { KairosError, isKairosError } from '../core/errors.js';
import type { RateLimiter, RateLimitRule } from '../ratelimit/index.js';

export class FailedAuthGuard {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly rule: RateLimitRule,
  ) {}

  private key(client: string): string {
    return `authfail:${client}`;
  }

  /** Runs `authenticate` for `client` unless the address is blocked; counts its `unauthorized` failures. */
  async guard<T>(client: string | undefined, authenticate: () => Promise<T>): Promise<T> {
    if (client === undefined) return authenticate();
    const state = await this.limiter.peek(this.key(client), this.rule);
    if (!state.allowed) {
      throw new KairosError('rate_limited', `Too many failed sign-ins from your address. Wait ${state.retryAfterS} s and try again.`, {
        retryAfter: state.retryAfterS,
      });
    }
    try {
      return await authenticate();
    } catch (e) {
      if (isKairosError(e) && e.code === 'unauthorized') await this.limiter.hit(this.key(client), this.rule);
      throw e;
    }
  }
}
