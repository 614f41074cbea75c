/** The duplicate check's key as a fixed-size hash, shared by the service and the stores. */
import { createHash } from 'node:crypto';
import { duplicateKey } from './memory.js';

/** SHA-256 of the text's duplicate key: two texts are duplicates exactly when it is equal. */
export function contentHash(text: string): string {
  return createHash('sha256').update(duplicateKey(text), 'utf8').digest('hex');
}
