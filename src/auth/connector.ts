/**
 * A connector acting for one of its channel users. The connector's secret proves which connector
 * it is; the channel type always comes from the connector's record, and the request names only the
 * user id within it (`X-Kairos-Channel-User`). Kairos maps (that type, that id) to a user per
 * request; an unknown id follows the connector's first-contact policy.
 */
import { InvalidInputError, KairosError } from '../core/errors.js';
import { audit } from '../identity/audit.js';
import { ChannelUserSchema, type VerifiedConnector } from '../identity/connectors.js';
import type { SqlDb } from '../identity/sql.js';
import { findChannelUser, resolveChannelUser } from '../identity/users.js';
import type { ServicePrincipal } from './principal.js';

export const CHANNEL_USER_HEADER = 'x-kairos-channel-user';
/** Optional: a connector may state the channel type it speaks for; anything but its own is refused. */
export const CHANNEL_TYPE_HEADER = 'x-kairos-channel-type';

/** What a request says about the channel user it acts for (both headers, unparsed). */
export interface ChannelClaim {
  user?: string | undefined;
  type?: string | undefined;
}

export function claimsChannel(claim: ChannelClaim | undefined): boolean {
  return claim?.user !== undefined || claim?.type !== undefined;
}

/** The answer a channel user Kairos does not know gets under the "refuse" policy. */
export function unlinkedMessage(channelType: string): string {
  return (
    `This ${channelType} account is not linked to a Kairos account yet. Open Kairos where it already knows you ` +
    '(the web console, or another bot you use) and ask for a link code there (link_account with action "create_code"), ' +
    `then send that code here (link_account with action "redeem") to link this ${channelType} account.`
  );
}

export const NOT_A_CONNECTOR_MESSAGE =
  'Only a connector secret (kairos_ck_…) may name a channel user. Send this credential without X-Kairos-Channel-User or X-Kairos-Channel-Type.';

/** The principal a verified connector acts as for the channel user the request names. */
export async function connectorPrincipal(db: SqlDb, connector: VerifiedConnector, claim: ChannelClaim): Promise<ServicePrincipal> {
  const via = { id: connector.id, channelType: connector.channelType };
  if (claim.type !== undefined && claim.type !== connector.channelType) {
    await audit(db, 'connector.refused', null, 'channel_type', via);
    throw new KairosError('forbidden', `This connector serves ${connector.channelType} users only; it cannot act for a ${claim.type.slice(0, 32)} user.`);
  }
  if (claim.user === undefined) {
    throw new InvalidInputError(`A connector acts for one channel user per request: send X-Kairos-Channel-User with the ${connector.channelType} user's id.`);
  }
  const parsed = ChannelUserSchema.safeParse(claim.user);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues[0]!.message);
  const channel = { type: connector.channelType, uid: parsed.data };
  const base = { via: 'connector', scopes: ['read', 'write'] as const, channel, connector: via };
  const known = await findChannelUser(db, channel);
  if (known) return { uid: known, ...base };
  if (connector.firstContact === 'create') {
    const { uid, created } = await resolveChannelUser(db, channel);
    if (created) await audit(db, 'connector.user_created', uid, null, via);
    return { uid, ...base };
  }
  return { uid: '', ...base, unlinked: true };
}
