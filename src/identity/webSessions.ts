/**
 * Browser sessions of the shared service: a random id in an HttpOnly cookie, only its hash
 * stored, so a database dump cannot be replayed as a session. "Sign out everywhere" deletes
 * every row of the user.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './ids.js';
import type { SqlQueryable } from './sql.js';
import type { ChannelRef } from './users.js';

export const WEB_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often per session (a write per request would be waste). */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export async function createWebSession(
  db: SqlQueryable,
  uid: string,
  now: Date,
  opts: { ttlMs?: number; displayName?: string | undefined; channel?: ChannelRef | undefined } = {},
): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + (opts.ttlMs ?? WEB_SESSION_TTL_MS));
  await db.query(
    'INSERT INTO web_sessions (hash, uid, display_name, expires_at, last_seen_at, channel_type, channel_uid) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [sha256Hex(id), uid, opts.displayName ?? null, expiresAt, now, opts.channel?.type ?? null, opts.channel?.uid ?? null],
  );
  return { id, expiresAt };
}

/** The user of a live session, or undefined (unknown, expired, or signed out). */
export interface WebSessionUser {
  uid: string;
  displayName?: string;
  /** The sign-in the session was started with (absent for sessions from before it was recorded). */
  channel?: ChannelRef;
}

export async function verifyWebSession(db: SqlQueryable, id: string, now: Date): Promise<WebSessionUser | undefined> {
  const { rows } = await db.query<{
    uid: string;
    display_name: string | null;
    last_seen_at: Date | null;
    channel_type: string | null;
    channel_uid: string | null;
  }>('SELECT uid, display_name, last_seen_at, channel_type, channel_uid FROM web_sessions WHERE hash = $1 AND expires_at > $2', [sha256Hex(id), now]);
  const row = rows[0];
  if (!row) return undefined;
  if (!row.last_seen_at || now.getTime() - new Date(row.last_seen_at).getTime() > TOUCH_EVERY_MS) {
    await db.query('UPDATE web_sessions SET last_seen_at = $2 WHERE hash = $1', [sha256Hex(id), now]);
  }
  return {
    uid: row.uid,
    ...(row.display_name ? { displayName: row.display_name } : {}),
    ...(row.channel_type && row.channel_uid ? { channel: { type: row.channel_type, uid: row.channel_uid } } : {}),
  };
}

/** Points the sessions `from` started through `channel` at `to` (the channel was linked there). */
export async function moveChannelSessions(db: SqlQueryable, channel: ChannelRef, from: string, to: string): Promise<void> {
  await db.query('UPDATE web_sessions SET uid = $1 WHERE uid = $2 AND channel_type = $3 AND channel_uid = $4', [to, from, channel.type, channel.uid]);
}

export async function deleteWebSession(db: SqlQueryable, id: string): Promise<void> {
  await db.query('DELETE FROM web_sessions WHERE hash = $1', [sha256Hex(id)]);
}

/** Signs the user out of every browser; returns how many sessions ended. */
export async function deleteUserWebSessions(db: SqlQueryable, uid: string): Promise<number> {
  return (await db.query('DELETE FROM web_sessions WHERE uid = $1 RETURNING hash', [uid])).rows.length;
}

/** The pending state of one sign-in round trip (state, nonce, PKCE verifier), single use. */
export interface LoginState {
  provider: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  /** Set when a signed-in user is linking another identity. */
  linkUid: string | null;
}

export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;

export async function saveLoginState(db: SqlQueryable, state: string, browser: string, s: LoginState, now: Date): Promise<void> {
  await db.query('DELETE FROM login_states WHERE expires_at <= $1', [now]);
  await db.query(
    'INSERT INTO login_states (hash, browser_hash, provider, nonce, verifier, return_to, link_uid, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [sha256Hex(state), sha256Hex(browser), s.provider, s.nonce, s.verifier, s.returnTo, s.linkUid, new Date(now.getTime() + LOGIN_STATE_TTL_MS)],
  );
}

/**
 * Consumes a login state: returned once, only to the browser that started it (its cookie), and
 * only before expiry. A second callback with the same state gets undefined.
 */
export async function takeLoginState(db: SqlQueryable, state: string, browser: string, now: Date): Promise<LoginState | undefined> {
  const { rows } = await db.query<{
    browser_hash: string;
    provider: string;
    nonce: string;
    verifier: string;
    return_to: string;
    link_uid: string | null;
    expires_at: Date;
  }>('DELETE FROM login_states WHERE hash = $1 RETURNING *', [sha256Hex(state)]);
  const r = rows[0];
  if (!r || r.browser_hash !== sha256Hex(browser) || new Date(r.expires_at) <= now) return undefined;
  return { provider: r.provider, nonce: r.nonce, verifier: r.verifier, returnTo: r.return_to, linkUid: r.link_uid };
}
