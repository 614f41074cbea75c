/**
 * The Account page's client: calls of the REST contract (src/protocol/rest/) through the shared
 * client with the browser transport (cookie, CSRF header), failures as ApiError, and one hook for
 * 401 (the page sends the person to sign in again).
 */
import { ApiError } from '../../src/protocol/apiError.js';
import type { Endpoint, EndpointInput } from '../../src/protocol/rest/endpoint.js';
import { callEndpoint, sendEndpoint, type JsonEndpoint } from '../../src/protocol/restClient.js';
import { browserTransport } from '../browserTransport.js';

/** Failed calls reject with this; the class is shared with every other REST client. */
export { ApiError };

/** Where a 401 sends the person: the sign-in page, coming back here afterwards. */
export const SIGN_IN_URL = '/auth/signin?return=/account';

export interface ApiClientOptions {
  fetch?: typeof fetch;
  base?: string;
  /** Called once per 401 answer, before the call rejects. */
  onUnauthorized?: () => void;
}

export interface ApiClient {
  /** The JSON answer, checked against the contract, typed as the page reads it (./types.ts). */
  call<T, E extends JsonEndpoint = JsonEndpoint>(ep: E, input: EndpointInput<E>): Promise<T>;
  /** The answer's body as text (downloads). */
  text<E extends Endpoint>(ep: E, input: EndpointInput<E>): Promise<string>;
}

export function createApiClient(o: ApiClientOptions = {}): ApiClient {
  const transport = browserTransport(o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)));
  const target = { base: o.base ?? '' };
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) o.onUnauthorized?.();
      throw e;
    }
  };
  return {
    call: <T, E extends JsonEndpoint>(ep: E, input: EndpointInput<E>) => guard(async () => (await callEndpoint(transport, target, ep, input)) as T),
    text: (ep, input) => guard(async () => (await sendEndpoint(transport, target, ep, input)).text()),
  };
}
