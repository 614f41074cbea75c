/**
 * Per-request authentication: the local bearer token (the data dir's, or a registered client's
 * per-window token), or the console's session cookie. Cookie
 * requests that change state must carry `X-Kairos-CSRF: 1`, which a cross-site form cannot send.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { CHANNEL_TYPE_HEADER, CHANNEL_USER_HEADER, claimsChannel, NOT_A_CONNECTOR_MESSAGE, type ChannelClaim } from '../auth/connector.js';
import { requireCsrf } from '../auth/csrf.js';
import { KairosError } from '../core/errors.js';
import type { MemoryService } from '../core/memoryService.js';
import { clientAddress } from './clientAddress.js';
import type { KairosEnv } from './context.js';
import { SESSION_COOKIE, type ConsoleAuth } from './consoleAuth.js';

export interface AuthDeps {
  verifyToken(candidate: string): boolean;
  service(): MemoryService;
  consoleAuth: ConsoleAuth;
  /** Local mode: the per-window bearers registered through /v1/clients. */
  clients?: { verify(candidate: string): boolean };
  /**
   * Service mode: resolves a bearer token to a MemoryService bound to that tenant (throws
   * `unauthorized`, `rate_limited`). When set, it replaces verifyToken/service and cookies.
   */
  resolveBearer?: (token: string, client: string | undefined, target: 'mcp' | 'api', claim: ChannelClaim) => Promise<MemoryService>;
  /**
   * Service mode: the web sign-in's session cookie → the signed-in user's MemoryService, or
   * undefined when the cookie names no live session. `sameOrigin` guards state changes.
   */
  resolveSession?: (c: Context<KairosEnv>) => Promise<MemoryService | undefined>;
  sameOrigin?: (c: Context<KairosEnv>) => boolean;
  /** Service mode: trust X-Forwarded-For for the client address (see clientAddress.ts). */
  trustProxy?: boolean;
}

function unauthorized(message: string): KairosError {
  return new KairosError('unauthorized', message);
}

/** Parses `Authorization: Bearer <token>`; undefined when absent, throws when malformed. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('The Authorization header must be "Bearer <token>". Get the token with `kairos token`.');
  return m[1];
}

/**
 * A channel user Kairos does not know (connector policy "refuse") may only redeem a link code on
 * /v1; on /mcp it gets the tools, which answer with the same refusal except link_account.
 */
function refuseUnlinked(c: Context<KairosEnv>, service: MemoryService, target: 'mcp' | 'api'): void {
  const refusal = service.ctx.refusal;
  if (refusal === undefined || target === 'mcp') return;
  if (c.req.method === 'POST' && c.req.path === '/v1/link/redeem') return;
  throw new KairosError('forbidden', refusal);
}

export function authMiddleware(deps: AuthDeps, opts: { allowCookie: boolean; target?: 'mcp' | 'api' }): MiddlewareHandler<KairosEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    const claim: ChannelClaim = { user: c.req.header(CHANNEL_USER_HEADER), type: c.req.header(CHANNEL_TYPE_HEADER) };
    // Only a connector secret may name a channel user; every other credential speaks for itself.
    if (claimsChannel(claim) && (token === undefined || !deps.resolveBearer)) throw new KairosError('forbidden', NOT_A_CONNECTOR_MESSAGE);
    if (deps.resolveBearer) {
      if (token !== undefined) {
        const target = opts.target ?? 'api';
        c.set('via', 'bearer');
        const service = await deps.resolveBearer(token, clientAddress(c, deps.trustProxy ?? false), target, claim);
        refuseUnlinked(c, service, target);
        c.set('service', service);
        return next();
      }
      const service = opts.allowCookie && deps.resolveSession ? await deps.resolveSession(c) : undefined;
      if (!service) throw unauthorized('Authentication required: sign in at /auth/signin, or send "Authorization: Bearer <token>" (a sign-in token or a kairos_sk_ API key).');
      requireCsrf(c, deps.sameOrigin);
      c.set('via', 'cookie');
      c.set('service', service);
      return next();
    }
    if (token !== undefined) {
      if (deps.verifyToken(token)) c.set('via', 'bearer');
      else if (deps.clients?.verify(token)) c.set('via', 'client');
      else throw unauthorized('The bearer token is not valid. Get the current one with `kairos token`.');
    } else {
      const session = opts.allowCookie ? getCookie(c, SESSION_COOKIE) : undefined;
      if (!session || !deps.consoleAuth.verifySession(session)) {
        throw unauthorized('Authentication required: send "Authorization: Bearer <token>" (see `kairos token`).');
      }
      requireCsrf(c);
      c.set('via', 'cookie');
    }
    c.set('service', deps.service());
    await next();
  };
}
