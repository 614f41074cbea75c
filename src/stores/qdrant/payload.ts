/** How memories map onto Qdrant points: payload fields, filters and the collection metadata. */
import type { Schemas } from '@qdrant/js-client-rest';
import { pathKeys } from '../../core/code.js';
import { InvalidInputError } from '../../core/errors.js';
import { normaliseTags, type Memory, type MemoryFilter, type MemorySource, type MemoryVersion } from '../../core/memory.js';
import type { CollectionInfo, EmbedderInfo } from '../../core/ports.js';

/** Point payload. `updated_ms` (indexed integer) orders and filters by time. */
export interface MemoryPayload {
  id: string;
  text: string;
  tags: string[];
  source: MemorySource;
  source_kind: string;
  content_hash: string;
  version: number;
  created_at: string;
  updated_at: string;
  updated_ms: number;
  /** Previous versions, oldest first: kept on the point so an update is one atomic upsert. */
  history: MemoryVersion[];
  /** Generation this point was copied to by a running re-embed. */
  reembedded?: number;
}

/** Payload indexes created with every collection. */
export const PAYLOAD_INDEXES: ReadonlyArray<{ field: string; schema: Schemas['PayloadFieldSchema'] }> = [
  { field: 'id', schema: 'keyword' },
  { field: 'tags', schema: 'keyword' },
  { field: 'source_kind', schema: 'keyword' },
  { field: 'content_hash', schema: 'keyword' },
  { field: 'updated_ms', schema: 'integer' },
  { field: 'reembedded', schema: 'integer' },
  { field: 'source.scope.repo', schema: 'keyword' },
  { field: 'source.scope.keys', schema: 'keyword' },
  { field: 'source.anchor.status.state', schema: 'keyword' },
];

/** Payload without the history, for reads that return Memory. */
export const MEMORY_PAYLOAD: Schemas['WithPayloadInterface'] = { exclude: ['history'] };

export function toMillis(iso: string, field: string): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidInputError(`"${field}" must be an ISO 8601 timestamp.`);
  return ms;
}

export function toPayload(m: Memory, history: MemoryVersion[]): MemoryPayload {
  return {
    id: m.id,
    text: m.text,
    tags: m.tags,
    source: m.source,
    source_kind: m.source.kind,
    content_hash: m.contentHash,
    version: m.version,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    updated_ms: toMillis(m.updatedAt, 'updatedAt'),
    history,
  };
}

export function toMemory(space: string, payload: unknown): Memory {
  const p = payload as MemoryPayload;
  return {
    id: p.id,
    space,
    text: p.text,
    tags: p.tags ?? [],
    source: p.source,
    contentHash: p.content_hash,
    version: p.version,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
  };
}

/**
 * Filter conditions for a MemoryFilter: ALL tags, ANY source kind, inclusive time bounds on
 * updatedAt. Empty lists filter nothing (as in the embedded store).
 */
export function filterConditions(filter: MemoryFilter | undefined): Schemas['Condition'][] {
  if (!filter) return [];
  const must: Schemas['Condition'][] = normaliseTags(filter.tags).map((tag) => ({ key: 'tags', match: { value: tag } }));
  if (filter.sourceKinds && filter.sourceKinds.length > 0) must.push({ key: 'source_kind', match: { any: [...filter.sourceKinds] } });
  if (filter.since !== undefined || filter.until !== undefined) {
    must.push({
      key: 'updated_ms',
      range: {
        ...(filter.since !== undefined ? { gte: toMillis(filter.since, 'since') } : {}),
        ...(filter.until !== undefined ? { lte: toMillis(filter.until, 'until') } : {}),
      },
    });
  }
  if (filter.repo !== undefined) must.push({ key: 'source.scope.repo', match: { value: filter.repo } });
  if (filter.path !== undefined) must.push({ key: 'source.scope.keys', match: { any: pathKeys(filter.path) } });
  if (filter.stale === true) must.push({ key: 'source.anchor.status.state', match: { value: 'stale' } });
  if (filter.stale === false) {
    // Anchored, and not stale (a never-checked anchor counts as fresh).
    must.push({ must_not: [{ is_empty: { key: 'source.anchor.path' } }, { key: 'source.anchor.status.state', match: { value: 'stale' } }] });
  }
  return must;
}

export function toFilter(must: Schemas['Condition'][], mustNot: Schemas['Condition'][] = []): Schemas['Filter'] | undefined {
  if (must.length === 0 && mustNot.length === 0) return undefined;
  return { ...(must.length ? { must } : {}), ...(mustNot.length ? { must_not: mustNot } : {}) };
}

/** What each physical collection records in its Qdrant metadata. */
export interface KairosMetadata {
  space: string;
  generation: number;
  provider: string;
  model: string;
  dimension: number;
  created_at: string;
  /** Set on the live collection while a re-embed into generation + 1 runs. */
  pending?: EmbedderInfo | null;
}

export const METADATA_KEY = 'kairos';

export function readMetadata(meta: unknown): KairosMetadata | null {
  const m = (meta as Record<string, unknown> | null | undefined)?.[METADATA_KEY] as Partial<KairosMetadata> | undefined;
  if (!m || typeof m.space !== 'string' || typeof m.generation !== 'number' || typeof m.dimension !== 'number') return null;
  return m as KairosMetadata;
}

export function metadataToInfo(m: KairosMetadata): CollectionInfo {
  const info: CollectionInfo = {
    name: m.space,
    embedder: { provider: m.provider, model: m.model, dimension: m.dimension },
    createdAt: m.created_at,
  };
  if (m.pending) info.pendingEmbedder = { provider: m.pending.provider, model: m.pending.model, dimension: m.pending.dimension };
  return info;
}
