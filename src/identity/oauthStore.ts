/**
 * Storage of Kairos's own OAuth 2.1 authorization server (for MCP clients): registered clients,
 * single-use authorization codes and grants (one per user × client authorization, carrying the
 * rotating refresh token). Codes, client secrets and refresh tokens are stored as hashes only.
 */
import { randomBytes } from 'node:crypto';
import { newId, sha256Hex } from './ids.js';
import { iso, type SqlDb, type SqlQueryable } from './sql.js';

export interface OAuthClientRow {
  clientId: string;
  clientName: string | null;
  redirectUris: string[];
  /** The registered metadata as the client sent it (RFC 7591), without the secret. */
  metadata: Record<string, unknown>;
  confidential: boolean;
  createdAt: string;
}

export interface GrantRow {
  id: string;
  uid: string;
  clientId: string;
  clientName: string | null;
  scopes: string[];
  resource: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export const CODE_TTL_MS = 60 * 1000;
export const REFRESH_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export async function registerClient(
  db: SqlQueryable,
  input: { clientName: string | null; redirectUris: string[]; metadata: Record<string, unknown>; secret: string | null },
): Promise<OAuthClientRow> {
  const clientId = `kc_${newId()}`;
  const { rows } = await db.query<{ created_at: Date }>(
    'INSERT INTO oauth_clients (client_id, secret_hash, client_name, redirect_uris, metadata) VALUES ($1, $2, $3, $4, $5) RETURNING created_at',
    [clientId, input.secret ? sha256Hex(input.secret) : null, input.clientName, input.redirectUris, JSON.stringify(input.metadata)],
  );
  return {
    clientId,
    clientName: input.clientName,
    redirectUris: input.redirectUris,
    metadata: input.metadata,
    confidential: input.secret !== null,
    createdAt: iso(rows[0]!.created_at)!,
  };
}

/**
 * Records a client known by its metadata document URL (CIMD): the URL is its client_id, it has no
 * secret, and its name and redirect URIs follow the latest fetched document. The row exists so
 * that codes and grants can refer to the client like to a registered one.
 */
export async function upsertMetadataDocumentClient(
  db: SqlQueryable,
  input: { clientId: string; clientName: string | null; redirectUris: string[]; metadata: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `INSERT INTO oauth_clients (client_id, secret_hash, client_name, redirect_uris, metadata) VALUES ($1, NULL, $2, $3, $4)
     ON CONFLICT (client_id) DO UPDATE SET client_name = EXCLUDED.client_name, redirect_uris = EXCLUDED.redirect_uris, metadata = EXCLUDED.metadata`,
    [input.clientId, input.clientName, input.redirectUris, JSON.stringify(input.metadata)],
  );
}

export async function findClient(db: SqlQueryable, clientId: string): Promise<(OAuthClientRow & { secretHash: string | null }) | undefined> {
  const { rows } = await db.query<{
    client_id: string;
    secret_hash: string | null;
    client_name: string | null;
    redirect_uris: string[];
    metadata: string;
    created_at: Date;
  }>('SELECT * FROM oauth_clients WHERE client_id = $1', [clientId]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    clientId: r.client_id,
    clientName: r.client_name,
    redirectUris: r.redirect_uris,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    confidential: r.secret_hash !== null,
    secretHash: r.secret_hash,
    createdAt: iso(r.created_at)!,
  };
}

export interface CodeInput {
  clientId: string;
  uid: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  resource: string;
}

export async function createCode(db: SqlQueryable, input: CodeInput, now: Date): Promise<string> {
  const code = newSecret('kac_');
  await db.query(
    'INSERT INTO oauth_codes (hash, client_id, uid, redirect_uri, code_challenge, scopes, resource, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [sha256Hex(code), input.clientId, input.uid, input.redirectUri, input.codeChallenge, input.scopes, input.resource, new Date(now.getTime() + CODE_TTL_MS)],
  );
  return code;
}

export type CodeLookup =
  | { status: 'ok'; code: CodeInput }
  | { status: 'unknown' }
  | { status: 'expired' }
  /** Used before: the grant it produced is revoked (RFC 6749 §4.1.2: a replayed code may be stolen). */
  | { status: 'reused' };

/** Marks a code used, atomically; a second redemption revokes whatever the first produced. */
export async function redeemCode(db: SqlDb, code: string, now: Date): Promise<CodeLookup> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      client_id: string;
      uid: string;
      redirect_uri: string;
      code_challenge: string;
      scopes: string[];
      resource: string;
      expires_at: Date;
      used_at: Date | null;
      grant_id: string | null;
    }>('SELECT * FROM oauth_codes WHERE hash = $1 FOR UPDATE', [sha256Hex(code)]);
    const r = rows[0];
    if (!r) return { status: 'unknown' };
    if (r.used_at) {
      if (r.grant_id) await tx.query('UPDATE oauth_grants SET revoked_at = $2, refresh_hash = NULL WHERE id = $1 AND revoked_at IS NULL', [r.grant_id, now]);
      return { status: 'reused' };
    }
    await tx.query('UPDATE oauth_codes SET used_at = $2 WHERE hash = $1', [sha256Hex(code), now]);
    if (new Date(r.expires_at) <= now) return { status: 'expired' };
    return {
      status: 'ok',
      code: { clientId: r.client_id, uid: r.uid, redirectUri: r.redirect_uri, codeChallenge: r.code_challenge, scopes: r.scopes, resource: r.resource },
    };
  });
}

/** Creates the grant of a redeemed code with its first refresh token. */
export async function createGrant(db: SqlQueryable, code: string, c: CodeInput, now: Date): Promise<{ grantId: string; refreshToken: string }> {
  const grantId = newId();
  const refreshToken = newSecret('kar_');
  await db.query(
    'INSERT INTO oauth_grants (id, uid, client_id, scopes, resource, refresh_hash, refresh_expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [grantId, c.uid, c.clientId, c.scopes, c.resource, sha256Hex(refreshToken), new Date(now.getTime() + REFRESH_TTL_MS), now],
  );
  await db.query('UPDATE oauth_codes SET grant_id = $2 WHERE hash = $1', [sha256Hex(code), grantId]);
  return { grantId, refreshToken };
}

export type RefreshResult =
  | { status: 'ok'; grant: { id: string; uid: string; clientId: string; scopes: string[]; resource: string }; refreshToken: string }
  | { status: 'invalid' }
  /** Asked for scopes beyond the grant; the token is not used up. */
  | { status: 'invalid_scope' };

/**
 * Rotates a refresh token: the presented one stops working and a new one is returned. Any token
 * rotated away earlier is a replay (RFC 9700 §4.14): someone holds a copy, so the grant ends.
 * `scopes` (when given) must be a subset of the grant's and become the new access token's.
 */
export async function rotateRefreshToken(db: SqlDb, token: string, clientId: string, now: Date, scopes?: readonly string[]): Promise<RefreshResult> {
  return db.transaction(async (tx) => {
    const hash = sha256Hex(token);
    const { rows } = await tx.query<{
      id: string;
      uid: string;
      client_id: string;
      scopes: string[];
      resource: string;
      refresh_expires_at: Date;
      revoked_at: Date | null;
    }>('SELECT * FROM oauth_grants WHERE refresh_hash = $1 FOR UPDATE', [hash]);
    const g = rows[0];
    if (!g) {
      await tx.query(
        'UPDATE oauth_grants SET revoked_at = $2, refresh_hash = NULL WHERE revoked_at IS NULL AND id = (SELECT grant_id FROM oauth_refresh_used WHERE hash = $1)',
        [hash, now],
      );
      return { status: 'invalid' };
    }
    if (g.revoked_at || g.client_id !== clientId || new Date(g.refresh_expires_at) <= now) return { status: 'invalid' };
    if (scopes && scopes.some((s) => !g.scopes.includes(s))) return { status: 'invalid_scope' };
    const next = newSecret('kar_');
    await tx.query('INSERT INTO oauth_refresh_used (hash, grant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [hash, g.id]);
    await tx.query('UPDATE oauth_grants SET refresh_hash = $2, refresh_expires_at = $3, last_used_at = $4 WHERE id = $1', [
      g.id,
      sha256Hex(next),
      new Date(now.getTime() + REFRESH_TTL_MS),
      now,
    ]);
    return {
      status: 'ok',
      grant: { id: g.id, uid: g.uid, clientId: g.client_id, scopes: scopes ? [...scopes] : g.scopes, resource: g.resource },
      refreshToken: next,
    };
  });
}

/** A live grant's owner and scopes (access tokens are checked against it on every request). */
export async function liveGrant(db: SqlQueryable, grantId: string): Promise<{ uid: string; scopes: string[] } | undefined> {
  const { rows } = await db.query<{ uid: string; scopes: string[] }>('SELECT uid, scopes FROM oauth_grants WHERE id = $1 AND revoked_at IS NULL', [grantId]);
  return rows[0];
}

export async function listGrants(db: SqlQueryable, uid: string): Promise<GrantRow[]> {
  const { rows } = await db.query<{
    id: string;
    uid: string;
    client_id: string;
    client_name: string | null;
    scopes: string[];
    resource: string;
    created_at: Date;
    last_used_at: Date | null;
  }>(
    `SELECT g.*, c.client_name FROM oauth_grants g JOIN oauth_clients c ON c.client_id = g.client_id
     WHERE g.uid = $1 AND g.revoked_at IS NULL ORDER BY g.created_at DESC`,
    [uid],
  );
  return rows.map((r) => ({
    id: r.id,
    uid: r.uid,
    clientId: r.client_id,
    clientName: r.client_name,
    scopes: r.scopes,
    resource: r.resource,
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
  }));
}

/** Revokes one of the user's grants; false when the user has no such live grant. */
export async function revokeGrant(db: SqlQueryable, uid: string, grantId: string, now: Date): Promise<boolean> {
  const { rows } = await db.query(
    'UPDATE oauth_grants SET revoked_at = $3, refresh_hash = NULL WHERE id = $1 AND uid = $2 AND revoked_at IS NULL RETURNING id',
    [grantId, uid, now],
  );
  return rows.length > 0;
}

/** RFC 7009: revokes the grant behind a refresh token of this client (unknown tokens are ignored). */
export async function revokeByRefreshToken(db: SqlQueryable, token: string, clientId: string, now: Date): Promise<void> {
  await db.query('UPDATE oauth_grants SET revoked_at = $3, refresh_hash = NULL WHERE refresh_hash = $1 AND client_id = $2 AND revoked_at IS NULL', [
    sha256Hex(token),
    clientId,
    now,
  ]);
}

/** RFC 7009 for access tokens: revokes the grant they were issued under. */
export async function revokeGrantOfClient(db: SqlQueryable, grantId: string, clientId: string, now: Date): Promise<void> {
  await db.query('UPDATE oauth_grants SET revoked_at = $3, refresh_hash = NULL WHERE id = $1 AND client_id = $2 AND revoked_at IS NULL', [
    grantId,
    clientId,
    now,
  ]);
}
