/**
 * Upstream identity providers for the web console's sign-in (authorization code + PKCE, state,
 * nonce), through `openid-client`: any OIDC issuer (Google, Microsoft Entra, Okta, Keycloak…)
 * by discovery, and GitHub, which speaks plain OAuth 2 and has its user read from its API.
 * A verified sign-in becomes a channel: `github`/<numeric id> or `oidc`/<issuer>:<sub>, the same
 * channels that bearer tokens from those providers map to, so every path reaches one user.
 */
import * as oidc from 'openid-client';
import { z } from 'zod';
import { KairosError } from '../../core/errors.js';
import type { ChannelRef } from '../../identity/users.js';

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'A provider id is 1–32 lowercase letters, digits or dashes (it appears in the callback URL).' });
const Common = {
  id: Id,
  name: z.string().trim().min(1).max(60).optional(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  scopes: z.array(z.string().min(1)).optional(),
};
export const LoginProviderSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('oidc'),
    ...Common,
    issuer: z.url(),
    /** How the client secret is sent to the token endpoint; RFC 6749 makes Basic the one every server supports. */
    tokenEndpointAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  }),
  z.strictObject({
    kind: z.literal('github'),
    ...Common,
    /** Overrides for GitHub Enterprise Server. */
    authorizationUrl: z.url().default('https://github.com/login/oauth/authorize'),
    tokenUrl: z.url().default('https://github.com/login/oauth/access_token'),
    apiUrl: z.url().default('https://api.github.com'),
  }),
]);
export type LoginProviderConfig = z.infer<typeof LoginProviderSchema>;
export const LoginProvidersSchema = z.array(LoginProviderSchema).refine((list) => new Set(list.map((p) => p.id)).size === list.length, {
  error: 'Each provider needs its own id.',
});

/** The shorthand variables for the three common providers, in addition to KAIROS_LOGIN_PROVIDERS. */
export function shorthandProviders(env: NodeJS.ProcessEnv): unknown[] {
  const out: unknown[] = [];
  if (env.KAIROS_GITHUB_CLIENT_ID && env.KAIROS_GITHUB_CLIENT_SECRET) {
    out.push({ id: 'github', kind: 'github', name: 'GitHub', clientId: env.KAIROS_GITHUB_CLIENT_ID, clientSecret: env.KAIROS_GITHUB_CLIENT_SECRET });
  }
  if (env.KAIROS_GOOGLE_CLIENT_ID && env.KAIROS_GOOGLE_CLIENT_SECRET) {
    out.push({
      id: 'google',
      kind: 'oidc',
      name: 'Google',
      issuer: 'https://accounts.google.com',
      clientId: env.KAIROS_GOOGLE_CLIENT_ID,
      clientSecret: env.KAIROS_GOOGLE_CLIENT_SECRET,
    });
  }
  if (env.KAIROS_MICROSOFT_CLIENT_ID && env.KAIROS_MICROSOFT_CLIENT_SECRET) {
    // A tenant id, not "common": the multi-tenant metadata's issuer is a template that no
    // ID token matches, and a sign-in must be checked against the issuer that signed it.
    const tenant = env.KAIROS_MICROSOFT_TENANT;
    if (!tenant)
      throw new KairosError('invalid_input', 'KAIROS_MICROSOFT_TENANT must name your Entra tenant id (multi-tenant "common" sign-in is not supported).');
    out.push({
      id: 'microsoft',
      kind: 'oidc',
      name: 'Microsoft',
      issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
      clientId: env.KAIROS_MICROSOFT_CLIENT_ID,
      clientSecret: env.KAIROS_MICROSOFT_CLIENT_SECRET,
    });
  }
  return out;
}

export interface SignInStart {
  url: URL;
  nonce: string;
  verifier: string;
}

export interface VerifiedSignIn {
  channel: ChannelRef;
  displayName?: string;
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** One configured provider: builds authorization URLs and verifies callbacks. */
export class LoginProvider {
  private config: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly cfg: LoginProviderConfig,
    /** A function: the server's own URL is known only once it listens. */
    private readonly callbackUrl: () => string,
  ) {}

  get id(): string {
    return this.cfg.id;
  }

  get name(): string {
    return this.cfg.name ?? (this.cfg.kind === 'github' ? 'GitHub' : new URL(this.cfg.issuer).host);
  }

  private configuration(): Promise<oidc.Configuration> {
    this.config ??= (async () => {
      const cfg = this.cfg;
      if (cfg.kind === 'github') {
        const config = new oidc.Configuration(
          { issuer: 'https://github.com', authorization_endpoint: cfg.authorizationUrl, token_endpoint: cfg.tokenUrl },
          cfg.clientId,
          undefined,
          oidc.ClientSecretPost(cfg.clientSecret),
        );
        if (isLoopback(new URL(cfg.tokenUrl))) oidc.allowInsecureRequests(config);
        return config;
      }
      const issuer = new URL(cfg.issuer);
      const auth = cfg.tokenEndpointAuth === 'client_secret_post' ? oidc.ClientSecretPost(cfg.clientSecret) : oidc.ClientSecretBasic(cfg.clientSecret);
      // Plain http only for an issuer on this machine (development and tests).
      return oidc.discovery(
        issuer,
        cfg.clientId,
        undefined,
        auth,
        isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      );
    })().catch((e: unknown) => {
      this.config = undefined;
      throw new KairosError('unavailable', `Could not reach the sign-in provider ${this.name}: ${e instanceof Error ? e.message : String(e)}`);
    });
    return this.config;
  }

  async start(state: string): Promise<SignInStart> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const scope = (this.cfg.scopes ?? (this.cfg.kind === 'github' ? ['read:user'] : ['openid', 'email', 'profile'])).join(' ');
    const params: Record<string, string> = {
      redirect_uri: this.callbackUrl(),
      scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    if (this.cfg.kind === 'oidc') params.nonce = nonce;
    return { url: oidc.buildAuthorizationUrl(config, params), nonce, verifier };
  }

  /** Exchanges the callback's code and returns the verified identity; throws `unauthorized`. */
  async finish(callback: URL, checks: { state: string; nonce: string; verifier: string }): Promise<VerifiedSignIn> {
    const config = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        ...(this.cfg.kind === 'oidc' ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
      });
      if (this.cfg.kind === 'oidc') {
        const claims = tokens.claims();
        if (!claims?.sub) throw new Error('the ID token has no subject');
        const display = typeof claims.email === 'string' ? claims.email : typeof claims.name === 'string' ? claims.name : undefined;
        return { channel: { type: 'oidc', uid: `${String(claims.iss)}:${claims.sub}` }, ...(display ? { displayName: display } : {}) };
      }
      const res = await fetch(`${this.cfg.apiUrl.replace(/\/$/, '')}/user`, {
        headers: { Authorization: `Bearer ${tokens.access_token}`, Accept: 'application/vnd.github+json', 'User-Agent': 'kairos' },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`GitHub answered ${res.status} for the signed-in user`);
      const user = z.object({ id: z.number(), login: z.string() }).parse(await res.json());
      return { channel: { type: 'github', uid: String(user.id) }, displayName: user.login };
    } catch (e) {
      throw new KairosError('unauthorized', `Sign-in with ${this.name} did not complete: ${e instanceof Error ? e.message : String(e)}. Try again.`);
    }
  }
}
