/**
 * What the data commands talk to: the data dir directly (no server running) or a running
 * `kairos serve` over HTTP (its data dir is locked, so the CLI must not open it).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { AnchorCheck } from '../core/code.js';
import { KairosError } from '../core/errors.js';
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../core/memory.js';
import type { ImportSummary, ListInput, RememberInput, SearchInput, SpaceSearchHit } from '../core/memoryService.js';
import type { PortableFormat } from '../core/portable.js';
import type { EmbedderInfo } from '../core/ports.js';
import { routes } from '../protocol/rest/routes.js';
import { listQuery } from '../protocol/rest/query.js';
import { findRunningServer } from '../runtime/discovery.js';
import { loadOrCreateToken } from '../runtime/token.js';
import { kairosHome } from '../util/home.js';
import { HttpClient } from './httpClient.js';

export interface ReembedResult {
  space: string;
  reembedded: number;
  embedder: EmbedderInfo;
}

export type ProgressFn = (p: { done: number; total?: number }) => void;

export interface Backend {
  /** 'local' = this process opened the data dir; 'http' = talking to a running server. */
  readonly mode: 'local' | 'http';
  remember(input: RememberInput): Promise<RememberResult>;
  search(input: SearchInput): Promise<Page<SpaceSearchHit>>;
  list(input: ListInput): Promise<Page<Memory>>;
  get(id: string, space?: string): Promise<MemoryWithHistory>;
  forget(id: string, space?: string): Promise<{ id: string; space: string }>;
  /** "Still true": clears a stale mark, recording the commit it was checked at. */
  verify(id: string, opts: { commit?: string; space?: string }): Promise<Memory>;
  recordAnchorCheck(id: string, check: AnchorCheck, commit: string | undefined): Promise<Memory>;
  /** NDJSON lines of the space's export. */
  export(space?: string): AsyncIterable<string>;
  /** Imports a file; progress counts bytes read. */
  import(file: string, opts: { format?: PortableFormat; space?: string; onBytes?: (n: number) => void }): Promise<ImportSummary>;
  reembed(space: string | undefined, onProgress: ProgressFn): Promise<ReembedResult>;
  close(): Promise<void>;
}

export async function* countBytes(chunks: AsyncIterable<Buffer | string>, onBytes?: (n: number) => void, maxBytes = Infinity): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    total += b.byteLength;
    if (total > maxBytes) {
      throw new KairosError('payload_too_large', `The import is larger than ${maxBytes} bytes (KAIROS_MAX_IMPORT_BYTES). Split the file, or raise the limit.`);
    }
    onBytes?.(total);
    yield b;
  }
}

class HttpBackend implements Backend {
  readonly mode = 'http';
  constructor(private readonly http: HttpClient) {}

  remember(input: RememberInput): Promise<RememberResult> {
    return this.http.call(routes.create, { body: input });
  }
  search(input: SearchInput): Promise<Page<SpaceSearchHit>> {
    return this.http.call(routes.search, { body: input });
  }
  list(input: ListInput): Promise<Page<Memory>> {
    return this.http.call(routes.list, { query: listQuery(input) });
  }
  get(id: string, space?: string): Promise<MemoryWithHistory> {
    return this.http.call(routes.get, { path: { id }, query: { space } });
  }
  forget(id: string, space?: string): Promise<{ id: string; space: string }> {
    return this.http.call(routes.delete, { path: { id }, query: { space } });
  }
  verify(id: string, opts: { commit?: string; space?: string }): Promise<Memory> {
    return this.http.call(routes.verify, { path: { id }, query: { space: opts.space }, body: opts.commit ? { commit: opts.commit } : {} });
  }
  recordAnchorCheck(id: string, check: AnchorCheck, commit: string | undefined): Promise<Memory> {
    return this.http.call(routes.anchorCheck, { path: { id }, body: { check, ...(commit ? { commit } : {}) } });
  }
  async *export(space?: string): AsyncIterable<string> {
    const res = await this.http.open(routes.export, { query: { space } });
    if (!res.body) return;
    const { splitLines } = await import('../core/portable.js');
    for await (const line of splitLines(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>))) {
      if (line) yield line + '\n';
    }
  }
  import(file: string, opts: { format?: PortableFormat; space?: string; onBytes?: (n: number) => void }): Promise<ImportSummary> {
    const body = Readable.toWeb(Readable.from(countBytes(createReadStream(file), opts.onBytes))) as ReadableStream<Uint8Array>;
    return this.http.call(routes.import, { query: { space: opts.space, format: opts.format }, raw: body });
  }
  async reembed(space: string | undefined, onProgress: ProgressFn): Promise<ReembedResult> {
    const res = await this.http.open(routes.reembed, { query: { space } });
    let result: ReembedResult | undefined;
    const { splitLines } = await import('../core/portable.js');
    if (res.body) {
      for await (const line of splitLines(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>))) {
        if (!line.trim()) continue;
        const msg = JSON.parse(line) as { progress?: { done: number; total?: number }; result?: ReembedResult; error?: { code: string; message: string } };
        if (msg.progress) onProgress(msg.progress);
        if (msg.error) throw this.http.errorFrom(msg.error);
        if (msg.result) result = msg.result;
      }
    }
    if (!result)
      throw this.http.errorFrom({ code: 'internal', message: 'The server ended the re-embed without a result. Run `kairos reembed` again to resume.' });
    return result;
  }
  async close(): Promise<void> {}
}

/**
 * Connects to the running server for this home when there is one, else opens the data dir. The
 * configuration, the store and the embedder load only on the second path: the server validated
 * its own configuration, and talking to it stays a thin HTTP call.
 */
export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  const home = kairosHome(env);
  const running = await findRunningServer(home);
  if (running) return new HttpBackend(new HttpClient(running.url, loadOrCreateToken(home)));
  const [{ loadConfig }, { openLocalBackend }] = await Promise.all([import('../config.js'), import('./localBackend.js')]);
  return openLocalBackend(loadConfig(env));
}
