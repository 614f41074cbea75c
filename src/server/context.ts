/** Hono environment shared by the routes: what the auth middleware leaves on each request. */
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
