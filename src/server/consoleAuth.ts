/**
 * Console sign-in without typing a token: a one-time login token (printed in the console URL,
 * single use, 10 minutes) is exchanged for a session cookie. Only hashes are kept in memory.
 */
import { createHash, randomBytes } from 'node:crypto';

export const LOGIN_TOKEN_TTL_MS = 10 * 60 * 1000;
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_COOKIE = 'kairos_session';

function hash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

export class ConsoleAuth {
  private readonly loginTokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh one-time login token; only its hash is stored. */
  issueLoginToken(): string {
    this.prune();
    const token = randomBytes(32).toString('base64url');
    this.loginTokens.set(hash(token), this.now() + LOGIN_TOKEN_TTL_MS);
    return token;
  }

  /** Consumes a login token: true once, for an unexpired token; false afterwards. */
  redeemLoginToken(token: string): boolean {
    const key = hash(token);
    const expires = this.loginTokens.get(key);
    this.loginTokens.delete(key);
    return expires !== undefined && expires > this.now();
  }

  /** Starts a session; returns the cookie value. */
  createSession(): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(hash(id), this.now() + SESSION_TTL_MS);
    return id;
  }

  verifySession(id: string): boolean {
    const expires = this.sessions.get(hash(id));
    return expires !== undefined && expires > this.now();
  }

  private prune(): void {
    const t = this.now();
    for (const [k, exp] of this.loginTokens) if (exp <= t) this.loginTokens.delete(k);
    for (const [k, exp] of this.sessions) if (exp <= t) this.sessions.delete(k);
  }
}
