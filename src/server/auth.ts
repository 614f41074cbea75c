/**
 * The one port from a request's credential to its tenant. Each mode's composition root builds a
 * TenantResolver (localMode.ts: the data dir's token, per-window tokens, the console cookie;
 * serviceMode.ts: sign-in tokens, API keys, connectors, the web session). Routes, MCP and events
 * only see what it returns, so none of them asks which mode it runs in.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { CHANNEL_TYPE_HEADER, CHANNEL_USER_HEADER, claimsChannel, NOT_A_CONNECTOR_MESSAGE, type ChannelClaim } from '../auth/connector.js';
import { KairosError } from '../core/errors.js';
import type { MemoryService } from '../core/memoryService.js';
import type { AuthVia, KairosEnv } from './context.js';

export type AuthTarget = 'mcp' | 'api';

/** What a request presents: its bearer (if any) and the channel user a connector names. */
export interface Credential {
  bearer?: string | undefined;
  claim: ChannelClaim;
}

export interface ResolveOptions {
  target: AuthTarget;
  /** Whether a session cookie may stand in for a bearer (the console's /v1 calls; never /mcp). */
  allowCookie: boolean;
}

/** A verified request: a MemoryService bound to its tenant context (principal included). */
export interface Resolved {
  service: MemoryService;
  via: AuthVia;
}

export interface TenantResolver {
  /** Throws `unauthorized`, `forbidden` or `rate_limited`; never trusts an id from the body. */
  resolve(c: Context<KairosEnv>, credential: Credential, opts: ResolveOptions): Promise<Resolved>;
}

export function unauthorized(message: string): KairosError {
  return new KairosError('unauthorized', message);
}

/** Parses `Authorization: Bearer <token>`; undefined when absent, throws when malformed. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('The Authorization header must be "Bearer <token>". Get the token with `kairos token`.');
  return m[1];
}

export function authMiddleware(tenants: TenantResolver, opts: ResolveOptions): MiddlewareHandler<KairosEnv> {
  return async (c, next) => {
    const credential: Credential = {
      bearer: bearerToken(c.req.header('authorization')),
      claim: { user: c.req.header(CHANNEL_USER_HEADER), type: c.req.header(CHANNEL_TYPE_HEADER) },
    };
    // Only a connector secret may name a channel user, and a secret is always a bearer.
    if (claimsChannel(credential.claim) && credential.bearer === undefined) throw new KairosError('forbidden', NOT_A_CONNECTOR_MESSAGE);
    const { service, via } = await tenants.resolve(c, credential, opts);
    c.set('via', via);
    c.set('service', service);
    await next();
  };
}
