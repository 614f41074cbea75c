/**
 * One-time account-link codes: random, shown once, stored hashed, single use, 10-minute expiry.
 * Redeeming from another channel points that channel at the code's user.
 */
import { hashOneTimeCode, newOneTimeCode } from './ids.js';
import type { SqlQueryable } from './sql.js';

export const LINK_CODE_TTL_MS = 10 * 60 * 1000;

export async function createLinkCode(db: SqlQueryable, uid: string, now: Date): Promise<{ code: string; expiresAt: string }> {
  const code = newOneTimeCode();
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await db.query('INSERT INTO link_codes (hash, uid, expires_at) VALUES ($1, $2, $3)', [hashOneTimeCode(code), uid, expiresAt]);
  return { code, expiresAt: expiresAt.toISOString() };
}

/** The user of a live code, without using it (counts as an attempt). */
export async function peekLinkCode(db: SqlQueryable, code: string, now: Date): Promise<string | undefined> {
  const { rows } = await db.query<{ uid: string }>(
    'UPDATE link_codes SET attempts = attempts + 1 WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING uid',
    [hashOneTimeCode(code), now],
  );
  return rows[0]?.uid;
}

/**
 * Marks the code used and returns its user, atomically (a reused, expired or unknown code
 * returns undefined). Every try counts in `attempts`.
 */
export async function consumeLinkCode(db: SqlQueryable, code: string, now: Date): Promise<string | undefined> {
  const hash = hashOneTimeCode(code);
  await db.query('UPDATE link_codes SET attempts = attempts + 1 WHERE hash = $1', [hash]);
  const { rows } = await db.query<{ uid: string }>('UPDATE link_codes SET used_at = $2 WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING uid', [
    hash,
    now,
  ]);
  return rows[0]?.uid;
}
