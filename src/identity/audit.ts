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
  | 'account.deleted';

export async function audit(db: SqlQueryable, event: AuditEvent, actorUid: string | null, target: string | null = null): Promise<void> {
  await db.query('INSERT INTO audit_log (event, actor_uid, target) VALUES ($1, $2, $3)', [event, actorUid, target]);
}
