/**
 * A MemoryService that announces its writes on an EventBus, so every surface (REST, MCP over
 * HTTP, the console) sees changes made by the others.
 */
import type { Memory, RememberResult } from '../core/memory.js';
import {
  MemoryService,
  type ImportItem,
  type ImportSummary,
  type MemoryServiceDeps,
  type Progress,
  type RememberInput,
  type UpdateInput,
} from '../core/memoryService.js';
import type { EmbedderInfo } from '../core/ports.js';
import type { TenantContext } from '../core/tenancy.js';
import type { EventBus } from './events.js';

export class ObservedMemoryService extends MemoryService {
  constructor(
    ctx: TenantContext,
    deps: MemoryServiceDeps,
    private readonly bus: EventBus,
  ) {
    super(ctx, deps);
  }

  override async remember(input: RememberInput): Promise<RememberResult> {
    const r = await super.remember(input);
    if (r.outcome !== 'duplicate') {
      this.bus.emit({ type: 'memoryChanged', id: r.memory.id, space: r.memory.space, change: r.outcome === 'created' ? 'created' : 'updated' });
    }
    return r;
  }

  override async update(id: string, patch: UpdateInput, space?: string): Promise<Memory> {
    const m = await super.update(id, patch, space);
    this.bus.emit({ type: 'memoryChanged', id: m.id, space: m.space, change: 'updated' });
    return m;
  }

  override async restore(id: string, version: number, space?: string): Promise<Memory> {
    const m = await super.restore(id, version, space);
    this.bus.emit({ type: 'memoryChanged', id: m.id, space: m.space, change: 'updated' });
    return m;
  }

  // Anchor checks, "still true" and re-anchoring change no version, but every view shows the stale badge.
  override async recordAnchorCheck(...args: Parameters<MemoryService['recordAnchorCheck']>): Promise<Memory> {
    return this.announced(await super.recordAnchorCheck(...args));
  }

  override async verify(...args: Parameters<MemoryService['verify']>): Promise<Memory> {
    return this.announced(await super.verify(...args));
  }

  override async reanchor(...args: Parameters<MemoryService['reanchor']>): Promise<Memory> {
    return this.announced(await super.reanchor(...args));
  }

  private announced(m: Memory): Memory {
    this.bus.emit({ type: 'memoryChanged', id: m.id, space: m.space, change: 'updated' });
    return m;
  }

  override async forget(id: string, space?: string): Promise<{ id: string; space: string }> {
    const r = await super.forget(id, space);
    this.bus.emit({ type: 'memoryChanged', id: r.id, space: r.space, change: 'deleted' });
    return r;
  }

  override async dropSpace(space?: string): Promise<void> {
    await super.dropSpace(space);
    this.bus.emit({ type: 'memoryChanged', change: 'deleted', ...(space ? { space } : {}) });
  }

  override async import(
    items: AsyncIterable<ImportItem> | Iterable<ImportItem>,
    opts: { space?: string; onProgress?: (p: Progress) => void } = {},
  ): Promise<ImportSummary> {
    const s = await super.import(items, opts);
    if (s.created > 0) this.bus.emit({ type: 'memoryChanged', change: 'imported', ...(opts.space ? { space: opts.space } : {}) });
    return s;
  }

  override async reembed(
    space: string | undefined,
    onProgress?: (p: Progress) => void,
  ): Promise<{ space: string; reembedded: number; embedder: EmbedderInfo }> {
    const r = await super.reembed(space, onProgress);
    if (r.reembedded > 0) this.bus.emit({ type: 'memoryChanged', space: r.space, change: 'updated' });
    return r;
  }
}
