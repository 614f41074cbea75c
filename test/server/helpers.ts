/** Shared helpers for the server suites: temp homes, an in-process server, a REST caller. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type KairosConfig } from '../../src/config.js';
import type { Embedder } from '../../src/core/ports.js';
import type { LocalRuntimeOptions } from '../../src/runtime/local.js';
import { startServer, type RunningServer } from '../../src/server/main.js';

export async function tempHome(prefix = 'kairos-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeHome(home: string): Promise<void> {
  await rm(home, { recursive: true, force: true });
}

export function testConfig(home: string, env: Record<string, string> = {}): KairosConfig {
  return loadConfig({ KAIROS_HOME: home, KAIROS_PORT: '0', ...env });
}

export interface TestServer {
  server: RunningServer;
  home: string;
  token: string;
  url: string;
  api(method: string, path: string, opts?: ApiOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiOptions {
  body?: unknown;
  /** Sent as-is (for invalid JSON and oversize bodies). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Bearer token; `null` sends no Authorization header. Default: the local token. */
  token?: string | null;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** The body as JSON, or undefined when it is not JSON (an HTML page, an empty body). */
export function parseJsonOrUndefined(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function call(url: string, method: string, path: string, token: string | null, opts: ApiOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const t = opts.token === undefined ? token : opts.token;
  if (t !== null) headers.authorization = `Bearer ${t}`;
  let body: string | Uint8Array | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body: body as BodyInit } : {}), redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parseJsonOrUndefined(text) };
}

export async function startTestServer(home?: string, env: Record<string, string> = {}, opts: LocalRuntimeOptions = {}): Promise<TestServer> {
  const dir = home ?? (await tempHome());
  const server = await startServer(testConfig(dir, env), opts);
  const token = (await readFile(join(dir, 'token'), 'utf8')).trim();
  return {
    server,
    home: dir,
    token,
    url: server.url,
    api: (method, path, o) => call(server.url, method, path, token, o),
    close: () => server.close(),
  };
}

/** The NDJSON export of the personal space, parsed. */
export async function exportAll(s: TestServer): Promise<any[]> {
  const r = await s.api('GET', '/v1/export');
  if (r.status !== 200) throw new Error(`export failed: ${r.status} ${r.text}`);
  return r.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** A deterministic in-process embedder, for tests about auth and lifecycle rather than ranking. */
export const hashEmbedder: Embedder = {
  info: { provider: 'test', model: 'char-hash', dimension: 8 },
  embed: async (texts) =>
    texts.map((t) => {
      const v = new Float32Array(8).fill(0.01);
      for (let i = 0; i < t.length; i++) v[t.charCodeAt(i) % 8]! += 1;
      return v;
    }),
};
