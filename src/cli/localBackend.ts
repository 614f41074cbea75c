/** The data commands against the data dir opened by this process (no server running). */
import { createReadStream } from 'node:fs';
import type { KairosConfig } from '../config.js';
import type { AnchorCheck } from '../core/code.js';
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../core/memory.js';
import type { ImportSummary, ListInput, MemoryService, RememberInput, SearchInput, SpaceSearchHit } from '../core/memoryService.js';
import { exportLine, parsePortable, splitLines, type LineError, type PortableFormat } from '../core/portable.js';
import { openLocalRuntime, type LocalRuntime } from '../runtime/local.js';
import { countBytes, type Backend, type ProgressFn, type ReembedResult } from './backend.js';

/** Opens the data dir (taking its lock) with the configured store and embedder. */
export async function openLocalBackend(config: KairosConfig): Promise<Backend> {
  return new LocalBackend(await openLocalRuntime(config), config.maxImportBytes);
}

class LocalBackend implements Backend {
  readonly mode = 'local';
  constructor(
    private readonly runtime: LocalRuntime,
    /** The same cap as a server's /v1/import body (KAIROS_MAX_IMPORT_BYTES), so local mode is bounded too. */
    private readonly maxImportBytes: number,
  ) {}

  private svc(): MemoryService {
    return this.runtime.service();
  }

  remember(input: RememberInput): Promise<RememberResult> {
    return this.svc().remember(input);
  }
  search(input: SearchInput): Promise<Page<SpaceSearchHit>> {
    return this.svc().search(input);
  }
  list(input: ListInput): Promise<Page<Memory>> {
    return this.svc().list(input);
  }
  get(id: string, space?: string): Promise<MemoryWithHistory> {
    return this.svc().get(id, space);
  }
  forget(id: string, space?: string): Promise<{ id: string; space: string }> {
    return this.svc().forget(id, space);
  }
  verify(id: string, opts: { commit?: string; space?: string }): Promise<Memory> {
    return this.svc().verify(id, opts);
  }
  recordAnchorCheck(id: string, check: AnchorCheck, commit: string | undefined): Promise<Memory> {
    return this.svc().recordAnchorCheck(id, check, commit ? { commit } : {});
  }
  async *export(space?: string): AsyncIterable<string> {
    for await (const r of this.svc().export(space)) yield exportLine(r);
  }
  async import(file: string, opts: { format?: PortableFormat; space?: string; onBytes?: (n: number) => void }): Promise<ImportSummary> {
    const lineErrors: LineError[] = [];
    const items = parsePortable(splitLines(countBytes(createReadStream(file), opts.onBytes, this.maxImportBytes)), {
      ...(opts.format ? { format: opts.format } : {}),
      onLineError: (e) => lineErrors.push(e),
    });
    const summary = await this.svc().import(items, opts.space ? { space: opts.space } : {});
    summary.failed += lineErrors.length;
    for (const e of lineErrors) if (summary.errors.length < 100) summary.errors.push({ index: e.line - 1, message: e.message });
    return summary;
  }
  reembed(space: string | undefined, onProgress: ProgressFn): Promise<ReembedResult> {
    return this.svc().reembed(space, onProgress);
  }
  close(): Promise<void> {
    return this.runtime.close();
  }
}
