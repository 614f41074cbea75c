/**
 * The authorization endpoint: validates the request (never redirecting to an unregistered URI),
 * sends a signed-out person through the web sign-in, shows the consent page, and on Allow issues
 * a single-use code bound to the PKCE challenge, the redirect URI and the /mcp resource.
 */
import type { Context, Hono } from 'hono';
import { createCode } from '../../identity/oauthStore.js';
import { escapeHtml } from '../../ui/page.js';
import { page, safeReturn } from '../web/routes.js';
import { lookupClient } from './clientMetadata.js';
import { consentBody } from './pages.js';
import { ALL_OAUTH_SCOPES, parseScopes, type OAuthScope } from './scopes.js';
import { formFields, mcpResource, OAuthError, type OAuthServerDeps } from './shared.js';

/** The CSP source that lets the consent form's redirect reach the client: its origin, or its app scheme. */
function formTarget(redirectUri: string): string {
  const u = new URL(redirectUri);
  return u.origin === 'null' ? u.protocol : u.origin;
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
  | {
      kind: 'ok';
      clientId: string;
      clientName: string;
      document?: { host: string; claimedName?: string | undefined } | undefined;
      redirectUri: string;
      scopes: OAuthScope[];
      codeChallenge: string;
      resource: string;
      state?: string | undefined;
    };

export function authorizeRoutes(r: Hono, deps: OAuthServerDeps): void {
  const issuer = (): string => deps.publicUrl();
  const resource = (): string => mcpResource(deps);

  async function check(c: Context, p: AuthorizeParams): Promise<Checked> {
    let client;
    try {
      client = p.client_id ? await lookupClient(deps, p.client_id, deps.clientAddress(c)) : undefined;
    } catch (e) {
      // A metadata document that cannot be used: its redirect URIs are unknown, so say it here.
      if (e instanceof OAuthError) return { kind: 'page', message: e.description };
      throw e;
    }
    if (!client) return { kind: 'page', message: 'This application is not registered with Kairos (unknown client_id). Ask its maker to register it again.' };
    const redirectUri = p.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
      return { kind: 'page', message: 'The redirect_uri does not match any URI this application registered, so Kairos will not send you there.' };
    }
    const fail = (error: string, description: string): Checked => ({ kind: 'redirect', redirectUri, error, description, state: p.state });
    if (p.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
    if (!p.code_challenge || p.code_challenge_method !== 'S256')
      return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
    if (!/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters).');
    if (p.resource !== undefined && p.resource !== resource()) return fail('invalid_target', `This server issues tokens only for ${resource()}.`);
    const scopes = parseScopes(p.scope);
    if (!scopes) return fail('invalid_scope', `Known scopes: ${ALL_OAUTH_SCOPES.join(', ')}.`);
    return {
      kind: 'ok',
      clientId: client.clientId,
      clientName: client.clientName ?? client.clientId,
      document: client.documentHost ? { host: client.documentHost, claimedName: client.clientName ?? undefined } : undefined,
      redirectUri,
      scopes,
      codeChallenge: p.code_challenge,
      resource: resource(),
      state: p.state,
    };
  }

  function redirectWith(c: Context, redirectUri: string, params: Record<string, string | undefined>): Response {
    const u = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    u.searchParams.set('iss', issuer());
    return c.redirect(u.href, 302);
  }

  function answer(c: Context, checked: Exclude<Checked, { kind: 'ok' }>): Response {
    if (checked.kind === 'page')
      return page(c, 400, 'Cannot authorize this application', `<p class="error">${escapeHtml(checked.message)}</p>`, deps.newNonce());
    return redirectWith(c, checked.redirectUri, { error: checked.error, error_description: checked.description, state: checked.state });
  }

  r.get('/authorize', async (c) => {
    const q = c.req.query();
    const checked = await check(c, q);
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
    const body = consentBody({
      clientName: checked.clientName,
      document: checked.document,
      redirectUri: checked.redirectUri,
      scopes: checked.scopes,
      fields,
      formToken: deps.sessions.formToken(sessionId),
    });
    // With "no-referrer" a browser sends `Origin: null` on the form POST; "same-origin" lets it
    // send this origin (checked below) while the redirect to the client still carries no Referer.
    c.header('Referrer-Policy', 'same-origin');
    return page(c, 200, 'Allow access to your memory?', body, nonce, [formTarget(checked.redirectUri)]);
  });

  r.post('/authorize', async (c) => {
    let form: Record<string, string | undefined>;
    try {
      form = await formFields(c);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      return page(c, 400, 'Cannot authorize this application', `<p class="error">${escapeHtml(e.description)}</p>`, deps.newNonce());
    }
    const str = (k: string): string | undefined => form[k];
    const sessionId = deps.sessions.sessionId(c);
    const uid = await deps.sessions.uid(c);
    const nonce = deps.newNonce();
    if (!uid || !sessionId) return page(c, 401, 'Signed out', '<p>Your session ended. Start the connection again from your application.</p>', nonce);
    const token = str('form_token');
    if (!token || !deps.sessions.checkFormToken(sessionId, token) || !deps.sessions.sameOrigin(c)) {
      return page(
        c,
        403,
        'Request refused',
        '<p class="error">This consent form did not come from this Kairos page (cross-site request refused). Start the connection again.</p>',
        nonce,
      );
    }
    const checked = await check(c, {
      client_id: str('client_id'),
      redirect_uri: str('redirect_uri'),
      response_type: str('response_type'),
      state: str('state'),
      code_challenge: str('code_challenge'),
      code_challenge_method: str('code_challenge_method'),
      scope: str('scope'),
      resource: str('resource'),
    });
    if (checked.kind !== 'ok') return answer(c, checked);
    if (str('decision') !== 'allow') {
      return redirectWith(c, checked.redirectUri, { error: 'access_denied', error_description: 'The user denied access.', state: checked.state });
    }
    const code = await createCode(
      deps.db,
      {
        clientId: checked.clientId,
        uid,
        redirectUri: checked.redirectUri,
        codeChallenge: checked.codeChallenge,
        scopes: checked.scopes,
        resource: checked.resource,
      },
      deps.now(),
    );
    return redirectWith(c, checked.redirectUri, { code, state: checked.state });
  });
}
