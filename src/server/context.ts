/** Hono environment shared by the routes: what the auth middleware leaves on each request. */
import type { ServicePrincipal } from '../auth/principal.js';
import type { MemoryService } from '../core/memoryService.js';

/** `bearer`: the data dir's token (or, in service mode, any verified bearer); `client`: a registered per-window token. */
export type AuthVia = 'bearer' | 'client' | 'cookie';

export interface KairosEnv {
  Variables: {
    /** A MemoryService bound to this request's tenant context. */
    service: MemoryService;
    via: AuthVia;
    /** Service mode: the WWW-Authenticate value a 401/403 on this route carries (RFC 9728 pointer). */
    authChallenge?: string;
  };
}

/** The request's verified principal (service mode, where every principal is a ServicePrincipal). */
export function principal(c: { var: KairosEnv['Variables'] }): ServicePrincipal {
  return c.var.service.ctx.principal as ServicePrincipal;
}
