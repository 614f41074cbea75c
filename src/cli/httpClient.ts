/** A small client for a running Kairos server's REST API, used by the CLI. */
import { KairosError, type ErrorCode } from '../core/errors.js';
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

  async raw(method: string, path: string, opts: CallOptions): Promise<Response> {
    const qs = opts.query?.toString();
    const url = `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
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
      res = await fetch(url, { method, headers, ...(body ? { body, duplex: 'half' } : {}) } as RequestInit);
    } catch (e) {
      throw new CliError(EXIT.unavailable, `Cannot reach the Kairos server at ${this.baseUrl} (${(e as Error).message}). Is \`kairos serve\` still running?`);
    }
    if (!res.ok) {
      let payload: { error?: { code?: string; message?: string } } = {};
      try {
        payload = (await res.json()) as typeof payload;
      } catch {
        // Not our JSON error shape: fall back to the status line.
      }
      const code = payload.error?.code ?? (res.status === 401 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'internal');
      throw this.errorFrom({ code, message: payload.error?.message ?? `The server answered ${res.status} ${res.statusText}.` });
    }
    return res;
  }

  async json<T>(method: string, path: string, opts: CallOptions): Promise<T> {
    const res = await this.raw(method, path, opts);
    return (await res.json()) as T;
  }
}
