/**
 * OIDC / JWT bearer tokens (Entra, Google, Auth0, Clerk, Firebase…): verified with jose against
 * the issuer's JWKS. Only allow-listed issuers are accepted, each with its audience; expiry is
 * required, with 60 s of clock skew. The channel is `oidc` / `<issuer>:<sub>`.
 */
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Principal } from '../core/tenancy.js';
import type { VerifiedChannel } from './principal.js';

export const OidcIssuerSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  jwksUri: z.url().optional(),
});
export type OidcIssuer = z.infer<typeof OidcIssuerSchema>;
export const OidcIssuersSchema = z.array(OidcIssuerSchema);

export const CLOCK_SKEW_S = 60;

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Scopes from `scope` / `scp`: no claim means a full user token; otherwise only read/write/admin (optionally `kairos:`-prefixed) count. */
function scopesOf(payload: JWTPayload): Principal['scopes'] {
  const raw = payload.scope ?? payload.scp;
  if (raw === undefined) return ['read', 'write', 'admin'];
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(/\s+/);
  const out = new Set<'read' | 'write' | 'admin'>();
  for (const s of list) {
    const name = s.replace(/^kairos[:.]/, '');
    if (name === 'read' || name === 'write' || name === 'admin') out.add(name);
  }
  return [...out];
}

export class OidcVerifier {
  private readonly jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(private readonly issuers: readonly OidcIssuer[]) {}

  private async keySet(cfg: OidcIssuer): Promise<ReturnType<typeof createRemoteJWKSet>> {
    let set = this.jwks.get(cfg.issuer);
    if (!set) {
      let uri = cfg.jwksUri;
      if (!uri) {
        const res = await fetch(`${cfg.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
        const doc = z.object({ jwks_uri: z.url() }).parse(await res.json());
        uri = doc.jwks_uri;
      }
      set = createRemoteJWKSet(new URL(uri));
      this.jwks.set(cfg.issuer, set);
    }
    return set;
  }

  /** The identity in `token`, or undefined when it is not a valid token of an allowed issuer. */
  async verify(token: string): Promise<VerifiedChannel | undefined> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    const cfg = this.issuers.find((i) => i.issuer === iss);
    if (!cfg) return undefined;
    try {
      const { payload } = await jwtVerify(token, await this.keySet(cfg), {
        issuer: cfg.issuer,
        audience: cfg.audience,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp', 'sub'],
      });
      return { channel: { type: 'oidc', uid: `${cfg.issuer}:${payload.sub!}` }, scopes: scopesOf(payload) };
    } catch {
      return undefined;
    }
  }
}
