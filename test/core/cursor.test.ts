import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/core/cursor.js';
import { InvalidInputError } from '../../src/core/errors.js';

describe('cursors', () => {
  it('round-trip their fields', () => {
    const c = encodeCursor({ o: 40, id: 'abc' });
    expect(decodeCursor(c, { o: 'number', id: 'string' })).toEqual({ o: 40, id: 'abc' });
  });

  it('reject garbage, wrong types and negative offsets with an actionable message', () => {
    for (const bad of ['%%%', encodeCursor({ o: 'x' }), encodeCursor({ o: -1 }), Buffer.from('[]').toString('base64url')]) {
      expect(() => decodeCursor(bad, { o: 'number' })).toThrow(InvalidInputError);
    }
    expect(() => decodeCursor('!!', { o: 'number' })).toThrow(/omit it to start over/i);
  });
});
