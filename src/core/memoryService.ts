/**
 * MemoryService: every memory operation for one tenant context. Pure orchestration over the
 * ports: no I/O of its own, no global state; construct one per request.
 */
import { contentHash } from './contentHash.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { describeSecret, findSecret } from './secrets.js';
import { applyCheck, contextWeight, isStale, makeAnchor, normaliseCodeSource, pathKeys, verifyAnchor, type AnchorCheck, type SearchContext } from './code.js';
import { normaliseRepoId } from './repoId.js';
import { refuseUnsafe } from './text.js';
import { EmbedderMismatchError, InvalidInputError, KairosError, NotFoundError } from './errors.js';
import { reciprocalRankFusion } from './fusion.js';
import { MIN_KEYWORD_COVERAGE, MIN_KNOWN_WORD_SHARE, type RelevanceFloor } from './hybrid.js';
import {
  LIMITS,
  normaliseTags,
  normaliseText,
  type Memory,
  type MemoryFilter,
  type MemorySource,
  type MemoryVersion,
  type MemoryWithHistory,
  type Page,
  type RememberResult,
  type SearchHit,
  type SimilarMemory,
} from './memory.js';
import type { Clock, CollectionInfo, Embedder, EmbedderInfo, IdGenerator, StoredMemory, VectorStore } from './ports.js';
import { assertServed, authorizeSpace, embedderFor, type SpaceGrant, type TenantContext } from './tenancy.js';

export interface MemoryServiceDeps {
  store: VectorStore;
  clock: Clock;
  ids: IdGenerator;
  /** Cosine similarity at or above which an existing memory is reported as `similar` to a new one. */
  similarThreshold?: number;
}

export interface RememberInput {
  text: string;
  tags?: string[] | undefined;
  source?: MemorySource | undefined;
  space?: string | undefined;
  /** Id of a memory this one replaces; its text is kept as history. */
  supersedes?: string | undefined;
}

export interface SearchInput {
  query: string;
  /** Spaces to search; default: the personal space. Several spaces are fused by RRF. */
  spaces?: string[] | undefined;
  filter?: MemoryFilter | undefined;
  /** The caller's repo and open files: that repo's memories and path matches rank higher. */
  context?: SearchContext | undefined;
  /** With a context repo: only memories scoped to that repo. */
  repoOnly?: boolean | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface SpaceSearchHit extends SearchHit {
  space: string;
  spaceLabel: string;
}

export interface UpdateInput {
  text?: string | undefined;
  tags?: string[] | undefined;
  source?: MemorySource | undefined;
}

/** Memories for the file open in an editor (core/code.ts scope keys and anchors). */
export interface FileRecallInput {
  path: string;
  repo?: string | undefined;
  space?: string | undefined;
  limit?: number | undefined;
}

export interface FileRecallItem {
  memory: Memory;
  /** `file`: anchored or scoped to this file (or a directory/glob holding it); `repo`: the repo's most recent. */
  match: 'file' | 'repo';
}

export interface ListInput {
  space?: string | undefined;
  filter?: MemoryFilter | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface ExportRecord extends Memory {
  history: MemoryVersion[];
}

/** One memory to import; ids and timestamps are kept when present. */
export interface ImportItem {
  text: string;
  tags?: string[];
  source?: MemorySource;
  id?: string;
  createdAt?: string;
  updatedAt?: string;
  history?: MemoryVersion[];
  /** 1-based line of the input it came from, so a refusal can name it. */
  line?: number;
}

export interface ImportSummary {
  created: number;
  duplicate: number;
  failed: number;
  errors: Array<{ index: number; message: string }>;
}

export interface Progress {
  done: number;
  total?: number;
}

/**
 * Similarity from which an existing memory is reported as `similar` to a new one. Measured with
 * the local model (test/core/writeSemantics.test.ts): paraphrases of one fact score 0.75–0.95,
 * unrelated facts of one project mostly below 0.6.
 */
export const DEFAULT_SIMILAR_THRESHOLD = 0.75;
/** Most `similar` memories reported for one write. */
const MAX_SIMILAR = 3;
const IMPORT_BATCH = 64;
const REEMBED_BATCH = 64;

export function describeEmbedder(e: EmbedderInfo): string {
  return `${e.provider}/${e.model} (${e.dimension}-d)`;
}

function sameEmbedder(a: EmbedderInfo, b: EmbedderInfo): boolean {
  return a.provider === b.provider && a.model === b.model && a.dimension === b.dimension;
}

function checkText(text: string, field = 'text'): string {
  if (typeof text !== 'string' || normaliseText(text).length === 0) {
    throw new InvalidInputError(`"${field}" must not be empty.`);
  }
  if (text.length > LIMITS.maxTextChars) {
    throw new InvalidInputError(`"${field}" is ${text.length} characters; the limit is ${LIMITS.maxTextChars}. Split it into smaller memories.`);
  }
  refuseSecret(text, field);
  return text.trim();
}

/** Normalises scope and anchor (core/code.ts) and screens the anchored code for credentials too. */
function prepareSource(source: MemorySource, now: string): MemorySource {
  const out = normaliseCodeSource(source, now);
  if (out.anchor) refuseSecret(out.anchor.lines.join('\n'), 'source.anchor.lines');
  return out;
}

/** Repo ids in their portable form; a path is checked once here so stores can trust it. */
function checkFilter(filter: MemoryFilter | undefined): MemoryFilter | undefined {
  if (!filter) return filter;
  if (filter.path !== undefined) pathKeys(filter.path);
  return filter.repo === undefined ? filter : { ...filter, repo: normaliseRepoId(filter.repo) };
}

/** Extra candidates fetched so context and staleness can move a hit across the page edge. */
const RERANK_MARGIN = 10;

/** A memory is read back by agents and synced to shared spaces: a credential must never land in one. */
function refuseSecret(text: string, field: string): void {
  const found = findSecret(text);
  if (found) {
    throw new InvalidInputError(describeSecret(field, found), {
      reason: 'secret',
      kind: found.kind,
      line: found.line,
      column: found.column,
    });
  }
}

function checkTags(tags: string[] | undefined): string[] {
  const out = normaliseTags(tags);
  if (out.length > LIMITS.maxTags) throw new InvalidInputError(`At most ${LIMITS.maxTags} tags are allowed.`);
  const long = out.find((t) => t.length > LIMITS.maxTagChars);
  if (long) throw new InvalidInputError(`Tag "${long.slice(0, 20)}…" is longer than ${LIMITS.maxTagChars} characters.`);
  return out;
}

/** Numbers in a source range must be whole, non-negative and of a plausible size. */
function checkSource(source: MemorySource | undefined, field = 'source'): void {
  const r = source?.range;
  if (!r) return;
  for (const k of ['startLine', 'startCharacter', 'endLine', 'endCharacter'] as const) {
    const v = r[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0 || v > LIMITS.maxSourceLine) {
      throw new InvalidInputError(`"${field}.range.${k}" must be a whole number from 0 to ${LIMITS.maxSourceLine}.`);
    }
  }
}

function checkVersion(version: unknown, field: string, max: number = LIMITS.maxVersion): number {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > max) {
    throw new InvalidInputError(`"${field}" must be a whole number from 1 to ${max}.`);
  }
  return version;
}

function checkTimestamp(value: string | undefined, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new InvalidInputError(`"${field}" must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z.`);
  }
}

/** A memory at the version cap cannot change again (the counter must never overflow). */
function nextVersion(current: Memory): number {
  if (current.version >= LIMITS.maxVersion) {
    throw new KairosError('conflict', `Memory "${current.id}" is at version ${current.version}, the most Kairos keeps. Remember a new memory instead.`);
  }
  return current.version + 1;
}

/**
 * Everything an import item must satisfy before it is written: the same text rules as
 * remember, plus timestamps, history versions and sources (an import carries them verbatim).
 */
function checkImportItem(item: ImportItem): void {
  const { line: _line, ...rest } = item;
  refuseUnsafe(rest);
  checkSource(item.source);
  checkTimestamp(item.createdAt, 'createdAt');
  checkTimestamp(item.updatedAt, 'updatedAt');
  for (const [i, h] of (item.history ?? []).entries()) {
    // The memory itself lands one above its newest history entry, so that must stay below the cap.
    checkVersion(h.version, `history[${i}].version`, LIMITS.maxVersion - 1);
    checkTimestamp(h.replacedAt, `history[${i}].replacedAt`);
    checkSource(h.source, `history[${i}].source`);
    if (typeof h.text === 'string') refuseSecret(h.text, `history[version ${h.version}].text`);
  }
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return LIMITS.defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxPageSize) {
    throw new InvalidInputError(`"limit" must be an integer from 1 to ${LIMITS.maxPageSize}.`);
  }
  return limit;
}

export class MemoryService {
  private readonly store: VectorStore;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly similarThreshold: number;

  constructor(
    readonly ctx: TenantContext,
    deps: MemoryServiceDeps,
  ) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.similarThreshold = deps.similarThreshold ?? DEFAULT_SIMILAR_THRESHOLD;
  }

  get spaces(): readonly SpaceGrant[] {
    return this.ctx.spaces;
  }

  /** Ensures the space's collection exists and was embedded by the space's embedder. */
  private async collectionFor(space: string, create: boolean): Promise<CollectionInfo | null> {
    const want = embedderFor(this.ctx, space).info;
    const info = create ? await this.store.ensureCollection(space, want) : await this.store.getCollection(space);
    if (info && !sameEmbedder(info.embedder, want)) {
      throw new EmbedderMismatchError(space, describeEmbedder(info.embedder), describeEmbedder(want));
    }
    return info;
  }

  private async embedOne(space: string, text: string, purpose: 'document' | 'query'): Promise<Float32Array> {
    const [v] = await embedderFor(this.ctx, space).embed([text], purpose);
    if (!v) throw new KairosError('internal', 'The embedder returned no vector.');
    return v;
  }

  async remember(input: RememberInput): Promise<RememberResult> {
    refuseUnsafe(input);
    checkSource(input.source);
    const text = checkText(input.text);
    const tags = checkTags(input.tags);
    const source = prepareSource(input.source ?? { kind: 'api' }, this.clock.now().toISOString());
    const { space } = authorizeSpace(this.ctx, input.space, 'write');
    await this.collectionFor(space, true);

    const hash = contentHash(text);
    const existing = await this.store.findByHash(space, hash);
    if (existing) return { outcome: 'duplicate', memory: existing };

    // A memory is only ever replaced when the caller names it: similarity alone merged
    // distinct facts of one shape ("shard 436 is owned by infra" / "shard 437 …").
    const target = input.supersedes ? await this.store.get(space, input.supersedes) : null;
    if (input.supersedes && !target) throw new NotFoundError(`No memory with id "${input.supersedes}" in this space to supersede.`);

    const vector = await this.embedOne(space, text, 'document');
    const now = this.clock.now().toISOString();
    if (target) {
      const memory: Memory = {
        ...target,
        text,
        tags: normaliseTags([...target.tags, ...tags]),
        source,
        contentHash: hash,
        version: nextVersion(target),
        updatedAt: now,
      };
      await this.store.update(space, { memory, vector, previous: versionOf(target, now, 'supersede') });
      return { outcome: 'superseded', memory, supersededId: target.id };
    }
    const similar = await this.similarTo(space, vector);
    const memory: Memory = {
      id: this.ids.newId(),
      space,
      text,
      tags,
      source,
      contentHash: hash,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.insert(space, { ...memory, vector });
    return similar.length > 0 ? { outcome: 'created', memory, similar } : { outcome: 'created', memory };
  }

  /** Existing memories at or above the similarity threshold, most similar first. */
  private async similarTo(space: string, vector: Float32Array): Promise<SimilarMemory[]> {
    const near = await this.store.nearest(space, vector, MAX_SIMILAR);
    return near
      .filter((hit) => (hit.similarity ?? 0) >= this.similarThreshold)
      .map((hit) => ({ id: hit.memory.id, text: hit.memory.text, similarity: hit.similarity!, updatedAt: hit.memory.updatedAt }));
  }

  async search(input: SearchInput): Promise<Page<SpaceSearchHit>> {
    refuseUnsafe(input);
    const query = typeof input.query === 'string' ? input.query.trim() : '';
    if (!query) throw new InvalidInputError('"query" must not be empty.');
    if (query.length > LIMITS.maxQueryChars) {
      throw new InvalidInputError(`"query" is longer than ${LIMITS.maxQueryChars} characters. Shorten it.`);
    }
    const limit = pageSize(input.limit);
    const offset = input.cursor ? Number(decodeCursor(input.cursor, { o: 'number' }).o) : 0;
    if (offset > LIMITS.maxOffset) throw new InvalidInputError(`Search pages end after ${LIMITS.maxOffset} results; narrow the query instead.`);
    const grants = (input.spaces?.length ? input.spaces : [undefined]).map((s) => authorizeSpace(this.ctx, s, 'read'));

    const live: SpaceGrant[] = [];
    for (const g of grants) if (await this.collectionFor(g.space, false)) live.push(g);
    if (live.length === 0) return { items: [] };

    // One query vector per distinct embedder (an org with its own key embeds with that key).
    const vectors = new Map<Embedder, Promise<Float32Array>>();
    const vectorFor = (space: string): Promise<Float32Array> => {
      const embedder = embedderFor(this.ctx, space);
      let v = vectors.get(embedder);
      if (!v) vectors.set(embedder, (v = this.embedOne(space, query, 'query')));
      return v;
    };
    const context = input.context?.repo ? { ...input.context, repo: normaliseRepoId(input.context.repo) } : input.context;
    const given = checkFilter(input.filter);
    const filter: MemoryFilter | undefined = input.repoOnly && context?.repo ? { ...given, repo: context.repo } : given;
    const wanted = new Set((context?.paths ?? []).flatMap((p) => pathKeys(p)));
    // One more than a page tells whether another page exists; the margin lets reranking reach in.
    const window = offset + limit + 1 + RERANK_MARGIN;
    const perSpace = await Promise.all(
      live.map(async (g) => ({
        grant: g,
        hits: await this.store.search(g.space, {
          vector: await vectorFor(g.space),
          text: query,
          floor: await relevanceFloor(embedderFor(this.ctx, g.space), query),
          ...(filter ? { filter } : {}),
          limit: window,
          offset: 0,
        }),
      })),
    );

    let fused: SpaceSearchHit[];
    if (live.length === 1) {
      const only = perSpace[0]!;
      fused = only.hits.map((h) => ({ ...h, space: only.grant.space, spaceLabel: only.grant.label }));
    } else {
      fused = reciprocalRankFusion(
        perSpace.map(({ grant, hits }) =>
          hits.map((h) => ({ key: `${grant.space}/${h.memory.id}`, item: { ...h, space: grant.space, spaceLabel: grant.label } })),
        ),
      ).map((f) => ({ ...f.item, score: f.score }));
    }
    // Context and staleness reweigh the fused score; the sort is stable, so equal weights keep the fused order.
    const ranked = fused
      .map((h) => ({ ...h, score: h.score * contextWeight(h.memory.source.scope, h.memory.source.anchor, context, wanted) }))
      .sort((a, b) => b.score - a.score)
      .slice(offset, offset + limit + 1);
    const items = ranked.slice(0, limit);
    return ranked.length > limit ? { items, nextCursor: encodeCursor({ o: offset + limit }) } : { items };
  }

  /** Finds a memory in the named space, or in any space of the context when none is named. */
  private async locate(id: string, space: string | undefined, access: 'read' | 'write'): Promise<{ space: string; memory: Memory }> {
    if (typeof id !== 'string' || !id) throw new InvalidInputError('"id" must not be empty.');
    assertServed(this.ctx);
    refuseUnsafe(id, 'id');
    refuseUnsafe(space, 'space');
    const candidates = space ? [authorizeSpace(this.ctx, space, access)] : this.ctx.spaces;
    for (const g of candidates) {
      const memory = await this.store.get(g.space, id);
      if (memory) {
        if (!space) authorizeSpace(this.ctx, g.space, access);
        return { space: g.space, memory };
      }
    }
    throw new NotFoundError(`No memory with id "${id}". Use search or list_memories to find ids.`);
  }

  async get(id: string, space?: string): Promise<MemoryWithHistory> {
    const found = await this.locate(id, space, 'read');
    const history = await this.store.history(found.space, id);
    return { ...found.memory, history };
  }

  async update(id: string, patch: UpdateInput, space?: string): Promise<Memory> {
    if (patch.text === undefined && patch.tags === undefined && patch.source === undefined) {
      throw new InvalidInputError('Nothing to update: pass "text", "tags" or "source".');
    }
    refuseUnsafe(patch);
    checkSource(patch.source);
    const text = patch.text === undefined ? undefined : checkText(patch.text);
    const tags = patch.tags === undefined ? undefined : checkTags(patch.tags);
    const source = patch.source === undefined ? undefined : prepareSource(patch.source, this.clock.now().toISOString());
    const found = await this.locate(id, space, 'write');
    await this.collectionFor(found.space, false);
    return this.applyChange(found.space, found.memory, { text, tags, source }, 'update');
  }

  /** Makes an older version current again; the replaced text joins the history too. */
  async restore(id: string, version: number, space?: string): Promise<Memory> {
    checkVersion(version, 'version');
    const found = await this.locate(id, space, 'write');
    await this.collectionFor(found.space, false);
    const history = await this.store.history(found.space, id);
    const old = history.find((h) => h.version === version);
    if (!old) throw new NotFoundError(`Memory "${id}" has no version ${version}.`);
    return this.applyChange(found.space, found.memory, { text: old.text, tags: old.tags, source: old.source }, 'restore');
  }

  private async applyChange(
    space: string,
    current: Memory,
    change: { text: string | undefined; tags: string[] | undefined; source: MemorySource | undefined },
    reason: MemoryVersion['reason'],
  ): Promise<Memory> {
    const text = change.text ?? current.text;
    const hash = contentHash(text);
    if (hash !== current.contentHash) {
      const clash = await this.store.findByHash(space, hash);
      if (clash && clash.id !== current.id) {
        throw new KairosError('conflict', `Memory "${clash.id}" already has exactly this text. Update or forget that one instead.`, {
          details: { id: clash.id },
        });
      }
    }
    const now = this.clock.now().toISOString();
    const memory: Memory = {
      ...current,
      text,
      tags: change.tags ?? current.tags,
      source: change.source ?? current.source,
      contentHash: hash,
      version: nextVersion(current),
      updatedAt: now,
    };
    const vector = await this.embedOne(space, text, 'document');
    await this.store.update(space, { memory, vector, previous: versionOf(current, now, reason) });
    return memory;
  }

  /**
   * Memories for an open file: those anchored or scoped to it (fresh first), then the repo's most
   * recent, newest first. Two indexed list queries, so it stays fast at any size.
   */
  async forFile(input: FileRecallInput): Promise<{ items: FileRecallItem[] }> {
    const { space } = authorizeSpace(this.ctx, input.space, 'read');
    const limit = pageSize(input.limit);
    pathKeys(input.path); // refuses a path that could not match anything
    if (!(await this.store.getCollection(space))) return { items: [] };
    const repo = input.repo ? normaliseRepoId(input.repo) : undefined;
    const onFile = await this.store.list(space, { limit, filter: { path: input.path, ...(repo ? { repo } : {}) } });
    const fileItems = [...onFile.items.filter((m) => !isStale(m.source.anchor)), ...onFile.items.filter((m) => isStale(m.source.anchor))];
    const items: FileRecallItem[] = fileItems.map((memory) => ({ memory, match: 'file' }));
    if (repo && items.length < limit) {
      const seen = new Set(items.map((i) => i.memory.id));
      const recent = await this.store.list(space, { limit: limit - items.length + seen.size, filter: { repo } });
      for (const memory of recent.items) if (!seen.has(memory.id) && items.length < limit) items.push({ memory, match: 'repo' });
    }
    return { items };
  }

  /** Records what a comparison of a memory's anchor with the current code found (core/code.ts checkAnchor). */
  async recordAnchorCheck(id: string, check: AnchorCheck, opts: { commit?: string; space?: string } = {}): Promise<Memory> {
    return this.changeAnchor(id, opts.space, (anchor, now) => applyCheck(anchor, check, now, opts.commit));
  }

  /** "Still true": the memory holds for the code as it is now; clears a stale mark. */
  async verify(id: string, opts: { commit?: string; space?: string } = {}): Promise<Memory> {
    return this.changeAnchor(id, opts.space, (anchor, now) => verifyAnchor(anchor, now, opts.commit));
  }

  /** Points the anchor at the code as it is now (a new selection of lines). */
  async reanchor(
    id: string,
    to: { path: string; startLine: number; endLine: number; lines: string[]; commit?: string | undefined; repo?: string | undefined },
    space?: string,
  ): Promise<Memory> {
    return this.changeAnchor(id, space, (anchor, now) => {
      const repo = to.repo ?? anchor.repo;
      const next = makeAnchor({ ...to, ...(repo ? { repo } : {}) });
      refuseSecret(next.lines.join('\n'), 'lines');
      return {
        ...next,
        status: {
          state: 'fresh',
          checkedAt: now,
          ...(to.commit ? { commit: to.commit } : {}),
          moved: { fromPath: anchor.path, fromLine: anchor.startLine, at: now, ...(to.commit ? { commit: to.commit } : {}) },
        },
      };
    });
  }

  /** Changes a memory's anchor without a new version; retries when a concurrent write moved it on. */
  private async changeAnchor(
    id: string,
    space: string | undefined,
    change: (anchor: NonNullable<MemorySource['anchor']>, now: string) => NonNullable<MemorySource['anchor']>,
  ): Promise<Memory> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await this.locate(id, space, 'write');
      const anchor = found.memory.source.anchor;
      if (!anchor) throw new InvalidInputError(`Memory "${id}" is not anchored to code.`);
      const now = this.clock.now().toISOString();
      const source = normaliseCodeSource({ ...found.memory.source, anchor: change(anchor, now) }, now);
      if (await this.store.setSource(found.space, id, found.memory.version, source)) return { ...found.memory, source };
    }
    throw new KairosError('conflict', `Memory "${id}" kept changing while its anchor was updated; try again.`);
  }

  async forget(id: string, space?: string): Promise<{ id: string; space: string }> {
    const found = await this.locate(id, space, 'write');
    await this.store.delete(found.space, id);
    return { id, space: found.space };
  }

  async list(input: ListInput = {}): Promise<Page<Memory>> {
    refuseUnsafe(input);
    const { space } = authorizeSpace(this.ctx, input.space, 'read');
    const limit = pageSize(input.limit);
    if (!(await this.store.getCollection(space))) return { items: [] };
    return this.store.list(space, {
      limit,
      ...(input.cursor ? { cursor: input.cursor } : {}),
      ...(input.filter ? { filter: checkFilter(input.filter)! } : {}),
    });
  }

  async count(space?: string): Promise<number> {
    const g = authorizeSpace(this.ctx, space, 'read');
    return (await this.store.getCollection(g.space)) ? this.store.count(g.space) : 0;
  }

  /** Streams every memory of a space with its history, oldest page last. */
  async *export(space?: string): AsyncGenerator<ExportRecord> {
    const g = authorizeSpace(this.ctx, space, 'read');
    if (!(await this.store.getCollection(g.space))) return;
    let cursor: string | undefined;
    do {
      const page = await this.store.list(g.space, { limit: LIMITS.maxPageSize, ...(cursor ? { cursor } : {}) });
      for (const m of page.items) yield { ...m, history: await this.store.history(g.space, m.id) };
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * Imports memories in batches. Idempotent: an item whose text is already in the space (by
   * content hash) is counted as a duplicate and not written again. Never supersedes on import.
   */
  async import(
    items: AsyncIterable<ImportItem> | Iterable<ImportItem>,
    opts: { space?: string; onProgress?: (p: Progress) => void } = {},
  ): Promise<ImportSummary> {
    const { space } = authorizeSpace(this.ctx, opts.space, 'write');
    await this.collectionFor(space, true);
    const summary: ImportSummary = { created: 0, duplicate: 0, failed: 0, errors: [] };
    let batch: Array<{ index: number; item: ImportItem }> = [];
    let index = 0;
    const fail = (item: ImportItem, i: number, e: unknown): void => {
      summary.failed++;
      const where = item.line === undefined ? '' : `Line ${item.line}: `;
      if (summary.errors.length < 100) summary.errors.push({ index: item.line === undefined ? i : item.line - 1, message: where + (e as Error).message });
    };
    const flush = async (): Promise<void> => {
      const fresh: Array<{ index: number; item: ImportItem; text: string; tags: string[]; hash: string; source: MemorySource }> = [];
      const seen = new Set<string>();
      for (const { index: i, item } of batch) {
        try {
          checkImportItem(item);
          const text = checkText(item.text);
          const hash = contentHash(text);
          if (seen.has(hash) || (await this.store.findByHash(space, hash))) {
            summary.duplicate++;
            continue;
          }
          seen.add(hash);
          fresh.push({
            index: i,
            item,
            text,
            tags: checkTags(item.tags),
            hash,
            source: prepareSource(item.source ?? { kind: 'import' }, this.clock.now().toISOString()),
          });
        } catch (e) {
          fail(item, i, e);
        }
      }
      if (fresh.length > 0) {
        const vectors = await embedderFor(this.ctx, space).embed(
          fresh.map((f) => f.text),
          'document',
        );
        const now = this.clock.now().toISOString();
        const rows: StoredMemory[] = [];
        const claimed = new Set<string>();
        for (const [k, f] of fresh.entries()) {
          const wanted = f.item.id;
          const keepId = wanted !== undefined && !claimed.has(wanted) && !(await this.store.get(space, wanted));
          const id = keepId ? wanted : this.ids.newId();
          claimed.add(id);
          const history = f.item.history ?? [];
          rows.push({
            id,
            space,
            text: f.text,
            tags: f.tags,
            source: f.source,
            contentHash: f.hash,
            version: Math.max(1, ...history.map((h) => h.version + 1)),
            createdAt: f.item.createdAt ?? now,
            updatedAt: f.item.updatedAt ?? f.item.createdAt ?? now,
            vector: vectors[k]!,
            ...(history.length > 0 ? { history } : {}),
          });
        }
        // One write per batch (the store loads rows far faster in bulk); each row carries its
        // history, so a record is never left half-written. If the batch is refused, each record
        // is retried alone so one bad record fails by itself and the import goes on.
        try {
          await this.store.insertMany(space, rows);
          summary.created += rows.length;
        } catch (batchError) {
          if (rows.length === 1) {
            if (!(batchError instanceof KairosError) || (batchError.code !== 'invalid_input' && batchError.code !== 'conflict')) throw batchError;
            fail(fresh[0]!.item, fresh[0]!.index, batchError);
          } else {
            for (const [k, row] of rows.entries()) {
              try {
                await this.store.insertMany(space, [row]);
                summary.created++;
              } catch (e) {
                // A store that is down fails the import; a record it refuses fails alone.
                if (!(e instanceof KairosError) || (e.code !== 'invalid_input' && e.code !== 'conflict')) throw e;
                fail(fresh[k]!.item, fresh[k]!.index, e);
              }
            }
          }
        }
      }
      opts.onProgress?.({ done: summary.created + summary.duplicate + summary.failed });
      batch = [];
    };
    for await (const item of items) {
      batch.push({ index: index++, item });
      if (batch.length >= IMPORT_BATCH) await flush();
    }
    await flush();
    return summary;
  }

  /**
   * Re-embeds a space with the context's embedder. Resumable: vectors written so far are kept
   * by the store, so an interrupted run continues where it stopped.
   */
  async reembed(space: string | undefined, onProgress?: (p: Progress) => void): Promise<{ space: string; reembedded: number; embedder: EmbedderInfo }> {
    const g = authorizeSpace(this.ctx, space, 'write');
    const info = await this.store.getCollection(g.space);
    const embedder = embedderFor(this.ctx, g.space);
    const target = embedder.info;
    if (!info) throw new NotFoundError(`Space ${g.space} has no memories yet; nothing to re-embed.`);
    if (sameEmbedder(info.embedder, target) && !info.pendingEmbedder) return { space: g.space, reembedded: 0, embedder: target };
    if (info.pendingEmbedder && !sameEmbedder(info.pendingEmbedder, target)) {
      throw new InvalidInputError(`A re-embed of ${g.space} to ${describeEmbedder(info.pendingEmbedder)} was interrupted. Finish it with that embedder first.`);
    }
    await this.store.beginReembed(g.space, target);
    const total = await this.store.count(g.space);
    let done = total - (await this.store.countPendingReembed(g.space));
    onProgress?.({ done, total });
    let reembedded = 0;
    for (;;) {
      const batch = await this.store.pendingReembed(g.space, REEMBED_BATCH);
      if (batch.length === 0) break;
      const vectors = await embedder.embed(
        batch.map((m) => m.text),
        'document',
      );
      await this.store.writeReembedded(
        g.space,
        batch.map((m, i) => ({ id: m.id, vector: vectors[i]! })),
      );
      reembedded += batch.length;
      done += batch.length;
      onProgress?.({ done, total });
    }
    const finished = await this.store.finishReembed(g.space);
    return { space: g.space, reembedded, embedder: finished.embedder };
  }

  /** Drops a whole space (owner only): used by "delete my data". */
  async dropSpace(space?: string): Promise<void> {
    const g = authorizeSpace(this.ctx, space, 'write');
    if (g.role !== 'owner') throw new KairosError('forbidden', `Only an owner can delete space "${g.label}".`);
    await this.store.dropCollection(g.space);
  }
}

/** The relevance floor for a space searched with this embedder (see core/hybrid.ts). */
async function relevanceFloor(embedder: Embedder, query: string): Promise<RelevanceFloor> {
  const floor: RelevanceFloor = { minCoverage: MIN_KEYWORD_COVERAGE };
  if (embedder.minRelevantSimilarity !== undefined) floor.minSimilarity = embedder.minRelevantSimilarity;
  if (embedder.knownWordShare) floor.queryUnderstood = (await embedder.knownWordShare(query)) >= MIN_KNOWN_WORD_SHARE;
  return floor;
}

function versionOf(m: Memory, replacedAt: string, reason: MemoryVersion['reason']): MemoryVersion {
  return { version: m.version, text: m.text, tags: m.tags, source: m.source, replacedAt, reason };
}
