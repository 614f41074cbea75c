/** RFC 7591 dynamic client registration, with Kairos's policy on redirect URIs and grants. */
import { OAuthClientMetadataSchema, type OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Hono } from 'hono';
import { z } from 'zod';
import { describeUnsafe, findUnsafe } from '../../core/text.js';
import { audit } from '../../identity/audit.js';
import { newSecret, registerClient } from '../../identity/oauthStore.js';
import { enforce } from '../../ratelimit/index.js';
import { OAuthError, oauthErrors, type OAuthServerDeps } from './shared.js';

/** Loopback hosts may use plain http (RFC 8252 §7.3); everything else needs https or a private-use scheme. */
function redirectUriAllowed(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.hash) return false;
  if (u.protocol === 'https:') return true;
  if (u.protocol === 'http:') return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  // Private-use schemes of native apps (RFC 8252 §7.1): reverse-domain or app names like vscode:, cursor:.
  return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) && !['javascript:', 'data:', 'file:', 'blob:', 'about:', 'vbscript:'].includes(u.protocol);
}

const RegistrationPolicy = z.object({
  redirect_uris: z
    .array(z.string())
    .min(1)
    .max(10)
    .refine((l) => l.every(redirectUriAllowed), {
      error: 'Each redirect URI must be https, http on a loopback host (127.0.0.1, localhost, [::1]), or a private-use app scheme, with no fragment.',
    }),
  token_endpoint_auth_method: z.enum(['none', 'client_secret_post', 'client_secret_basic']).default('none'),
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token'])).default(['authorization_code', 'refresh_token']),
  response_types: z.array(z.literal('code')).default(['code']),
  client_name: z.string().trim().min(1).max(100).optional(),
});

/** Client metadata (a registration body or a metadata document) checked against the SDK schema and Kairos's policy. */
export type CheckedClientMetadata =
  { ok: true; meta: OAuthClientMetadata; policy: z.infer<typeof RegistrationPolicy> } | { ok: false; field: string | undefined; problem: string };

export function checkClientMetadata(body: unknown): CheckedClientMetadata {
  const unsafe = findUnsafe(body);
  if (unsafe) return { ok: false, field: undefined, problem: describeUnsafe(unsafe) };
  const meta = OAuthClientMetadataSchema.safeParse(body);
  if (!meta.success) return { ok: false, field: undefined, problem: meta.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
  const policy = RegistrationPolicy.safeParse(meta.data);
  if (!policy.success) {
    const issue = policy.error.issues[0];
    return { ok: false, field: issue?.path[0]?.toString(), problem: `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'not allowed'}` };
  }
  return { ok: true, meta: meta.data, policy: policy.data };
}

export function registrationRoutes(r: Hono, deps: OAuthServerDeps): void {
  r.post(
    '/register',
    oauthErrors(async (c) => {
      const who = deps.clientAddress(c);
      await enforce(
        deps.limiter,
        `oauth-reg:${who ?? 'unknown'}`,
        { limit: deps.registrationsPerHour ?? 30, windowMs: 3_600_000 },
        'client registrations from this address',
      );
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new OAuthError('invalid_client_metadata', 'The body must be a JSON object of client metadata (RFC 7591).');
      }
      const checked = checkClientMetadata(body);
      if (!checked.ok) throw new OAuthError(checked.field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', checked.problem);
      const { meta, policy: p } = checked;
      const secret = p.token_endpoint_auth_method === 'none' ? null : newSecret('kcs_');
      const stored = {
        ...meta,
        redirect_uris: p.redirect_uris,
        token_endpoint_auth_method: p.token_endpoint_auth_method,
        grant_types: p.grant_types,
        response_types: p.response_types,
      };
      const client = await registerClient(deps.db, { clientName: p.client_name ?? null, redirectUris: p.redirect_uris, metadata: stored, secret });
      await audit(deps.db, 'oauth.client_registered', null, client.clientId);
      return c.json(
        {
          ...stored,
          client_id: client.clientId,
          client_id_issued_at: Math.floor(new Date(client.createdAt).getTime() / 1000),
          ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
        },
        201,
      );
    }),
  );
}
