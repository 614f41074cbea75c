/** Random ids, one-time codes and their hashes. Only hashes of secrets are ever stored. */
import { createHash, randomBytes, randomInt } from 'node:crypto';

/** A new opaque id (hex, fits the space-name pattern `kairos_user_<uid>`). */
export function newId(): string {
  return randomBytes(12).toString('hex');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

// No 0/O/1/I/L: codes are read aloud and typed by hand.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A one-time code like `K7RM2-PX4QD` (10 symbols of 31, about 49 bits). */
export function newOneTimeCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** Normalises a typed code (case, spaces, dashes) before hashing. */
export function hashOneTimeCode(code: string): string {
  return sha256Hex(code.toUpperCase().replace(/[^A-Z0-9]/g, ''));
}
