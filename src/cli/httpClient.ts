/**
 * A small client for a running Kairos server's REST API, used by the CLI. JSON calls go over
 * node:http (util/httpRequest.ts: no fetch start-up cost); streamed bodies (export, import,
 * reembed) use fetch, whose start-up cost is small beside theirs.
 */
import { KairosError, type ErrorCode } from '../core/errors.js';
import { requestText } from '../util/httpRequest.js';
import { CliError, EXIT } from './exitCodes.js';

interface CallOptions {
  query?: URLSearchParams;
  body?: unknown;
  rawBody?: ReadableStream<Uint8Array>;
}

export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Turns an `{error:{code,message}}` payload into a KairosError. */
  errorFrom(e: { code: string; message: string }): KairosError {
    return new KairosError(e.code as ErrorCode, e.message);
  }

  private url(path: string, query: URLSearchParams | undefined): string {
    const qs = query?.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private unreachable(e: unknown): CliError {
    return new CliError(EXIT.unavailable, `Cannot reach the Kairos server at ${this.baseUrl} (${(e as Error).message}). Is \`kairos serve\` still running?`);
  }

  /** The error an unsuccessful answer stands for: the server's `{error}` payload, else its status. */
  private failure(status: number, statusText: string, text: string): KairosError {
    let payload: { error?: { code?: string; message?: string } } = {};
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      // Not our JSON error shape: fall back to the status line.
    }
    const code = payload.error?.code ?? (status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : 'internal');
    return this.errorFrom({ code, message: payload.error?.message ?? `The server answered ${status} ${statusText}.` });
  }

  /** A streamed call: the response is returned unread (its body is a stream). */
  async raw(method: string, path: string, opts: CallOptions): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let body: BodyInit | undefined;
    if (opts.rawBody) {
      body = opts.rawBody;
      headers['Content-Type'] = 'application/x-ndjson';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), { method, headers, ...(body ? { body, duplex: 'half' } : {}) } as RequestInit);
    } catch (e) {
      throw this.unreachable(e);
    }
    if (!res.ok) throw this.failure(res.status, res.statusText, await res.text().catch(() => ''));
    return res;
  }

  async json<T>(method: string, path: string, opts: CallOptions): Promise<T> {
    if (opts.rawBody) return (await (await this.raw(method, path, opts)).json()) as T;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await requestText(this.url(path, opts.query), { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      throw this.unreachable(e);
    }
    if (res.status < 200 || res.status > 299) throw this.failure(res.status, res.statusText, res.body);
    return JSON.parse(res.body) as T;
  }
}
