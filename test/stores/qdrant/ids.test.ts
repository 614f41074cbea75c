import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pointId, uuidV5 } from '../../../src/stores/qdrant/ids.js';

describe('Qdrant point ids', () => {
  it('use a UUID memory id as it is, lower-cased', () => {
    const id = randomUUID();
    expect(pointId(id)).toBe(id);
    expect(pointId(id.toUpperCase())).toBe(id);
  });

  it('map any other id to a stable version 5 UUID', () => {
    const a = pointId('memory-1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId('memory-1')).toBe(a);
    expect(pointId('memory-2')).not.toBe(a);
    expect(uuidV5('memory-1')).toBe(a);
  });
});
