/**
 * Service-mode settings, read from the environment and validated once at start. Secrets
 * (DATABASE_URL, KAIROS_MASTER_KEY) are passed through and never logged.
 */
import { z } from 'zod';
import { OidcIssuersSchema, type OidcIssuer } from '../auth/jwt.js';
import { LoginProvidersSchema, shorthandProviders, type LoginProviderConfig } from '../auth/web/providers.js';
import { KairosError } from '../core/errors.js';

export interface ServiceConfig {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** KAIROS_REDIS_PREFIX: the start of every Redis key and channel (several deployments can share one Redis). */
  redisPrefix: string;
  githubApiUrl: string;
  oidcIssuers: OidcIssuer[];
  /** Authorization servers listed in /.well-known/oauth-protected-resource. */
  authServers: string[];
  /** The URL clients use to reach this deployment (behind TLS termination); default: the bound address. */
  publicUrl: string | undefined;
  allowLocalEmbedder: boolean;
  /** Requests per principal per minute. */
  rateLimitPerMinute: number;
  /** Failed sign-ins per client address per minute before that address gets 429s. */
  authFailuresPerMinute: number;
  /** Take the client address from X-Forwarded-For (last entry): only behind a reverse proxy you run. */
  trustProxy: boolean;
  /** KAIROS_EGRESS_ALLOW: internal addresses/CIDRs embedding endpoints may reach (see embeddings/egress.ts). */
  egressAllow?: string | undefined;
  /** Upstream identity providers of the web sign-in (KAIROS_LOGIN_PROVIDERS plus the shorthands). */
  loginProviders: LoginProviderConfig[];
  /** Lifetime of the built-in authorization server's access tokens, in seconds. */
  oauthAccessTtlS: number;
  /** Deployment admins (KAIROS_ADMINS): sign-in identities allowed to manage connectors. */
  admins: Array<{ type: string; uid: string }>;
  /** Requests per connector per minute, all its channel users together. */
  connectorRateLimitPerMinute: number;
  /** How long fetching an MCP client's metadata document (CIMD) may take, in ms. */
  clientMetadataTimeoutMs: number;
}

/** `github:12345,oidc:https://login.example.com:alice` → channel refs (split at the first colon). */
function parseAdmins(raw: string | undefined): Array<{ type: string; uid: string }> {
  if (!raw?.trim()) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      if (at < 1 || at === entry.length - 1) {
        throw new KairosError('invalid_input', `KAIROS_ADMINS entries are "<channel type>:<id>", e.g. "github:12345" (got "${entry.slice(0, 80)}").`);
      }
      return { type: entry.slice(0, at), uid: entry.slice(at + 1) };
    });
}

function redisPrefix(raw: string | undefined): string {
  if (!raw) return 'kairos';
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(raw))
    throw new KairosError('invalid_input', 'KAIROS_REDIS_PREFIX may hold only letters, digits and _ : . - (at most 64).');
  return raw;
}

export function isServiceMode(env: NodeJS.ProcessEnv): boolean {
  return env.KAIROS_MODE === 'service' || (!!env.DATABASE_URL && env.KAIROS_MODE !== 'local');
}

function json<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = env[name];
  if (!raw) return fallback;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new KairosError('invalid_input', `${name} must be JSON.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new KairosError('invalid_input', `${name} is invalid: ${parsed.error.issues[0]?.message ?? 'bad value'}.`);
  return parsed.data;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name] ?? String(fallback));
  if (!Number.isInteger(n) || n < 1) throw new KairosError('invalid_input', `${name} must be a positive whole number.`);
  return n;
}

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const rate = positiveInt(env, 'KAIROS_RATE_LIMIT_PER_MINUTE', 600);
  const authFailures = positiveInt(env, 'KAIROS_AUTH_FAILURES_PER_MINUTE', 20);
  const authServers = env.KAIROS_AUTH_SERVERS
    ? env.KAIROS_AUTH_SERVERS.trim().startsWith('[')
      ? json(env, 'KAIROS_AUTH_SERVERS', z.array(z.url()), [])
      : env.KAIROS_AUTH_SERVERS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
    : [];
  const loginProviders = LoginProvidersSchema.safeParse([...json(env, 'KAIROS_LOGIN_PROVIDERS', z.array(z.unknown()), []), ...shorthandProviders(env)]);
  if (!loginProviders.success) {
    const issue = loginProviders.error.issues[0];
    throw new KairosError(
      'invalid_input',
      `KAIROS_LOGIN_PROVIDERS is invalid at ${issue?.path.join('.') || 'the top'}: ${issue?.message ?? 'bad value'}. See docs/auth.md.`,
    );
  }
  return {
    loginProviders: loginProviders.data,
    oauthAccessTtlS: positiveInt(env, 'KAIROS_OAUTH_ACCESS_TTL_S', 600),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: redisPrefix(env.KAIROS_REDIS_PREFIX),
    githubApiUrl: env.KAIROS_GITHUB_API_URL || 'https://api.github.com',
    oidcIssuers: json(env, 'KAIROS_OIDC_ISSUERS', OidcIssuersSchema, []),
    authServers,
    publicUrl: env.KAIROS_PUBLIC_URL?.replace(/\/$/, '') || undefined,
    allowLocalEmbedder: env.KAIROS_ALLOW_LOCAL_EMBEDDER === '1',
    rateLimitPerMinute: rate,
    authFailuresPerMinute: authFailures,
    trustProxy: env.KAIROS_TRUST_PROXY === '1',
    admins: parseAdmins(env.KAIROS_ADMINS),
    connectorRateLimitPerMinute: positiveInt(env, 'KAIROS_CONNECTOR_RATE_LIMIT_PER_MINUTE', 6000),
    egressAllow: env.KAIROS_EGRESS_ALLOW,
    clientMetadataTimeoutMs: positiveInt(env, 'KAIROS_CLIENT_METADATA_TIMEOUT_MS', 5000),
  };
}
