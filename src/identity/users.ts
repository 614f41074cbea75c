/** Users and their channel identities: (channel_type, channel_uid) → uid, unique per pair. */
import { newId } from './ids.js';
import { iso, type SqlDb, type SqlQueryable } from './sql.js';

export interface ChannelRef {
  type: string;
  uid: string;
}

export interface ChannelRow extends ChannelRef {
  createdAt: string;
  lastSeenAt: string | null;
  /** The name or email the provider reported at the last sign-in, when it reported one. */
  displayName: string | null;
}

interface ChannelDbRow {
  channel_type: string;
  channel_uid: string;
  uid: string;
  created_at: Date;
  last_seen_at: Date | null;
  display_name: string | null;
}

/**
 * Finds the user a channel maps to, creating both on first sign-in. Concurrent first sign-ins
 * of one channel end with one user: the loser of the unique-pair race drops its new row.
 */
export async function resolveChannelUser(db: SqlDb, channel: ChannelRef, displayName?: string): Promise<{ uid: string; created: boolean }> {
  const found = await findChannelUser(db, channel, displayName);
  if (found) return { uid: found, created: false };
  return db.transaction(async (tx) => {
    const uid = newId();
    await tx.query('INSERT INTO users (uid) VALUES ($1)', [uid]);
    const inserted = await tx.query<{ uid: string }>(
      'INSERT INTO channel_identities (channel_type, channel_uid, uid, last_seen_at, display_name) VALUES ($1, $2, $3, now(), $4) ON CONFLICT (channel_type, channel_uid) DO NOTHING RETURNING uid',
      [channel.type, channel.uid, uid, displayName ?? null],
    );
    if (inserted.rows[0]) return { uid, created: true };
    await tx.query('DELETE FROM users WHERE uid = $1', [uid]);
    const winner = await tx.query<{ uid: string }>('SELECT uid FROM channel_identities WHERE channel_type = $1 AND channel_uid = $2', [
      channel.type,
      channel.uid,
    ]);
    return { uid: winner.rows[0]!.uid, created: false };
  });
}

/** The user a known channel maps to (recording that it was seen), without creating anything. */
export async function findChannelUser(db: SqlQueryable, channel: ChannelRef, displayName?: string): Promise<string | undefined> {
  const found = await db.query<{ uid: string }>(
    'UPDATE channel_identities SET last_seen_at = now(), display_name = coalesce($3, display_name) WHERE channel_type = $1 AND channel_uid = $2 RETURNING uid',
    [channel.type, channel.uid, displayName ?? null],
  );
  return found.rows[0]?.uid;
}

export async function userExists(db: SqlQueryable, uid: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM users WHERE uid = $1', [uid])).rows.length > 0;
}

export async function listChannels(db: SqlQueryable, uid: string): Promise<ChannelRow[]> {
  const { rows } = await db.query<ChannelDbRow>('SELECT * FROM channel_identities WHERE uid = $1 ORDER BY created_at', [uid]);
  return rows.map((r) => ({
    type: r.channel_type,
    uid: r.channel_uid,
    createdAt: iso(r.created_at)!,
    lastSeenAt: iso(r.last_seen_at),
    displayName: r.display_name,
  }));
}

/** Points a channel at `uid`; returns the uid it pointed at before. */
export async function moveChannel(db: SqlQueryable, channel: ChannelRef, uid: string): Promise<string | undefined> {
  const before = await db.query<{ uid: string }>('SELECT uid FROM channel_identities WHERE channel_type = $1 AND channel_uid = $2', [
    channel.type,
    channel.uid,
  ]);
  await db.query(
    'INSERT INTO channel_identities (channel_type, channel_uid, uid) VALUES ($1, $2, $3) ON CONFLICT (channel_type, channel_uid) DO UPDATE SET uid = EXCLUDED.uid',
    [channel.type, channel.uid, uid],
  );
  return before.rows[0]?.uid;
}

/** Removes a channel of `uid`; false when `uid` has no such channel. */
export async function removeChannel(db: SqlQueryable, uid: string, channel: ChannelRef): Promise<boolean> {
  const r = await db.query('DELETE FROM channel_identities WHERE uid = $1 AND channel_type = $2 AND channel_uid = $3 RETURNING uid', [
    uid,
    channel.type,
    channel.uid,
  ]);
  return r.rows.length > 0;
}

/** Attaches a channel to `uid` unless another user owns it. */
export async function attachChannel(db: SqlQueryable, uid: string, channel: ChannelRef, displayName?: string): Promise<'linked' | 'already' | 'taken'> {
  const inserted = await db.query(
    'INSERT INTO channel_identities (channel_type, channel_uid, uid, last_seen_at, display_name) VALUES ($1, $2, $3, now(), $4) ON CONFLICT (channel_type, channel_uid) DO NOTHING RETURNING uid',
    [channel.type, channel.uid, uid, displayName ?? null],
  );
  if (inserted.rows.length) return 'linked';
  const { rows } = await db.query<{ uid: string }>('SELECT uid FROM channel_identities WHERE channel_type = $1 AND channel_uid = $2', [
    channel.type,
    channel.uid,
  ]);
  return rows[0]?.uid === uid ? 'already' : 'taken';
}
