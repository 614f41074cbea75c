/**
 * The HTTP surface: /v1 REST, /mcp (Streamable HTTP, stateless) and the web console. Routes
 * live in routes/*; this module wires middleware (security headers, auth, body limits) and maps
 * errors once.
 */
import { readFile } from 'node:fs/promises';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { KairosError } from '../core/errors.js';
import type { MemoryService } from '../core/memoryService.js';
import type { EmbedderInfo } from '../core/ports.js';
import type { EventHub } from '../runtime/events.js';
import { kairosVersion } from '../util/version.js';
import { authMiddleware, type TenantResolver } from './auth.js';
import { resolveAsset } from './console.js';
import type { KairosEnv } from './context.js';
import { errorResponse } from './errors.js';
import { inputGuard } from './inputGuard.js';
import type { SettingsController } from '../protocol/messages.js';
import { accountRoutes } from './routes/account.js';
import { EventStreams, eventRoutes } from './routes/events.js';
import { memoryRoutes } from './routes/memories.js';
import { portableRoutes } from './routes/portable.js';
import { tooLarge } from './streams.js';

export type McpHandler = (request: Request, service: MemoryService) => Promise<Response>;

/** What every mode shares: the app mounts these the same way whatever the mode. */
export interface AppDeps {
  events: EventHub;
  settings: SettingsController;
  /** The store kind, and the embedder where the engine has one (service mode: one per tenant). */
  health(): { store: string; embedder?: EmbedderInfo };
  mcp: McpHandler;
  limits: { json: number; import: number };
  /** The built console bundle (media/webview); undefined when not built. */
  webviewDir?: string | undefined;
  /** What the mode adds, built in its composition root (localMode.ts or serviceMode.ts). */
  mode: ModeSurface;
}

/** One mode's part of the HTTP surface. */
export interface ModeSurface {
  /** Turns each request's credential into its tenant. */
  tenants: TenantResolver;
  /** Routes outside /v1 (service: web sign-in, the authorization server, /.well-known), by mount path. */
  publicRoutes: ReadonlyArray<readonly [string, Hono]>;
  /** Extra /v1 routes, behind the same authentication. */
  v1Routes: Hono<KairosEnv>;
  /** The console at / (and, in service mode, the account page). */
  pages: Hono;
  /** The WWW-Authenticate value a refused /mcp request carries (RFC 9728), if the mode has one. */
  mcpChallenge?(): string;
  /** What POST /v1/console-link answers. */
  consoleLink(): string;
  /** Runs first on every request. */
  middleware?: ReadonlyArray<MiddlewareHandler>;
}

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

export interface KairosApp {
  app: Hono<KairosEnv>;
  /** Ends long-lived streams (SSE) so a graceful shutdown does not wait for them. */
  closeStreams(): void;
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

  const jsonLimit = bodyLimit({
    maxSize: deps.limits.json,
    onError: () => {
      throw tooLarge(deps.limits.json);
    },
  });

  app.get('/v1/healthz', (c) => c.json({ status: 'ok', version: kairosVersion(), ...deps.health() }));

  const mode = deps.mode;
  for (const mw of mode.middleware ?? []) app.use('*', mw);
  for (const [path, routes] of mode.publicRoutes) {
    // Sign-in and OAuth forms are small: the same cap as JSON bodies, before they are parsed.
    app.use(`${path}/*`, jsonLimit);
    app.route(path, routes);
  }

  const v1 = new Hono<KairosEnv>();
  v1.use('*', authMiddleware(mode.tenants, { target: 'api', allowCookie: true }));
  v1.use('*', async (c, next) => (c.req.path === '/v1/import' ? next() : jsonLimit(c, next)));
  v1.route('/', memoryRoutes());
  v1.route('/', portableRoutes(deps.limits.import));
  v1.route('/', accountRoutes({ settings: deps.settings, consoleLink: () => mode.consoleLink() }));
  v1.route('/', eventRoutes(deps.events, streams));
  v1.route('/', mode.v1Routes);
  app.route('/v1', v1);

  // MCP is for agents: bearer only, never the console cookie.
  const mcpChallenge = createMiddleware<KairosEnv>(async (c, next) => {
    if (mode.mcpChallenge) c.set('authChallenge', mode.mcpChallenge());
    await next();
  });
  const mcpScope = createMiddleware<KairosEnv>(async (c, next) => {
    const scopes = c.var.service.ctx.principal.scopes;
    if (!scopes.some((s) => s === 'read' || s === 'write' || s === 'admin')) {
      throw new KairosError('forbidden', 'This token carries none of the scopes Kairos needs (read, write or admin).', {
        details: { insufficientScope: 'read write' },
      });
    }
    await next();
  });
  const mcpAuth = authMiddleware(mode.tenants, { target: 'mcp', allowCookie: false });
  app.post('/mcp', mcpChallenge, mcpAuth, mcpScope, jsonLimit, (c) => deps.mcp(c.req.raw, c.var.service));
  app.on(['GET', 'DELETE', 'PUT', 'PATCH'], '/mcp', (c) => {
    c.header('Allow', 'POST');
    return c.json({ error: { code: 'method_not_allowed', message: 'This MCP endpoint is stateless: use POST.' } }, 405);
  });

  app.route('/', mode.pages);

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
