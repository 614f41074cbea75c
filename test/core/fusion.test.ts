import { describe, expect, it } from 'vitest';
import { RRF_K, reciprocalRankFusion } from '../../src/core/fusion.js';

const list = (...keys: string[]) => keys.map((key) => ({ key, item: key }));

describe('reciprocal rank fusion', () => {
  it('scores an item found by both lists above items found by one', () => {
    const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'd')]);
    expect(fused[0]?.key).toBe('c');
    expect(fused[0]?.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1));
  });

  it('keeps first-appearance order for equal scores so results are deterministic', () => {
    const fused = reciprocalRankFusion([list('x'), list('y')]);
    expect(fused.map((f) => f.key)).toEqual(['x', 'y']);
  });

  it('returns an empty ranking for no input', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });

  it('uses the given k', () => {
    const [top] = reciprocalRankFusion([list('a')], 1);
    expect(top?.score).toBeCloseTo(0.5);
  });
});
