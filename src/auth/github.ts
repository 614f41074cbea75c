/**
 * GitHub OAuth tokens: validated against `GET {apiUrl}/user`, with a short in-process cache keyed
 * by a hash of the token (never the token itself). The channel is the numeric GitHub user id,
 * which survives renames.
 */
import { z } from 'zod';
import { KairosError } from '../core/errors.js';
import { sha256Hex } from '../identity/ids.js';
import type { VerifiedChannel } from './principal.js';

const UserSchema = z.object({ id: z.number().int(), login: z.string().optional() });

export interface GitHubVerifierOptions {
  apiUrl: string;
  cacheMs?: number;
  timeoutMs?: number;
  now?: () => number;
  maxEntries?: number;
}

export class GitHubVerifier {
  private readonly cache = new Map<string, { value: VerifiedChannel; until: number }>();

  constructor(private readonly opts: GitHubVerifierOptions) {}

  /** The GitHub identity of `token`, or undefined when GitHub refuses it. */
  async verify(token: string): Promise<VerifiedChannel | undefined> {
    const now = this.opts.now?.() ?? Date.now();
    const key = sha256Hex(token);
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.value;
    this.cache.delete(key);
    let res: Response;
    try {
      res = await fetch(`${this.opts.apiUrl.replace(/\/$/, '')}/user`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'kairos' },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
      });
    } catch (e) {
      throw new KairosError('unavailable', 'GitHub could not be reached to check the sign-in token. Try again shortly.', { cause: e });
    }
    if (res.status === 401 || res.status === 403) return undefined;
    if (!res.ok) throw new KairosError('unavailable', `GitHub answered ${res.status} while checking the sign-in token. Try again shortly.`);
    const user = UserSchema.safeParse(await res.json().catch(() => undefined));
    if (!user.success) return undefined;
    const value: VerifiedChannel = {
      channel: { type: 'github', uid: String(user.data.id) },
      scopes: ['read', 'write', 'admin'],
      ...(user.data.login ? { displayName: user.data.login } : {}),
    };
    if (this.cache.size >= (this.opts.maxEntries ?? 10_000)) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { value, until: now + (this.opts.cacheMs ?? 60_000) });
    return value;
  }
}
