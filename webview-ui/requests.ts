/**
 * One typed function per protocol request, used by the UI over either bridge. Each builds its
 * params field by field from what it needs, so passing a whole Memory where a reference is
 * expected can never send keys the host's strict schema rejects (the VS Code router refused
 * `get` with "Unrecognized keys: text, tags, …" after every edit before this existed).
 */
import type { MemorySource } from '../src/core/memory.js';
import type { Bridge, RequestMap, SetupAction } from '../src/protocol/messages.js';
import type { ReplaceCalls } from '../src/protocol/replace.js';

/** Which memory: its id and space, nothing else (a Memory is accepted and narrowed). */
export interface Ref {
  id: string;
  space?: string | undefined;
}

function ref(r: Ref): { id: string; space?: string } {
  return { id: r.id, ...(r.space ? { space: r.space } : {}) };
}

type Result<K extends keyof RequestMap> = Promise<RequestMap[K]['result']>;

export const spaces = (b: Bridge): Result<'spaces'> => b.request('spaces', {});

export function search(b: Bridge, p: { query: string; limit: number; space?: string | undefined; cursor?: string | undefined }): Result<'search'> {
  return b.request('search', {
    query: p.query,
    limit: p.limit,
    ...(p.space ? { spaces: [p.space] } : {}),
    ...(p.cursor ? { cursor: p.cursor } : {}),
  });
}

export function list(b: Bridge, p: { limit: number; space?: string | undefined; cursor?: string | undefined }): Result<'list'> {
  return b.request('list', { limit: p.limit, ...(p.space ? { space: p.space } : {}), ...(p.cursor ? { cursor: p.cursor } : {}) });
}

export const getMemory = (b: Bridge, r: Ref): Result<'get'> => b.request('get', ref(r));

export function create(
  b: Bridge,
  p: { text: string; tags?: string[]; source?: MemorySource; space?: string | undefined; supersedes?: string },
): Result<'create'> {
  return b.request('create', {
    text: p.text,
    ...(p.tags?.length ? { tags: p.tags } : {}),
    ...(p.source ? { source: p.source } : {}),
    ...(p.space ? { space: p.space } : {}),
    ...(p.supersedes ? { supersedes: p.supersedes } : {}),
  });
}

export function update(b: Bridge, r: Ref, patch: { text?: string; tags?: string[] }): Result<'update'> {
  return b.request('update', {
    ...ref(r),
    patch: { ...(patch.text !== undefined ? { text: patch.text } : {}), ...(patch.tags !== undefined ? { tags: patch.tags } : {}) },
  });
}

export const restore = (b: Bridge, r: Ref, version: number): Result<'restore'> => b.request('restore', { ...ref(r), version });

export const remove = (b: Bridge, r: Ref): Result<'delete'> => b.request('delete', ref(r));

/** Tells the host which deletes wait out their undo window, so it commits them if the UI goes away. */
export function holdDeletes(b: Bridge, refs: ReadonlyArray<{ id: string; space: string }>): Result<'pendingDeletes'> {
  return b.request('pendingDeletes', { refs: refs.map((r) => ({ id: r.id, space: r.space })) });
}

export function openSource(b: Bridge, source: MemorySource): Result<'openSource'> {
  if (!source.uri) return Promise.resolve({ opened: false });
  return b.request('openSource', { uri: source.uri, ...(source.range ? { range: source.range } : {}) });
}

/** What replaceSimilar (src/protocol/replace.ts) needs, over a bridge. */
export function bridgeReplaceCalls(b: Bridge): ReplaceCalls {
  return { delete: (r) => remove(b, r), create: (p) => create(b, p) };
}

/** "For this file": the memories about a repo-relative file, then its repo's recent ones. */
export function forFile(b: Bridge, p: { path: string; repo?: string | undefined; space?: string | undefined; limit: number }): Result<'forFile'> {
  return b.request('forFile', { path: p.path, limit: p.limit, ...(p.repo ? { repo: p.repo } : {}), ...(p.space ? { space: p.space } : {}) });
}

/** "Still true": clears a memory's stale mark. */
export const verify = (b: Bridge, r: Ref): Result<'verify'> => b.request('verify', ref(r));

/** "Re-anchor to current code" (VS Code reads the code). */
export const reanchor = (b: Bridge, r: Ref): Result<'reanchor'> => b.request('reanchor', ref(r));

/** "Show change": a diff of the anchored lines then and now (VS Code). */
export const showChange = (b: Bridge, r: Ref): Result<'showChange'> => b.request('showChange', ref(r));

/** The setup panel's buttons (VS Code): open the server URL setting, sign in, or use local mode. */
export const setupAction = (b: Bridge, action: SetupAction): Result<'setupAction'> => b.request('setupAction', { action });
