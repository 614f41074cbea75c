/** Channel-type rules shared by the server (connectors) and the Account page's form. */

/** A connector's channel type: a lowercase id such as telegram, discord, slack or web. */
export const CHANNEL_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Channel types that Kairos's own sign-ins verify. A connector may not claim them: it would speak
 * for every GitHub or OIDC user without their credential.
 */
export const RESERVED_CHANNEL_TYPES: readonly string[] = ['github', 'oidc', 'local', 'session', 'oauth', 'api-key', 'connector'];

/** What the server's schema and the CLI say about a channel type that fails the pattern, or a reserved one. */
export const CHANNEL_TYPE_HINT = 'A channel type is a lowercase id such as "telegram", "discord", "slack" or "web" (a-z, 0-9, _ and -, at most 32 characters).';
export const RESERVED_CHANNEL_TYPE_HINT = `That channel type is reserved for Kairos's own sign-ins (${RESERVED_CHANNEL_TYPES.join(', ')}); name the channel the bot serves, e.g. "telegram".`;

/** How a connector treats a channel user it has never seen: create a private account, or refuse. */
export const FIRST_CONTACT_POLICIES = ['create', 'refuse'] as const;
export type FirstContactPolicy = (typeof FIRST_CONTACT_POLICIES)[number];
