/**
 * The one way every client calls the REST API: the URL and body from the contract's entry
 * (protocol/rest/endpoints.ts), the body checked before sending, the answer checked after, and
 * every failure mapped once (protocol/apiError.ts). Clients differ only in their transport.
 */
import { ApiError, badResponse, errorFromAnswer, unreachableError } from './apiError.js';
import { fillPath, queryString, type AnswerKind, type BodyKind, type Endpoint, type EndpointAnswer, type EndpointInput, type Method } from './rest/endpoint.js';
import { describeZodError } from './zodError.js';

/** The part of a fetch Response a client needs; a fetch Response is one. */
export interface RestAnswer {
  status: number;
  statusText: string;
  text(): Promise<string>;
}

export interface RestInit {
  method: Method;
  headers: Record<string, string>;
  body?: string | ReadableStream<Uint8Array>;
}

/** fetch, or anything shaped like it (node:http for the CLI's quick calls). */
export type RestTransport<R extends RestAnswer = RestAnswer> = (url: string, init: RestInit) => Promise<R>;

/** Where calls go: the server's origin (and prefix), and headers every call carries (auth, CSRF). */
export interface RestTarget {
  base: string;
  headers?: Record<string, string>;
}

/** An entry answered with JSON (not a stream). */
export type JsonEndpoint = Endpoint<string, string, BodyKind, Exclude<AnswerKind, 'ndjson' | 'sse'>>;

/** The request of one call, its body validated against the contract. */
export function buildCall<E extends Endpoint>(target: RestTarget, ep: E, input: EndpointInput<E>): { url: string; init: RestInit } {
  const i = input as {
    path?: Record<string, string> | undefined;
    query?: Record<string, string | readonly string[] | undefined> | undefined;
    body?: unknown;
    raw?: string | ReadableStream<Uint8Array> | undefined;
    contentType?: string | undefined;
  };
  const url = `${target.base.replace(/\/+$/, '')}${fillPath(ep.path, i.path)}${queryString(i.query)}`;
  const headers: Record<string, string> = {
    Accept: typeof ep.answer === 'string' ? (ep.answer === 'sse' ? 'text/event-stream' : 'application/x-ndjson') : 'application/json',
    ...target.headers,
  };
  if (ep.body === 'raw') {
    headers['Content-Type'] = i.contentType ?? 'application/x-ndjson';
    return { url, init: { method: ep.method, headers, ...(i.raw !== undefined ? { body: i.raw } : {}) } };
  }
  if (ep.body) {
    // An entry without a schema (protocol/rest/routes.ts) leaves the check to the server.
    const checked = ep.body === 'json' ? undefined : ep.body.safeParse(i.body);
    if (checked && !checked.success) throw new ApiError('invalid_input', describeZodError(checked.error), 0);
    headers['Content-Type'] = 'application/json';
    return { url, init: { method: ep.method, headers, body: JSON.stringify(i.body) } };
  }
  return { url, init: { method: ep.method, headers } };
}

/** Sends one call and returns the transport's answer unread once it is a 2xx (streams read it themselves). */
export async function sendEndpoint<E extends Endpoint, R extends RestAnswer>(
  transport: RestTransport<R>,
  target: RestTarget,
  ep: E,
  input: EndpointInput<E>,
): Promise<R> {
  const { url, init } = buildCall(target, ep, input);
  let res: R;
  try {
    res = await transport(url, init);
  } catch (e) {
    throw unreachableError(target.base, e);
  }
  if (res.status < 200 || res.status > 299) throw errorFromAnswer(res.status, res.statusText, await res.text().catch(() => ''));
  return res;
}

/** Sends one JSON call and resolves with its answer, checked against the contract. */
export async function callEndpoint<E extends JsonEndpoint>(
  transport: RestTransport,
  target: RestTarget,
  ep: E,
  input: EndpointInput<E>,
): Promise<EndpointAnswer<E>> {
  const res = await sendEndpoint(transport, target, ep, input);
  return readAnswer(ep, res.status, await res.text());
}

/** A 2xx body read against the entry's answer schema; anything else is `bad_response`. */
export function readAnswer<E extends JsonEndpoint>(ep: E, status: number, text: string): EndpointAnswer<E> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badResponse(status, `${ep.method} ${ep.path} did not answer JSON`);
  }
  if (ep.answer === 'json') return json as EndpointAnswer<E>;
  const checked = ep.answer.safeParse(json);
  if (!checked.success) throw badResponse(status, `${ep.method} ${ep.path}: ${describeZodError(checked.error)}`);
  return checked.data as EndpointAnswer<E>;
}
