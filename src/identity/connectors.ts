/**
 * Connectors: bots and other multi-user clients (a Telegram bot, a Discord bot, a web app) that an
 * admin trusts to speak for the users of one channel type. The secret is `kairos_ck_<43 chars>`,
 * shown once and stored as a SHA-256 hash; it always expires and can be revoked. A prefix distinct
 * from user API keys (`kairos_sk_`) keeps the two from ever being confused.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FirstContactPolicy } from '../protocol/channels.js';
import { newId, sha256Hex } from './ids.js';
import { iso, type SqlQueryable } from './sql.js';

export const CONNECTOR_PREFIX = 'kairos_ck_';
export { FIRST_CONTACT_POLICIES, type FirstContactPolicy } from '../protocol/channels.js';
/** Default lifetime of a connector secret when the admin names none. */
export const CONNECTOR_DEFAULT_TTL_MS = 365 * 24 * 60 * 60 * 1000;

export { ChannelTypeSchema } from '../protocol/rest/accountSchemas.js';

/**
 * A channel user id as the channel itself reports it (Telegram and Discord numeric ids, Slack
 * `T…:U…`, a web app's account id): printable ASCII without spaces, opaque to Kairos.
 */
export const ChannelUserSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, { error: "X-Kairos-Channel-User must be the channel's user id: 1 to 200 printable characters without spaces." });

export interface ConnectorInfo {
  id: string;
  name: string;
  channelType: string;
  firstContact: FirstContactPolicy;
  /** `kairos_ck_` + the first 8 characters of the secret part. */
  prefix: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What a valid secret resolves to. */
export interface VerifiedConnector {
  id: string;
  channelType: string;
  firstContact: FirstContactPolicy;
}

interface ConnectorRow {
  id: string;
  name: string;
  channel_type: string;
  first_contact: FirstContactPolicy;
  prefix: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function info(r: ConnectorRow): ConnectorInfo {
  return {
    id: r.id,
    name: r.name,
    channelType: r.channel_type,
    firstContact: r.first_contact,
    prefix: r.prefix,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

export function looksLikeConnectorSecret(token: string): boolean {
  return token.startsWith(CONNECTOR_PREFIX);
}

export async function createConnector(
  db: SqlQueryable,
  createdBy: string,
  opts: { name: string; channelType: string; firstContact: FirstContactPolicy; expiresAt: Date },
): Promise<{ secret: string; info: ConnectorInfo }> {
  const part = randomBytes(32).toString('base64url');
  const secret = CONNECTOR_PREFIX + part;
  const { rows } = await db.query<ConnectorRow>(
    'INSERT INTO connectors (id, name, channel_type, first_contact, prefix, hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
    [newId(), opts.name, opts.channelType, opts.firstContact, CONNECTOR_PREFIX + part.slice(0, 8), sha256Hex(secret), createdBy, opts.expiresAt],
  );
  return { secret, info: info(rows[0]!) };
}

/** The connector a secret belongs to while it is live (not revoked, not expired); records its use. */
export async function verifyConnector(db: SqlQueryable, secret: string, now: Date): Promise<VerifiedConnector | undefined> {
  const { rows } = await db.query<ConnectorRow>(
    'UPDATE connectors SET last_used_at = $2 WHERE hash = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING *',
    [sha256Hex(secret), now],
  );
  const r = rows[0];
  return r ? { id: r.id, channelType: r.channel_type, firstContact: r.first_contact } : undefined;
}

export async function listConnectors(db: SqlQueryable): Promise<ConnectorInfo[]> {
  const { rows } = await db.query<ConnectorRow>('SELECT * FROM connectors ORDER BY created_at, id');
  return rows.map(info);
}

/** Revokes a live connector; false when there is no live connector with this id. */
export async function revokeConnector(db: SqlQueryable, id: string, now: Date): Promise<boolean> {
  const r = await db.query('UPDATE connectors SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, now]);
  return r.rows.length > 0;
}
