/**
 * The audit log: what happened, by which uid, to which id, when. Never personal data (no emails,
 * names, tokens or IP addresses), so it may outlive a deleted account.
 */
import type { SqlQueryable } from './sql.js';

export type AuditEvent =
  | 'auth.failed'
  | 'key.created'
  | 'key.revoked'
  | 'link.code_created'
  | 'link.redeemed'
  | 'link.unlinked'
  | 'settings.embedder_key_set'
  | 'settings.embedder_key_cleared'
  | 'org.created'
  | 'org.invite_created'
  | 'org.joined'
  | 'org.member_removed'
  | 'org.left'
  | 'org.deleted'
  | 'signin'
  | 'signout.everywhere'
  | 'oauth.client_registered'
  | 'oauth.granted'
  | 'oauth.revoked'
  | 'oauth.code_reused'
  | 'account.exported'
  | 'account.deleted'
  | 'connector.created'
  | 'connector.revoked'
  | 'connector.user_created'
  | 'connector.refused';

/** The connector an action came through: its id and channel type, never the channel user's id. */
export interface AuditVia {
  /** The connector's id. */
  id: string;
  channelType: string;
}

export async function audit(db: SqlQueryable, event: AuditEvent, actorUid: string | null, target: string | null = null, via?: AuditVia): Promise<void> {
  await db.query('INSERT INTO audit_log (event, actor_uid, target, connector_id, channel_type) VALUES ($1, $2, $3, $4, $5)', [
    event,
    actorUid,
    target,
    via?.id ?? null,
    via?.channelType ?? null,
  ]);
}
