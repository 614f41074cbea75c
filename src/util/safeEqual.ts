/** Constant-time string comparison for bearer tokens. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hashing first makes the lengths equal, so neither the length nor the content leaks through timing. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
