/** Channel-type rules shared by the server (connectors) and the Account page's form. */

/** A connector's channel type: a lowercase id such as telegram, discord, slack or web. */
export const CHANNEL_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Channel types that Kairos's own sign-ins verify. A connector may not claim them: it would speak
 * for every GitHub or OIDC user without their credential.
 */
export const RESERVED_CHANNEL_TYPES: readonly string[] = ['github', 'oidc', 'local', 'session', 'oauth', 'api-key', 'connector'];
