/**
 * Service mode's part of the HTTP surface: many people, each request resolved to its own tenant
 * from a sign-in token, an API key, a connector secret (acting for a channel user) or the web
 * session cookie; plus the web sign-in, the authorization server and the account page.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { ALL_OAUTH_SCOPES } from '../auth/oauth/scopes.js';
import { mcpResource } from '../auth/oauth/shared.js';
import type { ServicePrincipal } from '../auth/principal.js';
import { requireCsrf } from '../auth/csrf.js';
import type { WebSessions } from '../auth/web/session.js';
import { KairosError } from '../core/errors.js';
import type { MemoryService } from '../core/memoryService.js';
import type { ServiceRuntime } from '../runtime/service.js';
import { createLogger } from '../util/logger.js';
import { accountPageCsp, renderAccountPage } from './accountPage.js';
import type { ModeSurface } from './app.js';
import { unauthorized, type AuthTarget, type TenantResolver } from './auth.js';
import { clientAddress } from './clientAddress.js';
import { consoleCsp, newNonce, renderConsoleShell } from './console.js';
import type { KairosEnv } from './context.js';
import { serviceRoutes } from './routes/service.js';

const log = createLogger('http');

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

export interface ServiceModeDeps {
  runtime: ServiceRuntime;
  sessions: WebSessions;
  /** Routes outside /v1 (web sign-in, the authorization server, /.well-known), by mount path. */
  publicRoutes: ReadonlyArray<readonly [string, Hono]>;
  /** Take the client address from X-Forwarded-For (behind a trusted reverse proxy). */
  trustProxy: boolean;
  /** Authorization servers other than this deployment that issue tokens for /mcp. */
  authServers: readonly string[];
  publicUrl(): string;
  webviewDir?: string | undefined;
}

/**
 * A channel user Kairos does not know (connector policy "refuse") may only redeem a link code on
 * /v1; on /mcp it gets the tools, which answer with the same refusal except link_account.
 */
function refuseUnlinked(c: Context<KairosEnv>, service: MemoryService, target: AuthTarget): void {
  const refusal = service.ctx.refusal;
  if (refusal === undefined || target === 'mcp') return;
  if (c.req.method === 'POST' && c.req.path === '/v1/link/redeem') return;
  throw new KairosError('forbidden', refusal);
}

function serviceTenants({ runtime, sessions, trustProxy }: ServiceModeDeps): TenantResolver {
  const serve = async (principal: ServicePrincipal): Promise<MemoryService> => {
    await runtime.rateLimit(principal);
    return runtime.service(await runtime.context(principal));
  };
  return {
    async resolve(c, { bearer, claim }, { target, allowCookie }) {
      if (bearer !== undefined) {
        const service = await serve(await runtime.authenticate(bearer, clientAddress(c, trustProxy), target, claim));
        refuseUnlinked(c, service, target);
        return { service, via: 'bearer' };
      }
      const user = allowCookie ? await sessions.user(c) : undefined;
      if (!user)
        throw unauthorized(
          'Authentication required: sign in at /auth/signin, or send "Authorization: Bearer <token>" (a sign-in token or a kairos_sk_ API key).',
        );
      requireCsrf(c, (ctx) => sessions.sameOrigin(ctx));
      const service = await serve({
        uid: user.uid,
        via: 'session',
        scopes: ['read', 'write', 'admin'],
        ...(user.displayName ? { displayName: user.displayName } : {}),
        // The sign-in the session came from: what a link code redeemed in the console moves.
        ...(user.channel ? { channel: user.channel } : {}),
      });
      return { service, via: 'cookie' };
    },
  };
}

/** The console and the account page need a live web session; RFC 9728 metadata for /mcp. */
function servicePages(deps: ServiceModeDeps, protectedResource: () => Record<string, unknown>): Hono {
  const pages = new Hono();
  const signedIn = async (c: Context): Promise<boolean> => (await deps.sessions.uid(c)) !== undefined;
  pages.get(PROTECTED_RESOURCE_PATH, (c) => c.json(protectedResource()));
  pages.get(`${PROTECTED_RESOURCE_PATH}/mcp`, (c) => c.json(protectedResource()));
  pages.get('/', async (c) => {
    if (!(await signedIn(c))) return c.redirect('/auth/signin?return=%2F', 302);
    const nonce = newNonce();
    c.header('Content-Security-Policy', consoleCsp(nonce));
    return c.html(renderConsoleShell(deps.webviewDir, nonce, { accountPage: true }));
  });
  pages.get('/account', async (c) => {
    if (!(await signedIn(c))) return c.redirect('/auth/signin?return=%2Faccount', 302);
    const nonce = newNonce();
    c.header('Content-Security-Policy', accountPageCsp(nonce));
    return c.html(renderAccountPage({ nonce }));
  });
  return pages;
}

/**
 * Behind a proxy that is not trusted every client shares the proxy's address, so one client's
 * failed sign-ins would lock out everyone: say so once, loudly.
 */
function untrustedProxyWarning(): MiddlewareHandler {
  let warned = false;
  return async (c, next) => {
    if (!warned && c.req.header('x-forwarded-for') !== undefined) {
      warned = true;
      log.warn(
        'requests arrive with X-Forwarded-For but KAIROS_TRUST_PROXY is not set: every client behind the proxy shares one address for rate limits and sign-in lockouts. Set KAIROS_TRUST_PROXY=1 when Kairos runs behind your reverse proxy (see docs/security.md).',
      );
    }
    await next();
  };
}

export function serviceMode(deps: ServiceModeDeps): ModeSurface {
  const protectedResource = (): Record<string, unknown> => ({
    resource: mcpResource({ publicUrl: deps.publicUrl }),
    authorization_servers: [deps.publicUrl(), ...deps.authServers],
    bearer_methods_supported: ['header'],
    scopes_supported: ALL_OAUTH_SCOPES,
    resource_name: 'Kairos memory',
  });
  return {
    tenants: serviceTenants(deps),
    publicRoutes: deps.publicRoutes,
    v1Routes: serviceRoutes(deps.runtime.accounts, deps.runtime.connectors),
    pages: servicePages(deps, protectedResource),
    mcpChallenge: () => `Bearer resource_metadata="${deps.publicUrl()}${PROTECTED_RESOURCE_PATH}"`,
    consoleLink: () => `${deps.publicUrl()}/`,
    ...(deps.trustProxy ? {} : { middleware: [untrustedProxyWarning()] }),
  };
}
