import { describe, expect, it } from 'vitest';
import {
  isSharedCollection,
  PARTITION_INDEXES,
  partitionedPointId,
  partitionFromEnv,
  partitionPayload,
  registryPointId,
  scopeConditions,
  scopedFilter,
  sharedCollectionName,
  spaceConditions,
} from '../../../src/stores/qdrant/partition.js';

const A = 'kairos_user_aaaaaaaaaaaaaaaa';
const B = 'kairos_org_bbbbbbbbbbbbbbbb';

describe('Qdrant payload partitioning', () => {
  it('reads the mode from KAIROS_QDRANT_PARTITION, defaulting to a collection per space and refusing anything else', () => {
    expect(partitionFromEnv({})).toBe('collection');
    expect(partitionFromEnv({ KAIROS_QDRANT_PARTITION: 'payload' })).toBe('payload');
    expect(partitionFromEnv({ KAIROS_QDRANT_PARTITION: ' collection ' })).toBe('collection');
    expect(() => partitionFromEnv({ KAIROS_QDRANT_PARTITION: 'tenant' })).toThrow(/"collection" or "payload"/);
  });

  it('shares one collection per dimension and recognises only those names as shared', () => {
    expect(sharedCollectionName(1536)).toBe('kairos_shared_d1536');
    expect(isSharedCollection('kairos_shared_d1536')).toBe(true);
    expect(isSharedCollection('kairos_shared_dx')).toBe(false);
    expect(isSharedCollection(A)).toBe(false);
  });

  it('indexes the space field as the tenant key', () => {
    expect(PARTITION_INDEXES[0]).toEqual({ field: 'space', schema: { type: 'keyword', is_tenant: true } });
    expect(PARTITION_INDEXES.map((i) => i.field)).toContain('generation');
  });

  it('confines a filter to one generation of one space, keeping its own conditions after the scope', () => {
    const scope = scopeConditions(A, 2);
    expect(scope).toEqual([
      { key: 'space', match: { value: A } },
      { key: 'generation', match: { value: 2 } },
    ]);
    expect(scopedFilter(scope, undefined)).toEqual({ must: scope });
    const tag = { key: 'tags', match: { value: 'db' } };
    const mustNot = [{ key: 'reembedded', match: { value: 3 } }];
    expect(scopedFilter(scope, { must: [tag], must_not: mustNot })).toEqual({ must: [...scope, tag], must_not: mustNot });
    expect(scopedFilter(scope, { must: tag })).toEqual({ must: [...scope, tag] });
    // Collection-per-space mode has no scope: the filter passes through untouched.
    expect(scopedFilter([], { must: [tag] })).toEqual({ must: [tag] });
    expect(scopedFilter([], undefined)).toBeUndefined();
    expect(spaceConditions(B)).toEqual([{ key: 'space', match: { value: B } }]);
  });

  it('tags every point with its space and generation', () => {
    expect(partitionPayload(A, 1)).toEqual({ space: A, generation: 1 });
  });

  it('gives one memory id a different point id in every space and generation, stable across calls', () => {
    const id = '2b5c3d0e-8f7a-4c1b-9d6e-0a1b2c3d4e5f';
    const ids = [partitionedPointId(A, 1, id), partitionedPointId(B, 1, id), partitionedPointId(A, 2, id)];
    expect(new Set(ids).size).toBe(3);
    expect(partitionedPointId(A, 1, id)).toBe(ids[0]);
    for (const p of ids) expect(p).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(registryPointId(A)).not.toBe(registryPointId(B));
  });
});
