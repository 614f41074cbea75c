/**
 * The page's fetch wrapper: same-origin cookie auth, the CSRF header and a JSON content type on
 * every request that changes state, `{ error: { code, message } }` answers turned into ApiError,
 * and one hook for 401 (the page sends the person to sign in again).
 */
import { ApiError, errorBodyFields } from '../../src/protocol/apiError.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiCall {
  method: Method;
  path: string;
  /** Sent as JSON. */
  json?: unknown;
}

export interface BuiltRequest {
  url: string;
  init: RequestInit & { headers: Record<string, string> };
}

/** Failed calls reject with this; the class is shared with the extension's REST client. */
export { ApiError };

/** Where a 401 sends the person: the sign-in page, coming back here afterwards. */
export const SIGN_IN_URL = '/auth/signin?return=/account';

/** Pure: the URL and fetch options for one call. */
export function buildRequest(call: ApiCall, base = ''): BuiltRequest {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (call.method !== 'GET') headers['X-Kairos-CSRF'] = '1';
  const init: BuiltRequest['init'] = { method: call.method, headers, credentials: 'same-origin' };
  if (call.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(call.json);
  }
  return { url: `${base.replace(/\/+$/, '')}${call.path}`, init };
}

/** Pure: the error a failed answer stands for, from its body when the body says. */
export function errorFromBody(status: number, statusText: string, body: unknown): ApiError {
  const err = errorBodyFields(body);
  if (err.code !== undefined && err.message !== undefined) return new ApiError(err.code, err.message, status);
  if (status === 401) return new ApiError('unauthorized', 'Your session has ended. Sign in again.', status);
  return new ApiError(`http_${status}`, `The Kairos server answered ${status} ${statusText}.`.trim().replace(/\s+\.$/, '.'), status);
}

/** Path segments are always encoded: ids, channel types and channel uids come from data. */
export function pathOf(...segments: string[]): string {
  return segments.map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  base?: string;
  /** Called once per 401 answer, before the call rejects. */
  onUnauthorized?: () => void;
}

export interface ApiClient {
  /** Parsed JSON answer. */
  json<T>(call: ApiCall): Promise<T>;
  /** The answer's body as text (downloads). */
  text(call: ApiCall): Promise<string>;
}

export function createApiClient(o: ApiClientOptions = {}): ApiClient {
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const send = async (call: ApiCall): Promise<Response> => {
    const { url, init } = buildRequest(call, o.base);
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (e) {
      throw new ApiError('network', `Cannot reach Kairos (${(e as Error).message}). Check your connection and try again.`, 0);
    }
    if (res.ok) return res;
    if (res.status === 401) o.onUnauthorized?.();
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    throw errorFromBody(res.status, res.statusText, body);
  };
  return {
    async json<T>(call: ApiCall): Promise<T> {
      const res = await send(call);
      try {
        return (await res.json()) as T;
      } catch {
        throw new ApiError('bad_response', 'The Kairos server sent an answer this page cannot read.', res.status);
      }
    },
    async text(call: ApiCall): Promise<string> {
      return (await send(call)).text();
    },
  };
}
