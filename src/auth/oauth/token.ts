/**
 * The token endpoint (authorization_code with PKCE, refresh_token with rotation) and RFC 7009
 * revocation, both with client authentication (none, client_secret_post, client_secret_basic).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { decodeJwt } from 'jose';
import { audit } from '../../identity/audit.js';
import { sha256Hex } from '../../identity/ids.js';
import { createGrant, redeemCode, revokeByRefreshToken, revokeGrantOfClient, rotateRefreshToken } from '../../identity/oauthStore.js';
import { lookupClient } from './clientMetadata.js';
import { ALL_OAUTH_SCOPES, parseScopes } from './scopes.js';
import { formFields, mcpResource, OAuthError, oauthErrors, refuseUnsafeParam, type OAuthServerDeps } from './shared.js';

function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function tokenRoutes(r: Hono, deps: OAuthServerDeps): void {
  const resource = (): string => mcpResource(deps);

  /** Client authentication at the token and revocation endpoints (RFC 6749 §2.3). */
  async function authenticateClient(c: Context, form: Record<string, string | undefined>): Promise<string> {
    let clientId = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials.', 401);
      try {
        clientId = decodeURIComponent(decoded.slice(0, i));
        secret = decodeURIComponent(decoded.slice(i + 1));
      } catch {
        throw new OAuthError('invalid_client', 'Malformed Basic credentials.', 401);
      }
      refuseUnsafeParam('client_id', clientId);
      refuseUnsafeParam('client_secret', secret);
    }
    if (!clientId) throw new OAuthError('invalid_client', 'client_id is required.', 401);
    let client;
    try {
      client = await lookupClient(deps, clientId, deps.clientAddress(c));
    } catch (e) {
      if (e instanceof OAuthError) throw new OAuthError('invalid_client', e.description, 401);
      throw e;
    }
    if (!client) throw new OAuthError('invalid_client', 'Unknown client_id.', 401);
    if (client.secretHash) {
      if (!secret || !sameString(sha256Hex(secret), client.secretHash)) throw new OAuthError('invalid_client', 'Client authentication failed.', 401);
    }
    return client.clientId;
  }

  async function tokenResponse(
    c: Context,
    grant: { id: string; uid: string; clientId: string; scopes: string[]; resource: string },
    refreshToken: string,
  ): Promise<Response> {
    const access = await deps.tokens.issue(
      { uid: grant.uid, grantId: grant.id, clientId: grant.clientId, scopes: grant.scopes, resource: grant.resource },
      deps.now(),
    );
    c.header('Pragma', 'no-cache');
    return c.json({
      access_token: access,
      token_type: 'Bearer',
      expires_in: deps.tokens.ttlSeconds,
      refresh_token: refreshToken,
      scope: grant.scopes.join(' '),
    });
  }

  r.post(
    '/token',
    oauthErrors(async (c) => {
      const form = await formFields(c);
      const clientId = await authenticateClient(c, form);
      const now = deps.now();
      if (form.resource !== undefined && form.resource !== resource())
        throw new OAuthError('invalid_target', `This server issues tokens only for ${resource()}.`);
      if (form.grant_type === 'authorization_code') {
        if (!form.code) throw new OAuthError('invalid_request', 'code is required.');
        if (!form.code_verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE).');
        const found = await redeemCode(deps.db, form.code, now);
        if (found.status === 'reused') {
          await audit(deps.db, 'oauth.code_reused', null, clientId);
          throw new OAuthError('invalid_grant', 'This authorization code was already used; the access it granted is revoked.');
        }
        if (found.status !== 'ok') throw new OAuthError('invalid_grant', 'The authorization code is unknown or expired.');
        const code = found.code;
        if (code.clientId !== clientId) throw new OAuthError('invalid_grant', 'The authorization code was issued to another client.');
        if (form.redirect_uri !== code.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri must be the one used in the authorization request.');
        if (!sameString(pkceS256(form.code_verifier), code.codeChallenge))
          throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge.');
        const { grantId, refreshToken } = await createGrant(deps.db, form.code, code, now);
        await audit(deps.db, 'oauth.granted', code.uid, clientId);
        return tokenResponse(c, { id: grantId, uid: code.uid, clientId, scopes: code.scopes, resource: code.resource }, refreshToken);
      }
      if (form.grant_type === 'refresh_token') {
        if (!form.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required.');
        const asked = form.scope === undefined ? undefined : parseScopes(form.scope);
        if (form.scope !== undefined && !asked) throw new OAuthError('invalid_scope', `Known scopes: ${ALL_OAUTH_SCOPES.join(', ')}.`);
        const rotated = await rotateRefreshToken(deps.db, form.refresh_token, clientId, now, asked);
        if (rotated.status === 'invalid_scope') throw new OAuthError('invalid_scope', 'A refresh cannot add scopes the user did not grant.');
        if (rotated.status !== 'ok') throw new OAuthError('invalid_grant', 'The refresh token is unknown, expired, revoked or was already used.');
        return tokenResponse(c, rotated.grant, rotated.refreshToken);
      }
      throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
    }),
  );

  r.post(
    '/revoke',
    oauthErrors(async (c) => {
      const form = await formFields(c);
      const clientId = await authenticateClient(c, form);
      const token = form.token;
      if (!token) throw new OAuthError('invalid_request', 'token is required.');
      const now = deps.now();
      let gid: string | undefined;
      try {
        const claims = decodeJwt(token);
        gid = deps.tokens.isOurs(claims.iss) ? (await deps.tokens.verify(token, resource(), now))?.grantId : undefined;
      } catch {
        gid = undefined;
      }
      if (gid) await revokeGrantOfClient(deps.db, gid, clientId, now);
      else await revokeByRefreshToken(deps.db, token, clientId, now);
      // RFC 7009 §2.2: unknown tokens are answered like revoked ones.
      return c.body(null, 200);
    }),
  );
}
