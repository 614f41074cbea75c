/**
 * "Delete my account" and "export my data" for the identity tables. The caller drops the
 * returned collections from the vector store.
 */
import { audit } from './audit.js';
import { listApiKeys } from './apiKeys.js';
import { getEmbeddingSettings } from './embeddingSettings.js';
import { membershipsOf } from './orgs.js';
import type { SqlDb } from './sql.js';
import { listChannels } from './users.js';

/**
 * Removes the user and everything keyed by their uid: channels, keys, link codes, settings,
 * memberships, and orgs where they were the only member. Audit rows keep the event but lose the
 * uid. Returns the oids of the orgs deleted with them. Refuses (returns `blockedBy`) when the
 * user is the last owner of an org that has other members.
 */
export async function deleteUserIdentity(db: SqlDb, uid: string): Promise<{ deletedOrgs: string[]; blockedBy?: string }> {
  return db.transaction(async (tx) => {
    const { rows: orgs } = await tx.query<{ oid: string; members: number; owners: number; role: string }>(
      `SELECT m.oid, m.role,
         (SELECT COUNT(*)::int FROM memberships x WHERE x.oid = m.oid) AS members,
         (SELECT COUNT(*)::int FROM memberships x WHERE x.oid = m.oid AND x.role = 'owner') AS owners
       FROM memberships m WHERE m.uid = $1`,
      [uid],
    );
    const blocked = orgs.find((o) => o.role === 'owner' && o.owners === 1 && o.members > 1);
    if (blocked) return { deletedOrgs: [], blockedBy: blocked.oid };
    const solo = orgs.filter((o) => o.members === 1).map((o) => o.oid);
    for (const oid of solo) {
      await tx.query("DELETE FROM embedding_settings WHERE owner_kind = 'org' AND owner_id = $1", [oid]);
      await tx.query('DELETE FROM orgs WHERE oid = $1', [oid]);
      await tx.query('UPDATE audit_log SET target = NULL WHERE target = $1', [oid]);
    }
    await tx.query("DELETE FROM embedding_settings WHERE owner_kind = 'user' AND owner_id = $1", [uid]);
    // channel_identities, api_keys, link_codes and memberships cascade from users.
    await tx.query('DELETE FROM users WHERE uid = $1', [uid]);
    await tx.query('UPDATE audit_log SET actor_uid = NULL WHERE actor_uid = $1', [uid]);
    await tx.query('UPDATE audit_log SET target = NULL WHERE target = $1', [uid]);
    await audit(tx, 'account.deleted', null, null);
    return { deletedOrgs: solo };
  });
}

/** Everything the identity store holds about a user (never key material). */
export async function exportUserIdentity(db: SqlDb, uid: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{ created_at: Date }>('SELECT created_at FROM users WHERE uid = $1', [uid]);
  const auditRows = await db.query<{ event: string; target: string | null; at: Date }>(
    'SELECT event, target, at FROM audit_log WHERE actor_uid = $1 ORDER BY id',
    [uid],
  );
  return {
    user: { uid, createdAt: rows[0]?.created_at instanceof Date ? rows[0].created_at.toISOString() : null },
    channels: await listChannels(db, uid),
    apiKeys: await listApiKeys(db, uid),
    embeddingSettings: (await getEmbeddingSettings(db, { kind: 'user', id: uid })) ?? null,
    memberships: await membershipsOf(db, uid),
    audit: auditRows.rows.map((r) => ({ event: r.event, target: r.target, at: r.at instanceof Date ? r.at.toISOString() : String(r.at) })),
  };
}
