/**
 * Kairos as the OAuth 2.1 authorization server of its own /mcp resource, for any MCP client that
 * follows the MCP authorization spec: RFC 8414 metadata, RFC 7591 dynamic registration, the
 * authorization endpoint with a consent page (behind the web sign-in), the token endpoint
 * (authorization code with PKCE S256 only; refresh tokens rotate) and RFC 7009 revocation.
 * Every token is bound to one resource, the /mcp URL (RFC 8707); tokens for anything else are
 * refused. Errors follow RFC 6749 §4.1.2.1/§5.2 ({ error, error_description }).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { OAuthClientMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import { audit } from '../../identity/audit.js';
import { sha256Hex } from '../../identity/ids.js';
import {
  createCode,
  createGrant,
  findClient,
  newSecret,
  redeemCode,
  registerClient,
  revokeByRefreshToken,
  revokeGrantOfClient,
  rotateRefreshToken,
} from '../../identity/oauthStore.js';
import type { SqlDb } from '../../identity/sql.js';
import { enforce, type RateLimiter } from '../../ratelimit/index.js';
import { escapeHtml } from '../../ui/page.js';
import { page, safeReturn } from '../web/routes.js';
import type { WebSessions } from '../web/session.js';
import { consentBody } from './pages.js';
import { ALL_OAUTH_SCOPES, parseScopes, type OAuthScope } from './scopes.js';
import type { AccessTokens } from './tokens.js';

export interface OAuthServerDeps {
  db: SqlDb;
  tokens: AccessTokens;
  sessions: WebSessions;
  limiter: RateLimiter;
  /** The deployment's base URL; also the issuer identifier. */
  publicUrl(): string;
  now(): Date;
  newNonce(): string;
  clientAddress(c: Context): string | undefined;
  /** Dynamic registrations per client address per hour. */
  registrationsPerHour?: number;
}

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

function oauthJson(c: Context, e: OAuthError): Response {
  if (e.status === 401) c.header('WWW-Authenticate', 'Basic realm="kairos"');
  return c.json({ error: e.error, error_description: e.description }, e.status);
}

/** Loopback hosts may use plain http (RFC 8252 §7.3); everything else needs https or a private-use scheme. */
function redirectUriAllowed(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.hash) return false;
  if (u.protocol === 'https:') return true;
  if (u.protocol === 'http:') return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  // Private-use schemes of native apps (RFC 8252 §7.1): reverse-domain or app names like vscode:, cursor:.
  return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) && !['javascript:', 'data:', 'file:', 'blob:', 'about:', 'vbscript:'].includes(u.protocol);
}

const RegistrationPolicy = z.object({
  redirect_uris: z.array(z.string()).min(1).max(10).refine((l) => l.every(redirectUriAllowed), {
    error: 'Each redirect URI must be https, http on a loopback host (127.0.0.1, localhost, [::1]), or a private-use app scheme, with no fragment.',
  }),
  token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).default('none'),
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token'])).default(['authorization_code', 'refresh_token']),
  response_types: z.array(z.literal('code')).default(['code']),
  client_name: z.string().trim().min(1).max(100).optional(),
});

/** The CSP source that lets the consent form's redirect reach the client: its origin, or its app scheme. */
function formTarget(redirectUri: string): string {
  const u = new URL(redirectUri);
  return u.origin === 'null' ? u.protocol : u.origin;
}

function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The parameters of an authorization request, from the query (GET) or the consent form (POST). */
interface AuthorizeParams {
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  response_type?: string | undefined;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
  scope?: string | undefined;
  resource?: string | undefined;
}

type Checked =
  /** Cannot redirect (unknown client or redirect URI): show a page. */
  | { kind: 'page'; message: string }
  /** Tell the client through its redirect URI. */
  | { kind: 'redirect'; redirectUri: string; error: string; description: string; state?: string | undefined }
  | { kind: 'ok'; clientId: string; clientName: string; redirectUri: string; scopes: OAuthScope[]; codeChallenge: string; resource: string; state?: string | undefined };

export function oauthServerRoutes(deps: OAuthServerDeps): { wellKnown: Hono; oauth: Hono } {
  const issuer = (): string => deps.publicUrl();
  const resource = (): string => `${deps.publicUrl()}/mcp`;

  const metadata = () => ({
    issuer: issuer(),
    authorization_endpoint: `${issuer()}/oauth/authorize`,
    token_endpoint: `${issuer()}/oauth/token`,
    registration_endpoint: `${issuer()}/oauth/register`,
    revocation_endpoint: `${issuer()}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    scopes_supported: ALL_OAUTH_SCOPES,
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer()}/auth/signin`,
  });

  const wellKnown = new Hono();
  wellKnown.get('/oauth-authorization-server', (c) => c.json(metadata()));

  async function check(p: AuthorizeParams): Promise<Checked> {
    const client = p.client_id ? await findClient(deps.db, p.client_id) : undefined;
    if (!client) return { kind: 'page', message: 'This application is not registered with Kairos (unknown client_id). Ask its maker to register it again.' };
    const redirectUri = p.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
      return { kind: 'page', message: 'The redirect_uri does not match any URI this application registered, so Kairos will not send you there.' };
    }
    const fail = (error: string, description: string): Checked => ({ kind: 'redirect', redirectUri, error, description, state: p.state });
    if (p.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
    if (!p.code_challenge || p.code_challenge_method !== 'S256') return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
    if (!/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters).');
    if (p.resource !== undefined && p.resource !== resource()) return fail('invalid_target', `This server issues tokens only for ${resource()}.`);
    const scopes = parseScopes(p.scope);
    if (!scopes) return fail('invalid_scope', `Known scopes: ${ALL_OAUTH_SCOPES.join(', ')}.`);
    return { kind: 'ok', clientId: client.clientId, clientName: client.clientName ?? client.clientId, redirectUri, scopes, codeChallenge: p.code_challenge, resource: resource(), state: p.state };
  }

  function redirectWith(c: Context, redirectUri: string, params: Record<string, string | undefined>): Response {
    const u = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    u.searchParams.set('iss', issuer());
    return c.redirect(u.href, 302);
  }

  function answer(c: Context, checked: Exclude<Checked, { kind: 'ok' }>): Response {
    if (checked.kind === 'page') return page(c, 400, 'Cannot authorize this application', `<p class="error">${escapeHtml(checked.message)}</p>`, deps.newNonce());
    return redirectWith(c, checked.redirectUri, { error: checked.error, error_description: checked.description, state: checked.state });
  }

  const oauth = new Hono();

  oauth.post('/register', async (c) => {
    try {
      const who = deps.clientAddress(c);
      await enforce(deps.limiter, `oauth-reg:${who ?? 'unknown'}`, { limit: deps.registrationsPerHour ?? 30, windowMs: 3_600_000 }, 'client registrations from this address');
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new OAuthError('invalid_client_metadata', 'The body must be a JSON object of client metadata (RFC 7591).');
      }
      const meta = OAuthClientMetadataSchema.safeParse(body);
      if (!meta.success) throw new OAuthError('invalid_client_metadata', meta.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      const policy = RegistrationPolicy.safeParse(meta.data);
      if (!policy.success) {
        const issue = policy.error.issues[0];
        throw new OAuthError(issue?.path[0] === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'not allowed'}`);
      }
      const p = policy.data;
      const secret = p.token_endpoint_auth_method === 'none' ? null : newSecret('kcs_');
      const stored = {
        ...meta.data,
        redirect_uris: p.redirect_uris,
        token_endpoint_auth_method: p.token_endpoint_auth_method,
        grant_types: p.grant_types,
        response_types: p.response_types,
      };
      const client = await registerClient(deps.db, { clientName: p.client_name ?? null, redirectUris: p.redirect_uris, metadata: stored, secret });
      await audit(deps.db, 'oauth.client_registered', null, client.clientId);
      return c.json(
        {
          ...stored,
          client_id: client.clientId,
          client_id_issued_at: Math.floor(new Date(client.createdAt).getTime() / 1000),
          ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
        },
        201,
      );
    } catch (e) {
      if (e instanceof OAuthError) return oauthJson(c, e);
      throw e;
    }
  });

  oauth.get('/authorize', async (c) => {
    const q = c.req.query();
    const checked = await check(q);
    if (checked.kind !== 'ok') return answer(c, checked);
    const sessionId = deps.sessions.sessionId(c);
    const uid = await deps.sessions.uid(c);
    if (!uid || !sessionId) {
      const here = new URL(c.req.url);
      return c.redirect(`/auth/signin?return=${encodeURIComponent(safeReturn(`${here.pathname}${here.search}`))}`, 302);
    }
    const fields: Record<string, string> = {
      client_id: checked.clientId,
      redirect_uri: checked.redirectUri,
      response_type: 'code',
      code_challenge: checked.codeChallenge,
      code_challenge_method: 'S256',
      scope: checked.scopes.join(' '),
      resource: checked.resource,
      ...(checked.state !== undefined ? { state: checked.state } : {}),
    };
    const nonce = deps.newNonce();
    const body = consentBody({ clientName: checked.clientName, redirectUri: checked.redirectUri, scopes: checked.scopes, fields, formToken: deps.sessions.formToken(sessionId) });
    // With "no-referrer" a browser sends `Origin: null` on the form POST; "same-origin" lets it
    // send this origin (checked below) while the redirect to the client still carries no Referer.
    c.header('Referrer-Policy', 'same-origin');
    return page(c, 200, 'Allow access to your memory?', body, nonce, [formTarget(checked.redirectUri)]);
  });

  oauth.post('/authorize', async (c) => {
    const form = await c.req.parseBody();
    const str = (k: string): string | undefined => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
    const sessionId = deps.sessions.sessionId(c);
    const uid = await deps.sessions.uid(c);
    const nonce = deps.newNonce();
    if (!uid || !sessionId) return page(c, 401, 'Signed out', '<p>Your session ended. Start the connection again from your application.</p>', nonce);
    const token = str('form_token');
    if (!token || !deps.sessions.checkFormToken(sessionId, token) || !deps.sessions.sameOrigin(c)) {
      return page(c, 403, 'Request refused', '<p class="error">This consent form did not come from this Kairos page (cross-site request refused). Start the connection again.</p>', nonce);
    }
    const checked = await check({
      client_id: str('client_id'), redirect_uri: str('redirect_uri'), response_type: str('response_type'), state: str('state'),
      code_challenge: str('code_challenge'), code_challenge_method: str('code_challenge_method'), scope: str('scope'), resource: str('resource'),
    });
    if (checked.kind !== 'ok') return answer(c, checked);
    if (str('decision') !== 'allow') {
      return redirectWith(c, checked.redirectUri, { error: 'access_denied', error_description: 'The user denied access.', state: checked.state });
    }
    const code = await createCode(deps.db, { clientId: checked.clientId, uid, redirectUri: checked.redirectUri, codeChallenge: checked.codeChallenge, scopes: checked.scopes, resource: checked.resource }, deps.now());
    return redirectWith(c, checked.redirectUri, { code, state: checked.state });
  });

  /** Client authentication at the token and revocation endpoints (RFC 6749 §2.3). */
  async function authenticateClient(c: Context, form: Record<string, string | undefined>): Promise<string> {
    let clientId = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials.', 401);
      clientId = decodeURIComponent(decoded.slice(0, i));
      secret = decodeURIComponent(decoded.slice(i + 1));
    }
    if (!clientId) throw new OAuthError('invalid_client', 'client_id is required.', 401);
    const client = await findClient(deps.db, clientId);
    if (!client) throw new OAuthError('invalid_client', 'Unknown client_id.', 401);
    if (client.secretHash) {
      if (!secret || !sameString(sha256Hex(secret), client.secretHash)) throw new OAuthError('invalid_client', 'Client authentication failed.', 401);
    }
    return client.clientId;
  }

  async function formOf(c: Context): Promise<Record<string, string | undefined>> {
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
    const body = await c.req.parseBody();
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
  }

  async function tokenResponse(c: Context, grant: { id: string; uid: string; clientId: string; scopes: string[]; resource: string }, refreshToken: string): Promise<Response> {
    const access = await deps.tokens.issue({ uid: grant.uid, grantId: grant.id, clientId: grant.clientId, scopes: grant.scopes, resource: grant.resource }, deps.now());
    c.header('Pragma', 'no-cache');
    return c.json({ access_token: access, token_type: 'Bearer', expires_in: deps.tokens.ttlSeconds, refresh_token: refreshToken, scope: grant.scopes.join(' ') });
  }

  oauth.post('/token', async (c) => {
    try {
      const form = await formOf(c);
      const clientId = await authenticateClient(c, form);
      const now = deps.now();
      if (form.resource !== undefined && form.resource !== resource()) throw new OAuthError('invalid_target', `This server issues tokens only for ${resource()}.`);
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
        if (!sameString(pkceS256(form.code_verifier), code.codeChallenge)) throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge.');
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
    } catch (e) {
      if (e instanceof OAuthError) return oauthJson(c, e);
      throw e;
    }
  });

  oauth.post('/revoke', async (c) => {
    try {
      const form = await formOf(c);
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
    } catch (e) {
      if (e instanceof OAuthError) return oauthJson(c, e);
      throw e;
    }
  });

  return { wellKnown, oauth };
}
