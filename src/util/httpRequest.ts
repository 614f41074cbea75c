/**
 * One HTTP request over node:http(s), the response read whole. The CLI's short calls use this
 * rather than fetch: fetch's first use in a process compiles Node's bundled undici, which costs
 * more than the rest of a `kairos search` against a running server (see `npm run bench:cli`).
 * node:http and node:https load on the first request, so commands that send none skip them.
 */
import type { IncomingMessage } from 'node:http';

export interface SmallResponse {
  status: number;
  statusText: string;
  body: string;
}

export interface SmallRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the request (connect, send and read) after this long. */
  timeoutMs?: number;
}

export async function requestText(url: string, opts: SmallRequest = {}): Promise<SmallResponse> {
  const target = new URL(url);
  const { request: send } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers = { ...opts.headers, ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}) };
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: opts.method ?? 'GET', headers, ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}) },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
