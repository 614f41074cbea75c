/**
 * Bearer token → ServicePrincipal, per request: `kairos_ck_` connector secrets (acting for the
 * channel user a header names, see connector.ts), `kairos_sk_` API keys, access tokens of Kairos's
 * own authorization server (valid only for the resource they were issued for, and only while
 * their grant lives), JWTs of allow-listed OIDC issuers, and otherwise GitHub OAuth tokens. The first sign-in on a new channel creates a
 * user. Failures are audited (with no token material) and answered with one generic 401.
 */
import { KairosError } from '../core/errors.js';
import { verifyApiKey, looksLikeApiKey } from '../identity/apiKeys.js';
import { looksLikeConnectorSecret, verifyConnector } from '../identity/connectors.js';
import { claimsChannel, connectorPrincipal, NOT_A_CONNECTOR_MESSAGE, type ChannelClaim } from './connector.js';
import { audit } from '../identity/audit.js';
import type { SqlDb } from '../identity/sql.js';
import { resolveChannelUser } from '../identity/users.js';
import type { GitHubVerifier } from './github.js';
import { decodeJwt } from 'jose';
import { liveGrant } from '../identity/oauthStore.js';
import { looksLikeJwt, type OidcVerifier } from './jwt.js';
import { principalScopes } from './oauth/scopes.js';
import type { AccessTokens } from './oauth/tokens.js';
import type { ServicePrincipal, VerifiedChannel } from './principal.js';

export interface AuthenticatorDeps {
  db: SqlDb;
  github?: GitHubVerifier;
  oidc?: OidcVerifier;
  /** Kairos's own authorization server, and the one resource its tokens are for. */
  oauth?: { tokens: AccessTokens; resource: () => string };
  now?: () => Date;
}

/** What the request is for: the MCP endpoint (the protected resource of OAuth tokens) or /v1. */
export type AuthTarget = 'mcp' | 'api';

export const INVALID_TOKEN_MESSAGE = 'The bearer token is not valid (unknown, revoked or expired). Sign in again, or create an API key with POST /v1/keys.';

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  /** `claim`: the channel user a connector names (headers); any other credential must name none. */
  async authenticate(token: string, target: AuthTarget = 'api', claim?: ChannelClaim): Promise<ServicePrincipal> {
    const now = this.deps.now?.() ?? new Date();
    if (looksLikeConnectorSecret(token)) {
      const connector = await verifyConnector(this.deps.db, token, now);
      if (!connector) return this.fail('connector');
      return connectorPrincipal(this.deps.db, connector, claim ?? {});
    }
    // A person's own credential speaks for that person only, never for a channel user it names.
    if (claimsChannel(claim)) throw new KairosError('forbidden', NOT_A_CONNECTOR_MESSAGE);
    if (looksLikeApiKey(token)) {
      const key = await verifyApiKey(this.deps.db, token, now);
      if (!key) return this.fail('api_key');
      return { uid: key.uid, via: 'api-key', scopes: key.scopes, keyId: key.keyId };
    }
    let verified: VerifiedChannel | undefined;
    let kind: string;
    if (looksLikeJwt(token) && this.deps.oauth && this.deps.oauth.tokens.isOurs(issuerOf(token))) {
      return this.ownAccessToken(token, target, now, this.deps.oauth);
    }
    if (looksLikeJwt(token)) {
      kind = 'oidc';
      verified = await this.deps.oidc?.verify(token);
    } else {
      kind = 'github';
      verified = await this.deps.github?.verify(token);
    }
    if (!verified) return this.fail(kind);
    const { uid } = await resolveChannelUser(this.deps.db, verified.channel, verified.displayName);
    return {
      uid,
      via: verified.channel.type,
      scopes: verified.scopes,
      channel: verified.channel,
      ...(verified.displayName ? { displayName: verified.displayName } : {}),
    };
  }

  /** No token passthrough: a token for another audience (or used on /v1) is refused. */
  private async ownAccessToken(token: string, target: AuthTarget, now: Date, oauth: NonNullable<AuthenticatorDeps['oauth']>): Promise<ServicePrincipal> {
    const claims = target === 'mcp' ? await oauth.tokens.verify(token, oauth.resource(), now) : undefined;
    const grant = claims ? await liveGrant(this.deps.db, claims.grantId) : undefined;
    if (!claims || !grant || grant.uid !== claims.uid) return this.fail('oauth');
    return { uid: claims.uid, via: 'oauth', scopes: principalScopes(claims.scopes), keyId: claims.grantId };
  }

  private async fail(kind: string): Promise<never> {
    await audit(this.deps.db, 'auth.failed', null, kind);
    throw new KairosError('unauthorized', INVALID_TOKEN_MESSAGE);
  }
}

function issuerOf(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}
