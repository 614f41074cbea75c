/**
 * Failed sign-ins per client address, counted per credential path (API key, GitHub token, JWT,
 * anything else): junk on one path never locks out another. Once an address is over the limit
 * on a path, tokens of that path checked by an upstream (GitHub) get 429 before the upstream is
 * asked; locally verified ones (API keys, JWTs) are still checked within a budget ten times
 * larger, so a valid key keeps working while a flood of junk does not.
 */
import { KairosError, isKairosError } from '../core/errors.js';
import { CONNECTOR_PREFIX } from '../identity/connectors.js';
import type { RateLimitRule, RateLimiter } from '../ratelimit/index.js';

export type CredentialPath = 'api-key' | 'connector' | 'jwt' | 'github' | 'other';

/** The verification path a bearer token takes, from its shape alone. */
export function credentialPath(token: string): CredentialPath {
  if (token.startsWith('kairos_sk_')) return 'api-key';
  // A bot's secret has its own path: junk tokens from a shared address must not lock its bot out.
  if (token.startsWith(CONNECTOR_PREFIX)) return 'connector';
  if (token.startsWith('eyJ')) return 'jwt';
  if (/^gh[opsu]_|^github_pat_/.test(token)) return 'github';
  return 'other';
}

/** Paths verified without asking anyone else: cheap enough to keep checking for an over-limit address. */
const LOCAL_PATHS: ReadonlySet<CredentialPath> = new Set(['api-key', 'connector', 'jwt']);
const BLOCKED_BUDGET_FACTOR = 10;

function tooMany(retryAfterS: number): KairosError {
  return new KairosError('rate_limited', `Too many failed sign-ins from your address. Wait ${retryAfterS} s and try again.`, { retryAfter: retryAfterS });
}

export class FailedAuthGuard {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly rule: RateLimitRule,
  ) {}

  /** Runs `authenticate` for `client` unless its path is blocked for the address; counts `unauthorized` failures. */
  async guard<T>(client: string | undefined, path: CredentialPath, authenticate: () => Promise<T>): Promise<T> {
    if (client === undefined) return authenticate();
    const failKey = `authfail:${path}:${client}`;
    const state = await this.limiter.peek(failKey, this.rule);
    if (!state.allowed) {
      if (!LOCAL_PATHS.has(path)) throw tooMany(state.retryAfterS);
      const budget = await this.limiter.hit(`authblocked:${path}:${client}`, { ...this.rule, limit: this.rule.limit * BLOCKED_BUDGET_FACTOR });
      if (!budget.allowed) throw tooMany(budget.retryAfterS);
    }
    try {
      return await authenticate();
    } catch (e) {
      if (isKairosError(e) && e.code === 'unauthorized') {
        await this.limiter.hit(failKey, this.rule);
        if (!state.allowed) throw tooMany(state.retryAfterS);
      }
      throw e;
    }
  }
}
