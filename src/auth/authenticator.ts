/**
 * Bearer token → ServicePrincipal, per request: `kairos_sk_` API keys, JWTs of allow-listed
 * OIDC issuers, and otherwise GitHub OAuth tokens. The first sign-in on a new channel creates a
 * user. Failures are audited (with no token material) and answered with one generic 401.
 */
import { KairosError } from '../core/errors.js';
import { verifyApiKey, looksLikeApiKey } from '../identity/apiKeys.js';
import { audit } from '../identity/audit.js';
import type { SqlDb } from '../identity/sql.js';
import { resolveChannelUser } from '../identity/users.js';
import type { GitHubVerifier } from './github.js';
import { looksLikeJwt, type OidcVerifier } from './jwt.js';
import type { ServicePrincipal, VerifiedChannel } from './principal.js';

export interface AuthenticatorDeps {
  db: SqlDb;
  github?: GitHubVerifier;
  oidc?: OidcVerifier;
  now?: () => Date;
}

export const INVALID_TOKEN_MESSAGE =
  'The bearer token is not valid (unknown, revoked or expired). Sign in again, or create an API key with POST /v1/keys.';

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  async authenticate(token: string): Promise<ServicePrincipal> {
    const now = this.deps.now?.() ?? new Date();
    if (looksLikeApiKey(token)) {
      const key = await verifyApiKey(this.deps.db, token, now);
      if (!key) return this.fail('api_key');
      return { uid: key.uid, via: 'api-key', scopes: key.scopes, keyId: key.keyId };
    }
    let verified: VerifiedChannel | undefined;
    let kind: string;
    if (looksLikeJwt(token)) {
      kind = 'oidc';
      verified = await this.deps.oidc?.verify(token);
    } else {
      kind = 'github';
      verified = await this.deps.github?.verify(token);
    }
    if (!verified) return this.fail(kind);
    const { uid } = await resolveChannelUser(this.deps.db, verified.channel);
    return {
      uid,
      via: verified.channel.type,
      scopes: verified.scopes,
      channel: verified.channel,
      ...(verified.displayName ? { displayName: verified.displayName } : {}),
    };
  }

  private async fail(kind: string): Promise<never> {
    await audit(this.deps.db, 'auth.failed', null, kind);
    throw new KairosError('unauthorized', INVALID_TOKEN_MESSAGE);
  }
}
