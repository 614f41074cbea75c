/** Opaque cursors: base64url JSON, validated on the way back in. */
import { InvalidInputError } from './errors.js';

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<K extends string>(cursor: string, shape: Record<K, 'string' | 'number'>): Record<K, string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidInputError('The cursor is not valid. Pass back nextCursor exactly as returned, or omit it to start over.');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new InvalidInputError('The cursor is not valid. Omit it to start over.');
  }
  const out = {} as Record<K, string | number>;
  for (const key of Object.keys(shape) as K[]) {
    const v = (parsed as Record<string, unknown>)[key];
    if (typeof v !== shape[key] || (typeof v === 'number' && (!Number.isSafeInteger(v) || v < 0))) {
      throw new InvalidInputError('The cursor is not valid. Omit it to start over.');
    }
    out[key] = v as string | number;
  }
  return out;
}
