/**
 * Kairos as the OAuth 2.1 authorization server of its own /mcp resource, for any MCP client that
 * follows the MCP authorization spec: RFC 8414 metadata (here), RFC 7591 registration
 * (register.ts), the authorization endpoint with a consent page behind the web sign-in
 * (authorize.ts), Client ID Metadata Documents as the alternative to registering (clientMetadata.ts),
 * and the token and RFC 7009 revocation endpoints (token.ts). Every token is bound
 * to one resource, the /mcp URL (RFC 8707); tokens for anything else are refused. Errors follow
 * RFC 6749 §4.1.2.1/§5.2 ({ error, error_description }).
 */
import { Hono } from 'hono';
import { authorizeRoutes } from './authorize.js';
import { registrationRoutes } from './register.js';
import { ALL_OAUTH_SCOPES } from './scopes.js';
import type { OAuthServerDeps } from './shared.js';
import { tokenRoutes } from './token.js';

export type { OAuthServerDeps } from './shared.js';

export function oauthServerRoutes(deps: OAuthServerDeps): { wellKnown: Hono; oauth: Hono } {
  const issuer = (): string => deps.publicUrl();
  const metadata = () => ({
    issuer: issuer(),
    authorization_endpoint: `${issuer()}/oauth/authorize`,
    token_endpoint: `${issuer()}/oauth/token`,
    registration_endpoint: `${issuer()}/oauth/register`,
    revocation_endpoint: `${issuer()}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    scopes_supported: ALL_OAUTH_SCOPES,
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer()}/auth/signin`,
    // A client may use the URL of its metadata document as client_id instead of registering (clientMetadata.ts).
    ...(deps.clientMetadata ? { client_id_metadata_document_supported: true } : {}),
  });

  const wellKnown = new Hono();
  wellKnown.get('/oauth-authorization-server', (c) => c.json(metadata()));

  const oauth = new Hono();
  registrationRoutes(oauth, deps);
  authorizeRoutes(oauth, deps);
  tokenRoutes(oauth, deps);
  return { wellKnown, oauth };
}
