/** What the authorization server's routes share: their dependencies and RFC 6749 error answers. */
import type { Context } from 'hono';
import { describeUnsafe, unsafeIn } from '../../core/text.js';
import type { SqlDb } from '../../identity/sql.js';
import type { RateLimiter } from '../../ratelimit/index.js';
import type { WebSessions } from '../web/session.js';
import type { ClientMetadataDocuments } from './clientMetadata.js';
import type { AccessTokens } from './tokens.js';

export interface OAuthServerDeps {
  db: SqlDb;
  tokens: AccessTokens;
  sessions: WebSessions;
  limiter: RateLimiter;
  /** The deployment's base URL; also the issuer identifier. */
  publicUrl(): string;
  now(): Date;
  newNonce(): string;
  clientAddress(c: Context): string | undefined;
  /** Dynamic registrations per client address per hour. */
  registrationsPerHour?: number;
  /** Clients identified by a metadata document URL (CIMD); without it such client_ids are unknown. */
  clientMetadata?: ClientMetadataDocuments;
}

/** What the authorization and token endpoints need of a client, registered or described by a metadata document. */
export interface KnownClient {
  clientId: string;
  clientName: string | null;
  redirectUris: string[];
  secretHash: string | null;
  /** Set for a metadata-document client: the host of its client_id URL (shown on the consent page). */
  documentHost?: string;
}

/** The protected resource every token is bound to (RFC 8707). */
export function mcpResource(deps: Pick<OAuthServerDeps, 'publicUrl'>): string {
  return `${deps.publicUrl()}/mcp`;
}

export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

function oauthJson(c: Context, e: OAuthError): Response {
  if (e.status === 401) c.header('WWW-Authenticate', 'Basic realm="kairos"');
  return c.json({ error: e.error, error_description: e.description }, e.status);
}

/** Runs a handler, answering an OAuthError as RFC 6749 JSON (other errors go to the app's handler). */
export function oauthErrors(handler: (c: Context) => Promise<Response>): (c: Context) => Promise<Response> {
  return async (c) => {
    try {
      return await handler(c);
    } catch (e) {
      if (e instanceof OAuthError) return oauthJson(c, e);
      throw e;
    }
  };
}

/**
 * An application/x-www-form-urlencoded body as strings. Anything else, an unreadable body, or a
 * NUL / lone surrogate in a name or value is invalid_request, before any lookup.
 */
export async function formFields(c: Context): Promise<Record<string, string | undefined>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  }
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    throw new OAuthError('invalid_request', 'The form body could not be read.');
  }
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') continue;
    const kind = unsafeIn(k) ?? unsafeIn(v);
    if (kind) throw new OAuthError('invalid_request', describeUnsafe({ path: unsafeIn(k) ? 'a parameter name' : k, kind }));
    out[k] = v;
  }
  return out;
}

/** Checks a value that arrived outside the form (Basic credentials); same rule as formFields. */
export function refuseUnsafeParam(name: string, value: string): void {
  const kind = unsafeIn(value);
  if (kind) throw new OAuthError('invalid_request', describeUnsafe({ path: name, kind }));
}
