/** Small builders for UI tests. */
import type { Memory } from '../../src/core/memory.js';

export function memory(id: string, over: Partial<Memory> = {}): Memory {
  return {
    id,
    space: 'kairos_user_local',
    text: `memory ${id}`,
    tags: [],
    source: { kind: 'agent', client: 'copilot' },
    contentHash: `hash-${id}`,
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}
