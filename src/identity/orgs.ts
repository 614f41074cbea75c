/** Orgs (team spaces), memberships with roles, and one-time invite codes. */
import type { SpaceRole } from '../core/tenancy.js';
import { hashOneTimeCode, newId, newOneTimeCode } from './ids.js';
import { iso, type SqlQueryable } from './sql.js';

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export { ROLES } from '../protocol/rest/accountSchemas.js';

export interface Membership {
  oid: string;
  name: string;
  role: SpaceRole;
  joinedAt: string;
}

export async function createOrg(db: SqlQueryable, uid: string, name: string): Promise<Membership> {
  const oid = newId();
  await db.query('INSERT INTO orgs (oid, name) VALUES ($1, $2)', [oid, name]);
  const { rows } = await db.query<{ created_at: Date }>("INSERT INTO memberships (oid, uid, role) VALUES ($1, $2, 'owner') RETURNING created_at", [oid, uid]);
  return { oid, name, role: 'owner', joinedAt: iso(rows[0]!.created_at)! };
}

export async function membershipsOf(db: SqlQueryable, uid: string): Promise<Membership[]> {
  const { rows } = await db.query<{ oid: string; name: string; role: SpaceRole; created_at: Date }>(
    'SELECT m.oid, o.name, m.role, m.created_at FROM memberships m JOIN orgs o ON o.oid = m.oid WHERE m.uid = $1 ORDER BY m.created_at, m.oid',
    [uid],
  );
  return rows.map((r) => ({ oid: r.oid, name: r.name, role: r.role, joinedAt: iso(r.created_at)! }));
}

export async function roleIn(db: SqlQueryable, oid: string, uid: string): Promise<SpaceRole | undefined> {
  const { rows } = await db.query<{ role: SpaceRole }>('SELECT role FROM memberships WHERE oid = $1 AND uid = $2', [oid, uid]);
  return rows[0]?.role;
}

export async function countMembers(db: SqlQueryable, oid: string, role?: SpaceRole): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    role ? 'SELECT COUNT(*)::int AS n FROM memberships WHERE oid = $1 AND role = $2' : 'SELECT COUNT(*)::int AS n FROM memberships WHERE oid = $1',
    role ? [oid, role] : [oid],
  );
  return rows[0]!.n;
}

export async function createInvite(db: SqlQueryable, oid: string, role: SpaceRole, now: Date): Promise<{ code: string; expiresAt: string }> {
  const code = newOneTimeCode();
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
  await db.query('INSERT INTO org_invites (hash, oid, role, expires_at) VALUES ($1, $2, $3, $4)', [hashOneTimeCode(code), oid, role, expiresAt]);
  return { code, expiresAt: expiresAt.toISOString() };
}

/** Uses an invite: single use, unexpired. Returns the org and role, or undefined. */
export async function consumeInvite(db: SqlQueryable, code: string, now: Date): Promise<{ oid: string; role: SpaceRole } | undefined> {
  const { rows } = await db.query<{ oid: string; role: SpaceRole }>(
    'UPDATE org_invites SET used_at = $2 WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING oid, role',
    [hashOneTimeCode(code), now],
  );
  return rows[0];
}

export async function addMember(db: SqlQueryable, oid: string, uid: string, role: SpaceRole): Promise<boolean> {
  const r = await db.query('INSERT INTO memberships (oid, uid, role) VALUES ($1, $2, $3) ON CONFLICT (oid, uid) DO NOTHING RETURNING uid', [oid, uid, role]);
  return r.rows.length > 0;
}

export async function removeMember(db: SqlQueryable, oid: string, uid: string): Promise<boolean> {
  return (await db.query('DELETE FROM memberships WHERE oid = $1 AND uid = $2 RETURNING uid', [oid, uid])).rows.length > 0;
}

export async function deleteOrg(db: SqlQueryable, oid: string): Promise<void> {
  await db.query("DELETE FROM embedding_settings WHERE owner_kind = 'org' AND owner_id = $1", [oid]);
  await db.query('DELETE FROM orgs WHERE oid = $1', [oid]);
}
