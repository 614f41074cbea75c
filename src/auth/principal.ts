/** What authentication yields in service mode: a Principal plus the channel it came through. */
import type { Principal } from '../core/tenancy.js';
import type { ChannelRef } from '../identity/users.js';

export interface ServicePrincipal extends Principal {
  /** The sign-in channel (github, oidc); absent for API keys, which belong to a user directly. */
  channel?: ChannelRef;
  /** For API keys: the key's id. */
  keyId?: string;
  /** Set when a connector (a bot) acts for `channel`, a user of its channel type. */
  connector?: { id: string; channelType: string };
  /**
   * A connector's channel user Kairos does not know, under the "refuse" policy: `uid` is empty and
   * the only thing it may do is redeem a link code, which attaches the channel to an account.
   */
  unlinked?: true;
}

/** A verified external identity, before it is mapped to a Kairos user. */
export interface VerifiedChannel {
  channel: ChannelRef;
  scopes: Principal['scopes'];
  displayName?: string;
}

export function channelOf(p: Principal): ChannelRef | undefined {
  return (p as ServicePrincipal).channel;
}

export function connectorOf(p: Principal): { id: string; channelType: string } | undefined {
  return (p as ServicePrincipal).connector;
}
