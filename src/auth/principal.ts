/** What authentication yields in service mode: a Principal plus the channel it came through. */
import type { Principal } from '../core/tenancy.js';
import type { ChannelRef } from '../identity/users.js';

export interface ServicePrincipal extends Principal {
  /** The sign-in channel (github, oidc); absent for API keys, which belong to a user directly. */
  channel?: ChannelRef;
  /** For API keys: the key's id. */
  keyId?: string;
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
