/**
 * The CLI's transport to a running Kairos server's REST API: calls go through the shared
 * contract client (protocol/restClient.ts). JSON calls go over node:http (util/httpRequest.ts:
 * no fetch start-up cost); streamed bodies (export, import, reembed) use fetch, whose start-up
 * cost is small beside theirs. Failures become what the CLI reports: KairosError with the
 * server's code, or an exit-code error when the server cannot be reached.
 */
import { KairosError, type ErrorCode } from '../core/errors.js';
import { ApiError } from '../protocol/apiError.js';
import type { Endpoint, EndpointInput } from '../protocol/rest/endpoint.js';
import { callEndpoint, sendEndpoint, type JsonEndpoint, type RestTarget, type RestTransport } from '../protocol/restClient.js';
import { requestText } from '../util/httpRequest.js';
import { CliError, EXIT } from './exitCodes.js';

const nodeHttp: RestTransport = async (url, init) => {
  const res = await requestText(url, { method: init.method, headers: init.headers, ...(typeof init.body === 'string' ? { body: init.body } : {}) });
  return { status: res.status, statusText: res.statusText, text: () => Promise.resolve(res.body) };
};

// A streamed request body needs duplex 'half' (Node's fetch refuses it otherwise).
const fetchTransport: RestTransport<Response> = (url, init) =>
  fetch(url, { ...init, ...(init.body !== undefined && typeof init.body !== 'string' ? { duplex: 'half' } : {}) } as RequestInit);

export class HttpClient {
  private readonly target: RestTarget;

  constructor(
    readonly baseUrl: string,
    token: string,
  ) {
    this.target = { base: baseUrl, headers: { Authorization: `Bearer ${token}` } };
  }

  /**
   * One JSON call of a route; a streamed (raw) body goes over fetch. The CLI passes schema-less
   * routes (protocol/rest/routes.ts: no zod to load); the server validates, and the answer is typed
   * by the caller.
   */
  async call<T, E extends JsonEndpoint = JsonEndpoint>(ep: E, input: EndpointInput<E>): Promise<T> {
    try {
      return (await callEndpoint(ep.body === 'raw' ? fetchTransport : nodeHttp, this.target, ep, input)) as T;
    } catch (e) {
      throw this.reportable(e);
    }
  }

  /** A streamed answer: the fetch Response, returned unread once it is a 2xx. */
  async open<E extends Endpoint>(ep: E, input: EndpointInput<E>): Promise<Response> {
    try {
      return await sendEndpoint(fetchTransport, this.target, ep, input);
    } catch (e) {
      throw this.reportable(e);
    }
  }

  /** Turns an `{error:{code,message}}` payload (a reembed stream's last line) into a KairosError. */
  errorFrom(e: { code: string; message: string }): KairosError {
    return new KairosError(e.code as ErrorCode, e.message);
  }

  private reportable(e: unknown): unknown {
    if (!(e instanceof ApiError)) return e;
    if (e.code === 'unreachable') return new CliError(EXIT.unavailable, `${e.message} Is \`kairos serve\` still running?`);
    return this.errorFrom(e);
  }
}
