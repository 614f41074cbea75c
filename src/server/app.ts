/**
 * The HTTP surface: /v1 REST, /mcp (Streamable HTTP, stateless) and the web console. Routes
 * live in routes/*; this module wires middleware (security headers, auth, body limits) and maps
 * errors once.
 */
import { readFile } from 'node:fs/promises';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { getCookie, setCookie } from 'hono/cookie';
import type { ChannelClaim } from '../auth/connector.js';
import { KairosError } from '../core/errors.js';
import type { MemoryService } from '../core/memoryService.js';
import type { EmbedderInfo } from '../core/ports.js';
import type { EventHub } from '../runtime/events.js';
import { createLogger } from '../util/logger.js';
import { kairosVersion } from '../util/version.js';
import { accountPageCsp, renderAccountPage } from './accountPage.js';
import { authMiddleware } from './auth.js';
import { simplePage } from '../ui/page.js';
import { consoleCsp, newNonce, renderConsoleShell, resolveAsset } from './console.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type ConsoleAuth } from './consoleAuth.js';
import type { KairosEnv } from './context.js';
import { errorResponse } from './errors.js';
import { inputGuard } from './inputGuard.js';
import type { SettingsController } from '../protocol/messages.js';
import { accountRoutes } from './routes/account.js';
import { EventStreams, eventRoutes } from './routes/events.js';
import { localRoutes, type LocalRouteDeps } from './routes/local.js';
import { memoryRoutes } from './routes/memories.js';
import { portableRoutes } from './routes/portable.js';
import { tooLarge } from './streams.js';

const log = createLogger('http');

export type McpHandler = (request: Request, service: MemoryService) => Promise<Response>;

/** What the app needs from its host process (local runtime today, remote service later). */
export interface AppDeps {
  verifyToken(candidate: string): boolean;
  /** A MemoryService for one request. */
  service(): MemoryService;
  events: EventHub;
  consoleAuth: ConsoleAuth;
  settings: SettingsController;
  health(): { store: string; embedder: EmbedderInfo };
  /** The server's base URL (e.g. http://127.0.0.1:7377), for console links. */
  publicUrl(): string;
  mcp: McpHandler;
  limits: { json: number; import: number };
  /** The built console bundle (media/webview); undefined when not built. */
  webviewDir?: string;
  /** Service mode: multi-tenant bearer resolution, extra /v1 routes and MCP authorization. */
  serviceMode?: ServiceModeDeps;
  /** Local mode: registered per-window clients and delete-all (routes/local.ts). */
  local?: LocalRouteDeps;
}

/** What service mode adds to the app (see runtime/service.ts and server/serviceMain.ts). */
export interface ServiceModeDeps {
  /** `client`: the request's address key (for failed sign-in limits), when known. */
  /** `claim`: the channel user a connector names in X-Kairos-Channel-User (see auth/connector.ts). */
  resolveBearer(token: string, client: string | undefined, target: 'mcp' | 'api', claim: ChannelClaim): Promise<MemoryService>;
  /** The web sign-in's session (cookie) → the user's MemoryService; undefined when signed out. */
  resolveSession(c: Context<KairosEnv>): Promise<MemoryService | undefined>;
  /** Whether the request carries a live web session (pages need no tenant context for that). */
  signedIn(c: Context<KairosEnv>): Promise<boolean>;
  /** True when a state-changing cookie request comes from this deployment's origin. */
  sameOrigin(c: Context<KairosEnv>): boolean;
  /** Routes outside /v1 (web sign-in, the authorization server, /.well-known), by mount path. */
  publicRoutes: ReadonlyArray<readonly [string, Hono]>;
  /** Take the client address from X-Forwarded-For (behind a trusted reverse proxy). */
  trustProxy?: boolean;
  /** Extra /v1 routes (keys, link, settings, orgs, me), behind the same auth. */
  routes: Hono<KairosEnv>;
  /** RFC 9728 protected-resource metadata for /mcp. */
  protectedResource(): { resource: string; authorization_servers: string[]; [k: string]: unknown };
}

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

export interface KairosApp {
  app: Hono<KairosEnv>;
  /** Ends long-lived streams (SSE) so a graceful shutdown does not wait for them. */
  closeStreams(): void;
}

/** Builds a console login URL carrying a fresh one-time token. */
export function consoleLoginUrl(deps: Pick<AppDeps, 'consoleAuth' | 'publicUrl'>): string {
  return `${deps.publicUrl()}/?token=${deps.consoleAuth.issueLoginToken()}`;
}

function setSecurityHeaders(c: Context): void {
  const set = (): void => {
    const h = c.res.headers;
    h.set('X-Content-Type-Options', 'nosniff');
    if (!h.has('Referrer-Policy')) h.set('Referrer-Policy', 'no-referrer');
    h.set('X-Frame-Options', 'DENY');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
  };
  try {
    set();
  } catch {
    // Responses with immutable headers (e.g. passed through from fetch) are copied first.
    c.res = new Response(c.res.body, c.res);
    set();
  }
}

export function createApp(deps: AppDeps): KairosApp {
  const app = new Hono<KairosEnv>();
  const streams = new EventStreams();

  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => errorResponse(c, new KairosError('not_found', `No route ${c.req.method} ${c.req.path}. See docs/rest-api.md.`)));
  app.use('*', async (c, next) => {
    await next();
    setSecurityHeaders(c);
  });
  app.use('*', inputGuard());

  const jsonLimit = bodyLimit({ maxSize: deps.limits.json, onError: () => { throw tooLarge(deps.limits.json); } });

  app.get('/v1/healthz', (c) => c.json({ status: 'ok', version: kairosVersion(), ...deps.health() }));

  const svc = deps.serviceMode;
  const local = svc ? undefined : deps.local;
  const authDeps = svc
    ? { ...deps, resolveBearer: svc.resolveBearer, resolveSession: svc.resolveSession, sameOrigin: svc.sameOrigin, trustProxy: svc.trustProxy ?? false }
    : { ...deps, ...(local ? { clients: local.clients } : {}) };
  if (svc && !svc.trustProxy) {
    // Behind a proxy that is not trusted every client shares the proxy's address, so one
    // client's failed sign-ins would lock out everyone: say so once, loudly.
    let warned = false;
    app.use('*', async (c, next) => {
      if (!warned && c.req.header('x-forwarded-for') !== undefined) {
        warned = true;
        log.warn('requests arrive with X-Forwarded-For but KAIROS_TRUST_PROXY is not set: every client behind the proxy shares one address for rate limits and sign-in lockouts. Set KAIROS_TRUST_PROXY=1 when Kairos runs behind your reverse proxy (see docs/security.md).');
      }
      await next();
    });
  }
  if (svc) {
    app.get(PROTECTED_RESOURCE_PATH, (c) => c.json(svc.protectedResource()));
    app.get(`${PROTECTED_RESOURCE_PATH}/mcp`, (c) => c.json(svc.protectedResource()));
    for (const [path, routes] of svc.publicRoutes) {
      // Sign-in and OAuth forms are small: the same cap as JSON bodies, before they are parsed.
      app.use(`${path}/*`, jsonLimit);
      app.route(path, routes);
    }
  }

  const v1 = new Hono<KairosEnv>();
  v1.use('*', authMiddleware(authDeps, { allowCookie: true }));
  v1.use('*', async (c, next) => (c.req.path === '/v1/import' ? next() : jsonLimit(c, next)));
  v1.route('/', memoryRoutes());
  v1.route('/', portableRoutes(deps.limits.import));
  v1.route('/', accountRoutes({ settings: deps.settings, consoleLink: () => (svc ? `${deps.publicUrl()}/` : consoleLoginUrl(deps)) }));
  v1.route('/', eventRoutes(deps.events, streams));
  if (svc) v1.route('/', svc.routes);
  if (local) v1.route('/', localRoutes(local));
  app.route('/v1', v1);

  // MCP is for agents: bearer only, never the console cookie.
  const mcpAuth = authMiddleware(authDeps, { allowCookie: false, target: 'mcp' });
  const mcpChallenge = svc
    ? createMiddleware<KairosEnv>(async (c, next) => {
        const base = svc.protectedResource().resource.replace(/\/mcp$/, '');
        c.set('authChallenge', `Bearer resource_metadata="${base}${PROTECTED_RESOURCE_PATH}"`);
        await next();
      })
    : createMiddleware<KairosEnv>((_c, next) => next());
  const mcpScope = createMiddleware<KairosEnv>(async (c, next) => {
    const scopes = c.var.service.ctx.principal.scopes;
    if (svc && !scopes.some((s) => s === 'read' || s === 'write' || s === 'admin')) {
      throw new KairosError('forbidden', 'This token carries none of the scopes Kairos needs (read, write or admin).', { details: { insufficientScope: 'read write' } });
    }
    await next();
  });
  app.post('/mcp', mcpChallenge, mcpAuth, mcpScope, jsonLimit, (c) => deps.mcp(c.req.raw, c.var.service));
  app.on(['GET', 'DELETE', 'PUT', 'PATCH'], '/mcp', (c) => {
    c.header('Allow', 'POST');
    return c.json({ error: { code: 'method_not_allowed', message: 'This MCP endpoint is stateless: use POST.' } }, 405);
  });

  app.get('/', async (c) => {
    const nonce = newNonce();
    const html = (status: 200 | 401, body: string): Response => {
      c.header('Content-Security-Policy', consoleCsp(nonce));
      return c.html(body, status);
    };
    if (svc) {
      if (!(await svc.signedIn(c))) return c.redirect('/auth/signin?return=%2F', 302);
      return html(200, renderConsoleShell(deps.webviewDir, nonce, { accountPage: true }));
    }
    const loginToken = c.req.query('token');
    if (loginToken !== undefined) {
      if (!deps.consoleAuth.redeemLoginToken(loginToken)) {
        return html(401, simplePage('Login link expired', '<p>This console link was already used or has expired. Run <code>kairos console</code> for a fresh one.</p>', nonce));
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

  if (svc) {
    app.get('/account', async (c) => {
      if (!(await svc.signedIn(c))) return c.redirect('/auth/signin?return=%2Faccount', 302);
      const nonce = newNonce();
      c.header('Content-Security-Policy', accountPageCsp(nonce));
      return c.html(renderAccountPage({ nonce }));
    });
  }

  // Browsers ask for it on every page; an answer keeps their consoles free of 404s.
  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.get('/assets/*', async (c) => {
    const asset = deps.webviewDir ? await resolveAsset(deps.webviewDir, c.req.path.slice('/assets/'.length)) : undefined;
    if (!asset) throw new KairosError('not_found', 'No such asset.');
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'no-cache');
    return c.body(await readFile(asset.path));
  });

  return { app, closeStreams: () => streams.closeAll() };
}
