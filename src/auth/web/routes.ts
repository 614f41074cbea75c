/**
 * The web console's sign-in routes (/auth/*): provider list, the authorization-code round trip
 * with each upstream provider, account linking while signed in, sign out (here or everywhere).
 * Pages are server-rendered and script-free; errors are shown as pages, never as stack traces.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { KairosError } from '../../core/errors.js';
import { requireCsrf } from '../csrf.js';
import { audit } from '../../identity/audit.js';
import type { SqlDb } from '../../identity/sql.js';
import { attachChannel, resolveChannelUser } from '../../identity/users.js';
import { deleteUserWebSessions, LOGIN_STATE_TTL_MS, saveLoginState, takeLoginState } from '../../identity/webSessions.js';
import { escapeHtml, simplePage, simplePageCsp } from '../../ui/page.js';
import type { LoginProvider } from './providers.js';
import type { WebSessions } from './session.js';

export interface WebAuthDeps {
  db: SqlDb;
  sessions: WebSessions;
  providers: readonly LoginProvider[];
  now(): Date;
  newNonce(): string;
}

/** A same-site path to return to after sign-in; anything else (other hosts, `//x`, `/\x`) becomes `/`. */
export function safeReturn(value: string | undefined): string {
  if (!value || value.length > 4096 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  try {
    const u = new URL(value, 'http://kairos.invalid');
    return u.origin === 'http://kairos.invalid' ? `${u.pathname}${u.search}${u.hash}` : '/';
  } catch {
    return '/';
  }
}

export function page(
  c: Context,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 502,
  title: string,
  body: string,
  nonce: string,
  formTargets: string[] = [],
): Response {
  c.header('Content-Security-Policy', simplePageCsp(nonce, formTargets));
  return c.html(simplePage(title, body, nonce), status);
}

function signInBody(providers: readonly LoginProvider[], returnTo: string, notice: string | undefined, signedIn: boolean): string {
  const links = providers
    .map(
      (p) =>
        `<a class="button" href="/auth/signin/${encodeURIComponent(p.id)}?return=${encodeURIComponent(returnTo)}">${signedIn ? 'Link' : 'Continue with'} ${escapeHtml(p.name)}</a>`,
    )
    .join('');
  const intro = signedIn
    ? `<p>You are signed in. <a href="${escapeHtml(returnTo)}">Continue</a>, or link another account to this one:</p>`
    : '<p class="muted">Your private memory for your editor and your agents. Sign in with an account you already have; Kairos never asks for a password.</p>';
  const none = '<p class="error">No sign-in provider is configured. The operator sets KAIROS_LOGIN_PROVIDERS (see docs/auth.md).</p>';
  return `${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ''}${intro}<div class="stack">${providers.length ? links : none}</div>`;
}

export function webAuthRoutes(deps: WebAuthDeps): Hono {
  const r = new Hono();
  const byId = new Map(deps.providers.map((p) => [p.id, p]));

  // `issuer` lets the Account page name an `oidc` channel (`<issuer>:<sub>`) after its provider.
  r.get('/providers', (c) =>
    c.json({ items: deps.providers.map((p) => ({ id: p.id, name: p.name, kind: p.cfg.kind, ...(p.cfg.kind === 'oidc' ? { issuer: p.cfg.issuer } : {}) })) }),
  );

  r.get('/signin', async (c) => {
    const nonce = deps.newNonce();
    const returnTo = safeReturn(c.req.query('return'));
    const notice =
      c.req.query('deleted') === '1' ? 'Your account and its memories were deleted.' : c.req.query('signedout') === '1' ? 'You are signed out.' : undefined;
    const signedIn = (await deps.sessions.uid(c)) !== undefined;
    return page(c, 200, 'Sign in to Kairos', signInBody(deps.providers, returnTo, notice, signedIn), nonce);
  });

  r.get('/signin/:provider', async (c) => {
    const provider = byId.get(c.req.param('provider'));
    if (!provider)
      return page(c, 404, 'Unknown sign-in provider', '<p>This sign-in option does not exist. <a href="/auth/signin">Choose another</a>.</p>', deps.newNonce());
    const state = randomBytes(24).toString('base64url');
    const browser = randomBytes(24).toString('base64url');
    const linkUid = (await deps.sessions.uid(c)) ?? null;
    let start;
    try {
      start = await provider.start(state);
    } catch (e) {
      const msg = e instanceof KairosError ? e.message : 'The provider could not be reached.';
      return page(c, 502, 'Sign-in unavailable', `<p>${escapeHtml(msg)}</p><p><a href="/auth/signin">Back</a></p>`, deps.newNonce());
    }
    await saveLoginState(
      deps.db,
      state,
      browser,
      { provider: provider.id, nonce: start.nonce, verifier: start.verifier, returnTo: safeReturn(c.req.query('return')), linkUid },
      deps.now(),
    );
    deps.sessions.bindLogin(c, browser, LOGIN_STATE_TTL_MS);
    return c.redirect(start.url.href, 302);
  });

  r.get('/callback/:provider', async (c) => {
    const nonce = deps.newNonce();
    const fail = (status: 400 | 401 | 409, message: string): Response =>
      page(c, status, 'Sign-in failed', `<p class="error">${escapeHtml(message)}</p><p><a href="/auth/signin">Try again</a></p>`, nonce);
    const provider = byId.get(c.req.param('provider'));
    if (!provider) return fail(400, 'This sign-in option does not exist.');
    const upstreamError = c.req.query('error');
    if (upstreamError)
      return fail(
        401,
        `${provider.name} did not sign you in (${upstreamError}${c.req.query('error_description') ? `: ${c.req.query('error_description')}` : ''}).`,
      );
    const state = c.req.query('state');
    const browser = deps.sessions.takeLogin(c);
    if (!state || !browser) return fail(400, 'This sign-in link is incomplete or was opened in another browser. Start again from the sign-in page.');
    const pending = await takeLoginState(deps.db, state, browser, deps.now());
    if (!pending || pending.provider !== provider.id)
      return fail(400, 'This sign-in attempt expired, was already used, or was started in another browser. Start again.');
    let verified;
    try {
      verified = await provider.finish(new URL(c.req.url), { state, nonce: pending.nonce, verifier: pending.verifier });
    } catch (e) {
      return fail(401, e instanceof KairosError ? e.message : 'The provider did not confirm the sign-in.');
    }
    if (pending.linkUid) {
      const linked = await attachChannel(deps.db, pending.linkUid, verified.channel, verified.displayName);
      if (linked === 'taken') {
        return fail(
          409,
          `This ${provider.name} account already belongs to another Kairos account. To merge the two, sign in with it, create a link code on the Account page, and redeem the code here.`,
        );
      }
      await audit(deps.db, 'link.redeemed', pending.linkUid, verified.channel.type);
      return c.redirect(pending.returnTo, 302);
    }
    const { uid } = await resolveChannelUser(deps.db, verified.channel, verified.displayName);
    await deps.sessions.start(c, uid, verified.displayName, verified.channel);
    await audit(deps.db, 'signin', uid, verified.channel.type);
    return c.redirect(pending.returnTo, 302);
  });

  r.post('/signout', async (c) => {
    requireCsrf(c, (r) => deps.sessions.sameOrigin(r));
    await deps.sessions.end(c);
    return c.json({ signedOut: true });
  });

  r.post('/signout-everywhere', async (c) => {
    requireCsrf(c, (r) => deps.sessions.sameOrigin(r));
    const uid = await deps.sessions.uid(c);
    if (!uid) throw new KairosError('unauthorized', 'You are not signed in.');
    const sessions = await deleteUserWebSessions(deps.db, uid);
    await audit(deps.db, 'signout.everywhere', uid);
    await deps.sessions.end(c);
    return c.json({ signedOut: true, sessions });
  });

  return r;
}
