/**
 * A real OpenID Connect provider on loopback (the `oidc-provider` package, the certified
 * implementation), for sign-in tests: discovery, JWKS, authorization code + PKCE, token,
 * userinfo, refresh, and its built-in development login and consent pages, where any login
 * name and any password are accepted.
 *
 * The account of login `alice` has the claims
 * `{ sub: 'alice', email: 'alice@example.test', email_verified: true, name: 'alice' }`
 * (scopes openid, email, profile), in the ID token as well as from userinfo.
 *
 * `completeOidcLogin(page, login)` drives those pages in Chromium (playwright-core).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { Page } from 'playwright-core';

export interface OidcTestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  /** Default client_secret_basic; the provider accepts client_secret_post from such clients too. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

export interface OidcProviderOptions {
  clients: OidcTestClient[];
  /** Default 0: a free port. */
  port?: number;
  /** Require PKCE from confidential clients too (public clients always need it). Default false. */
  requirePkce?: boolean;
}

export interface FakeOidcProvider {
  /** http://127.0.0.1:PORT (no trailing slash), also the `iss` of its tokens. */
  issuer: string;
  close(): Promise<void>;
}

/** The claims of the account signed in as `login`. */
export function oidcClaims(login: string): { sub: string; email: string; email_verified: true; name: string } {
  return { sub: login, email: `${login}@example.test`, email_verified: true, name: login };
}

export async function startOidcProvider(opts: OidcProviderOptions): Promise<FakeOidcProvider> {
  silenceOidcProviderNotices();
  // Imported here, after the console filter, so its import-time runtime notice is dropped too.
  const { default: Provider } = await import('oidc-provider');

  // eslint-disable-next-line prefer-const -- assigned below, once the provider exists; requests before that get 503
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    // Browsers ask every origin for one; a 404 would show up as a console error in UI tests.
    if (req.url === '/favicon.ico') res.writeHead(204).end();
    else if (handler) handler(req, res);
    else {
      res.statusCode = 503;
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
    })),
    async findAccount(_ctx: unknown, sub: string) {
      return { accountId: sub, claims: async () => oidcClaims(sub) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    // Scope claims in the ID token as well, not only from userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => opts.requirePkce === true },
    features: { devInteractions: { enabled: true } },
    cookies: {
      keys: ['kairos-test-oidc-cookie-key-1', 'kairos-test-oidc-cookie-key-2'],
      // Cookies are per host, not per port: providers side by side on 127.0.0.1 (and the
      // client under test) would otherwise overwrite each other's session cookie.
      names: { session: `_session_${port}`, interaction: `_interaction_${port}`, resume: `_interaction_resume_${port}` },
    },
    jwks: { keys: [jwk] },
    // A plain error page a test can read (#oidc-error), instead of the default one.
    async renderError(ctx: { type: string; body: unknown }, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><title>oidc error</title><pre id="oidc-error">${escapeHtml(JSON.stringify(out, null, 2))}</pre>`;
    },
  });
  // The dev pages @import a Google font; the test machine has no network, so drop it.
  provider.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string' && ctx.type.startsWith('text/html')) {
      ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);/g, '');
    }
  });
  // Bugs in the provider (not protocol errors, which go to the client) should not pass quietly.
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));
  handler = provider.callback();

  return {
    issuer,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * With the browser on (or on its way to) the provider's login page: signs in as `login` with
 * any password, then confirms the consent page if the provider shows one. Resolves once the
 * browser has left the provider (the redirect back to the client has committed).
 */
export async function completeOidcLogin(page: Page, login: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 20_000;
  const loginField = page.locator('form:has(input[name="prompt"][value="login"]) input[name="login"]');
  await loginField.waitFor({ state: 'visible', timeout });
  const origin = new URL(page.url()).origin;
  await loginField.fill(login);
  await page.locator('form:has(input[name="prompt"][value="login"]) input[name="password"]').fill('any password');
  await page.locator('form:has(input[name="prompt"][value="login"]) button[type="submit"]').click();

  const consent = page.locator('form:has(input[name="prompt"][value="consent"]) button[type="submit"]');
  const deadline = Date.now() + timeout;
  for (;;) {
    if (new URL(page.url()).origin !== origin) return;
    try {
      if (await consent.isVisible()) {
        await consent.click();
        await page.waitForURL((u) => u.origin !== origin, { waitUntil: 'commit', timeout: Math.max(1000, deadline - Date.now()) });
        return;
      }
    } catch (error) {
      // A navigation in between destroys the execution context; look again.
      if (Date.now() > deadline) throw error;
    }
    const error = await page
      .locator('#oidc-error')
      .textContent({ timeout: 50 })
      .catch(() => null);
    if (error) throw new Error(`the OpenID provider answered an error: ${error}`);
    if (Date.now() > deadline) throw new Error(`completeOidcLogin(${login}): still on ${page.url()} after ${timeout} ms`);
    await page.waitForTimeout(100);
  }
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let silenced = false;

/** oidc-provider prints development-mode notices through console.warn/info; drop only those. */
function silenceOidcProviderNotices(): void {
  if (silenced) return;
  silenced = true;
  for (const level of ['warn', 'info'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]): void => {
      if (typeof args[0] === 'string' && /^(\x1b\[[\d;]*m)?oidc-provider (NOTICE|WARNING): /.test(args[0])) return;
      original(...args);
    };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
