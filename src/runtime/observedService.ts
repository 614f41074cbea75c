/**
 * A MemoryService that announces its writes on the event hub, so every surface (REST, MCP over
 * HTTP, the console), on every instance, sees changes made by the others. Every event names the
 * space it happened in: the hub delivers it only to subscribers who may read that space.
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
import { defaultSpace, type TenantContext } from '../core/tenancy.js';
import type { HostEvent } from '../protocol/messages.js';
import type { EventHub } from './events.js';

export class ObservedMemoryService extends MemoryService {
  constructor(
    ctx: TenantContext,
    deps: MemoryServiceDeps,
    private readonly hub: EventHub,
  ) {
    super(ctx, deps);
  }

  private announce(change: Extract<HostEvent, { type: 'memoryChanged' }>['change'], space: string | undefined, id?: string): void {
    const where = space ?? defaultSpace(this.ctx).space;
    this.hub.publish(where, { type: 'memoryChanged', ...(id ? { id } : {}), space: where, change });
  }

  override async remember(input: RememberInput): Promise<RememberResult> {
    const r = await super.remember(input);
    if (r.outcome !== 'duplicate') {
      this.announce(r.outcome === 'created' ? 'created' : 'updated', r.memory.space, r.memory.id);
    }
    return r;
  }

  override async update(id: string, patch: UpdateInput, space?: string): Promise<Memory> {
    const m = await super.update(id, patch, space);
    this.announce('updated', m.space, m.id);
    return m;
  }

  override async restore(id: string, version: number, space?: string): Promise<Memory> {
    const m = await super.restore(id, version, space);
    this.announce('updated', m.space, m.id);
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
    this.announce('updated', m.space, m.id);
    return m;
  }

  override async forget(id: string, space?: string): Promise<{ id: string; space: string }> {
    const r = await super.forget(id, space);
    this.announce('deleted', r.space, r.id);
    return r;
  }

  override async dropSpace(space?: string): Promise<void> {
    await super.dropSpace(space);
    this.announce('deleted', space);
  }

  override async import(
    items: AsyncIterable<ImportItem> | Iterable<ImportItem>,
    opts: { space?: string; onProgress?: (p: Progress) => void } = {},
  ): Promise<ImportSummary> {
    const s = await super.import(items, opts);
    if (s.created > 0) this.announce('imported', opts.space);
    return s;
  }

  override async reembed(
    space: string | undefined,
    onProgress?: (p: Progress) => void,
  ): Promise<{ space: string; reembedded: number; embedder: EmbedderInfo }> {
    const r = await super.reembed(space, onProgress);
    if (r.reembedded > 0) this.announce('updated', r.space);
    return r;
  }
}
