/**
 * The browser's transport for the shared REST client (src/protocol/restClient.ts), used by the
 * console's bridge and the Account page: the session cookie (same-origin) on every call, and the
 * CSRF header the server requires on every call that changes state.
 */
import type { RestTransport } from '../src/protocol/restClient.js';

export function browserTransport(doFetch: typeof fetch, extra: RequestInit = {}): RestTransport<Response> {
  return (url, init) =>
    doFetch(url, {
      ...extra,
      method: init.method,
      headers: init.method === 'GET' ? init.headers : { ...init.headers, 'X-Kairos-CSRF': '1' },
      credentials: 'same-origin',
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
}
