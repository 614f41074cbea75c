/**
 * "Replace <similar memory>" after a remember that reported one, shared by the VS Code command
 * and the webview's capture form: the new memory goes, and the similar one takes its text as a
 * new version (reason `supersede`; the old text stays in its history).
 */
import type { Memory, MemorySource, RememberResult } from '../core/memory.js';

/** The two calls it needs; the extension's REST client and both UI bridges provide them. */
export interface ReplaceCalls {
  delete(r: { id: string; space?: string }): Promise<unknown>;
  create(p: { text: string; tags?: string[]; source?: MemorySource; space?: string; supersedes?: string }): Promise<RememberResult>;
}

/**
 * The new one is deleted first, since the engine answers the same text as a duplicate of it;
 * if the supersede then fails (the similar one was deleted meanwhile, say), the new memory is
 * written back so the text is never lost.
 */
export async function replaceSimilar(calls: ReplaceCalls, created: RememberResult, similarId: string): Promise<Memory> {
  const m = created.memory;
  await calls.delete({ id: m.id, space: m.space });
  const again = { text: m.text, tags: m.tags, source: m.source, space: m.space };
  try {
    return (await calls.create({ ...again, supersedes: similarId })).memory;
  } catch (e) {
    await calls.create(again).catch(() => undefined);
    throw e;
  }
}
