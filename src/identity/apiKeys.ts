/**
 * API keys: `kairos_sk_<43 chars>` (32 random bytes, base64url). Shown once; stored as a SHA-256
 * hash plus an 8-character visible prefix. Scopes read/write/admin, optional expiry, last-used
 * time, revocation.
 */
import { randomBytes } from 'node:crypto';
import { newId, sha256Hex } from './ids.js';
import { iso, type SqlQueryable } from './sql.js';

export const API_KEY_PREFIX = 'kairos_sk_';
import { SCOPES } from '../protocol/rest/accountSchemas.js';

export { SCOPES };
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** `kairos_sk_` + the first 8 characters of the secret part: enough to recognise a key. */
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface KeyRow {
  id: string;
  uid: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function info(r: KeyRow): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export async function createApiKey(
  db: SqlQueryable,
  uid: string,
  opts: { name: string; scopes: readonly Scope[]; expiresAt?: Date },
): Promise<{ key: string; info: ApiKeyInfo }> {
  const secret = randomBytes(32).toString('base64url');
  const key = API_KEY_PREFIX + secret;
  const { rows } = await db.query<KeyRow>(
    'INSERT INTO api_keys (id, uid, name, prefix, hash, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
    [newId(), uid, opts.name, API_KEY_PREFIX + secret.slice(0, 8), sha256Hex(key), [...new Set(opts.scopes)], opts.expiresAt ?? null],
  );
  return { key, info: info(rows[0]!) };
}

/** The key's owner and scopes when it is valid now (not revoked, not expired); records its use. */
export async function verifyApiKey(db: SqlQueryable, key: string, now: Date): Promise<{ uid: string; keyId: string; scopes: Scope[] } | undefined> {
  const { rows } = await db.query<KeyRow>(
    'UPDATE api_keys SET last_used_at = $2 WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) RETURNING *',
    [sha256Hex(key), now],
  );
  const r = rows[0];
  return r ? { uid: r.uid, keyId: r.id, scopes: info(r).scopes } : undefined;
}

export async function listApiKeys(db: SqlQueryable, uid: string): Promise<ApiKeyInfo[]> {
  const { rows } = await db.query<KeyRow>('SELECT * FROM api_keys WHERE uid = $1 ORDER BY created_at', [uid]);
  return rows.map(info);
}

/** Revokes one of `uid`'s keys; false when `uid` has no such live key. */
export async function revokeApiKey(db: SqlQueryable, uid: string, id: string, now: Date): Promise<boolean> {
  const r = await db.query('UPDATE api_keys SET revoked_at = $3 WHERE uid = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [uid, id, now]);
  return r.rows.length > 0;
}
