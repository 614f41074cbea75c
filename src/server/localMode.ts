/**
 * Local mode's part of the HTTP surface: one person, one data dir. A request is theirs when it
 * carries the data dir's token, a registered editor window's token, or the console's session
 * cookie (reached through a one-time login link).
 */
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { claimsChannel, NOT_A_CONNECTOR_MESSAGE } from '../auth/connector.js';
import { requireCsrf } from '../auth/csrf.js';
import { KairosError } from '../core/errors.js';
import type { MemoryService } from '../core/memoryService.js';
import type { ClientRegistry } from '../runtime/clients.js';
import { simplePage } from '../ui/page.js';
import type { ModeSurface } from './app.js';
import { unauthorized, type TenantResolver } from './auth.js';
import { consoleCsp, newNonce, renderConsoleShell } from './console.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type ConsoleAuth } from './consoleAuth.js';
import type { AuthVia } from './context.js';
import { localRoutes } from './routes/local.js';

export interface LocalModeDeps {
  verifyToken(candidate: string): boolean;
  /** The MemoryService of the data dir's one tenant. */
  service(): MemoryService;
  clients: ClientRegistry;
  consoleAuth: ConsoleAuth;
  /** True when this engine stops once its last client leaves (started by an editor). */
  exitsWhenUnused: boolean;
  webviewDir?: string | undefined;
  /** The server's base URL once bound, for console links. */
  publicUrl(): string;
}

/** A console login URL carrying a fresh one-time token. */
export function consoleLoginUrl(consoleAuth: ConsoleAuth, publicUrl: string): string {
  return `${publicUrl}/?token=${consoleAuth.issueLoginToken()}`;
}

function localTenants(deps: LocalModeDeps): TenantResolver {
  return {
    resolve(c, { bearer, claim }, { allowCookie }) {
      if (claimsChannel(claim)) throw new KairosError('forbidden', NOT_A_CONNECTOR_MESSAGE);
      let via: AuthVia;
      if (bearer !== undefined) {
        if (deps.verifyToken(bearer)) via = 'bearer';
        else if (deps.clients.verify(bearer)) via = 'client';
        else throw unauthorized('The bearer token is not valid. Get the current one with `kairos token`.');
      } else {
        const session = allowCookie ? getCookie(c, SESSION_COOKIE) : undefined;
        if (!session || !deps.consoleAuth.verifySession(session)) {
          throw unauthorized('Authentication required: send "Authorization: Bearer <token>" (see `kairos token`).');
        }
        requireCsrf(c);
        via = 'cookie';
      }
      return Promise.resolve({ service: deps.service(), via });
    },
  };
}

/** The console: a one-time login link sets the session cookie, then the shell is served. */
function consolePages(deps: LocalModeDeps): Hono {
  const pages = new Hono();
  pages.get('/', (c) => {
    const nonce = newNonce();
    const html = (status: 200 | 401, body: string): Response => {
      c.header('Content-Security-Policy', consoleCsp(nonce));
      return c.html(body, status);
    };
    const loginToken = c.req.query('token');
    if (loginToken !== undefined) {
      if (!deps.consoleAuth.redeemLoginToken(loginToken)) {
        return html(
          401,
          simplePage('Login link expired', '<p>This console link was already used or has expired. Run <code>kairos console</code> for a fresh one.</p>', nonce),
        );
      }
      setCookie(c, SESSION_COOKIE, deps.consoleAuth.createSession(), {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: Math.floor(SESSION_TTL_MS / 1000),
      });
      // The redirect drops the token from the address bar and history.
      return c.redirect('/', 302);
    }
    const session = getCookie(c, SESSION_COOKIE);
    if (!session || !deps.consoleAuth.verifySession(session)) {
      return html(401, simplePage('Sign in to Kairos', '<p>Run <code>kairos console</code> and open the link it prints.</p>', nonce));
    }
    return html(200, renderConsoleShell(deps.webviewDir, nonce));
  });
  return pages;
}

export function localMode(deps: LocalModeDeps): ModeSurface {
  return {
    tenants: localTenants(deps),
    publicRoutes: [],
    v1Routes: localRoutes({ clients: deps.clients, exitsWhenUnused: deps.exitsWhenUnused }),
    pages: consolePages(deps),
    consoleLink: () => consoleLoginUrl(deps.consoleAuth, deps.publicUrl()),
  };
}
