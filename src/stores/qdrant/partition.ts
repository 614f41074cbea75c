/**
 * Payload-partition mode of the Qdrant store: every space lives in one shared collection per
 * vector dimension (`kairos_shared_d<dimension>`), each point tagged with its `space` (indexed
 * with `is_tenant: true`, so Qdrant keeps a tenant's points together) and the space's
 * `generation`; every read, count and delete is filtered by both. Space metadata (embedder,
 * generation, a pending re-embed) lives in a small registry collection, one point per space.
 * For deployments with very many small tenants, where a collection per space costs too much.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { KairosError } from '../../core/errors.js';
import { uuidV5 } from './ids.js';

export const QDRANT_PARTITIONS = ['collection', 'payload'] as const;
export type QdrantPartition = (typeof QDRANT_PARTITIONS)[number];

export const SPACE_FIELD = 'space';
export const GENERATION_FIELD = 'generation';
export const SHARED_PREFIX = 'kairos_shared_d';
export const REGISTRY_COLLECTION = 'kairos_spaces';
/** The registry holds payload only; Qdrant wants a vector, so each point carries this 1-d one. */
export const REGISTRY_VECTOR = 'registry';

/** KAIROS_QDRANT_PARTITION: `collection` (default, one collection per space) or `payload`. */
export function partitionFromEnv(env: NodeJS.ProcessEnv): QdrantPartition {
  const raw = env.KAIROS_QDRANT_PARTITION?.trim();
  if (!raw) return 'collection';
  if (!(QDRANT_PARTITIONS as readonly string[]).includes(raw)) {
    throw new KairosError('invalid_input', `KAIROS_QDRANT_PARTITION must be "collection" or "payload" (got "${raw}").`);
  }
  return raw as QdrantPartition;
}

/** The shared collection holding every space embedded with `dimension`-d vectors. */
export function sharedCollectionName(dimension: number): string {
  return `${SHARED_PREFIX}${dimension}`;
}

export function isSharedCollection(name: string): boolean {
  return name.startsWith(SHARED_PREFIX) && /^\d+$/.test(name.slice(SHARED_PREFIX.length));
}

/** Payload indexes a shared collection adds to the per-memory ones: the tenant field first. */
export const PARTITION_INDEXES: ReadonlyArray<{ field: string; schema: Schemas['PayloadFieldSchema'] }> = [
  { field: SPACE_FIELD, schema: { type: 'keyword', is_tenant: true } },
  { field: GENERATION_FIELD, schema: 'integer' },
];

/** The conditions that confine a query to one generation of one space. */
export function scopeConditions(space: string, generation: number): Schemas['Condition'][] {
  return [
    { key: SPACE_FIELD, match: { value: space } },
    { key: GENERATION_FIELD, match: { value: generation } },
  ];
}

/** The conditions that match every generation of one space (for dropping it). */
export function spaceConditions(space: string): Schemas['Condition'][] {
  return [{ key: SPACE_FIELD, match: { value: space } }];
}

/** The payload fields a point in a shared collection carries besides the memory's own. */
export function partitionPayload(space: string, generation: number): { space: string; generation: number } {
  return { [SPACE_FIELD]: space, [GENERATION_FIELD]: generation } as { space: string; generation: number };
}

/**
 * The point id of a memory in a shared collection: unique per (space, generation, memory id),
 * so equal memory ids in two spaces, or in two generations during a re-embed, never collide.
 */
export function partitionedPointId(space: string, generation: number, memoryId: string): string {
  return uuidV5(`${space}\u0000${generation}\u0000${memoryId}`);
}

/** The registry point id of a space. */
export function registryPointId(space: string): string {
  return uuidV5(`space\u0000${space}`);
}

/** `filter` with `scope` added to its `must` (scope first, so the tenant index narrows early). */
export function scopedFilter(scope: readonly Schemas['Condition'][], filter: Schemas['Filter'] | undefined): Schemas['Filter'] | undefined {
  if (scope.length === 0) return filter;
  const must = filter?.must ? (Array.isArray(filter.must) ? filter.must : [filter.must]) : [];
  return { ...filter, must: [...scope, ...must] };
}
