/**
 * The CSRF rule for cookie-authenticated requests (local console, service web session, sign-out):
 * a state-changing request must carry `X-Kairos-CSRF: 1`, which a cross-site form cannot send,
 * and, where the host can tell, come from this site's origin.
 */
import type { Context } from 'hono';
import { KairosError } from '../core/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function requireCsrf(c: Context, sameOrigin?: (c: Context) => boolean): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  if (c.req.header('x-kairos-csrf') !== '1' || (sameOrigin && !sameOrigin(c))) {
    throw new KairosError('forbidden', 'Cookie-authenticated requests that change data must come from this site and send the header "X-Kairos-CSRF: 1".');
  }
}
