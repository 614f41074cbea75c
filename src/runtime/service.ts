/**
 * Service-mode composition root: the multi-tenant sibling of local.ts. Opens the identity store
 * (PostgreSQL or embedded PGlite), the vector store, the master key and the rate limiter, and
 * builds each request's TenantContext from the verified Principal only: the personal space
 * `kairos_user_<uid>` (owner) plus one `kairos_org_<oid>` per membership with its role, and the
 * tenant's own embedder. No tenant state outlives a request.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { KairosConfig } from '../config.js';
import { orgSpace, userSpace } from '../core/memory.js';
import type { MemoryService } from '../core/memoryService.js';
import type { Clock, Embedder, IdGenerator, VectorStore } from '../core/ports.js';
import type { SpaceGrant, TenantContext } from '../core/tenancy.js';
import { Authenticator, type AuthTarget } from '../auth/authenticator.js';
import { unlinkedMessage, type ChannelClaim } from '../auth/connector.js';
import { credentialPath, FailedAuthGuard } from '../auth/failedAuthGuard.js';
import { GitHubVerifier } from '../auth/github.js';
import { OidcVerifier } from '../auth/jwt.js';
import { mcpResource } from '../auth/oauth/shared.js';
import { AccessTokens } from '../auth/oauth/tokens.js';
import type { ServicePrincipal } from '../auth/principal.js';
import { loadOrCreateMasterKeyFile, masterKeyRingFromEnv, type MasterKeyRing } from '../identity/byok.js';
import { identityDbConfig, openIdentityDb, type IdentityDbConfig } from '../identity/open.js';
import { membershipsOf } from '../identity/orgs.js';
import type { SqlDb } from '../identity/sql.js';
import { sha256Hex } from '../identity/ids.js';
import { enforce, openRateLimiter, type RateLimiter } from '../ratelimit/index.js';
import { createLogger } from '../util/logger.js';
import { AccountService, type AccountDeps } from './accounts.js';
import { ConnectorAdmin } from './connectors.js';
import { InProcessEventHub, type EventHub } from './events.js';
import { ObservedMemoryService } from './observedService.js';
import { RedisEventHub } from './redisEvents.js';
import { openConfiguredEmbedder, openConfiguredStore } from './adapters.js';
import type { ServiceConfig } from './serviceConfig.js';
import { missingKeyEmbedder, SERVICE_KEY_SOURCE, TenantEmbedders, verifyEmbeddingSettings } from './tenantEmbedder.js';
import { serviceEgress, type ServiceEgress } from '../embeddings/index.js';
import { ensureHome } from './token.js';

const log = createLogger('service');

export interface ServiceRuntime {
  readonly db: SqlDb;
  readonly store: VectorStore;
  readonly limiter: RateLimiter;
  /** Memory events: through Redis when REDIS_URL is set (every instance), else in this process. */
  readonly events: EventHub;
  readonly accounts: AccountService;
  readonly connectors: ConnectorAdmin;
  readonly config: ServiceConfig;
  /**
   * Verifies a bearer token; throws `unauthorized`. With the client's address, an address over
   * its failed sign-ins per minute gets `rate_limited` before the token is looked at. `claim`: the
   * channel user a connector names (X-Kairos-Channel-User); any other credential must name none.
   */
  authenticate(token: string, client?: string, target?: AuthTarget, claim?: ChannelClaim): Promise<ServicePrincipal>;
  /** The master keys (BYOK sealing; derived keys for access tokens and form tokens). */
  readonly ring: MasterKeyRing;
  /** Access tokens of the built-in authorization server. */
  readonly tokens: AccessTokens;
  /** The guarded fetch and policy for user-chosen destinations (embedding endpoints, client metadata documents). */
  readonly egress: ServiceEgress;
  now(): Date;
  /** The tenant context of a verified principal (spaces from its memberships, its embedder). */
  context(principal: ServicePrincipal): Promise<TenantContext>;
  service(ctx: TenantContext): MemoryService;
  /**
   * Counts one request against the principal's rate limit (a connector's: against the connector's
   * and its channel user's); throws `rate_limited`.
   */
  rateLimit(principal: ServicePrincipal): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceRuntimeOptions {
  store?: VectorStore;
  identity?: IdentityDbConfig;
  ring?: MasterKeyRing;
  limiter?: RateLimiter;
  events?: EventHub;
  clock?: Clock;
  ids?: IdGenerator;
  verifyEmbedder?: AccountDeps['verifyEmbedder'];
  /** The deployment's base URL, once known (the server binds its port after the runtime opens). */
  publicUrl?: () => string;
}

/** The master key: KAIROS_MASTER_KEY in the environment, or (embedded) $KAIROS_HOME/master.key, created mode 0600. */
export function resolveMasterKeys(env: NodeJS.ProcessEnv, home: string): MasterKeyRing {
  return masterKeyRingFromEnv(env) ?? loadOrCreateMasterKeyFile(home);
}

export async function openServiceRuntime(
  config: KairosConfig,
  service: ServiceConfig,
  env: NodeJS.ProcessEnv = process.env,
  opts: ServiceRuntimeOptions = {},
): Promise<ServiceRuntime> {
  ensureHome(config.home);
  if (config.store.kind === 'embedded') mkdirSync(config.store.dataDir, { recursive: true, mode: 0o700 });
  const ring = opts.ring ?? resolveMasterKeys(env, config.home);
  const db = await openIdentityDb(opts.identity ?? identityDbConfig(env, config.home));
  const store = opts.store ?? (await openConfiguredStore(config));
  const limiter = opts.limiter ?? openRateLimiter(service.redisUrl, `${service.redisPrefix}:rl`);
  const events = opts.events ?? (service.redisUrl ? RedisEventHub.connect(service.redisUrl, service.redisPrefix) : new InProcessEventHub());
  const clock: Clock = opts.clock ?? { now: () => new Date() };
  const ids: IdGenerator = opts.ids ?? { newId: () => randomUUID() };

  let local: Promise<Embedder> | undefined;
  const egress = serviceEgress(service.egressAllow, SERVICE_KEY_SOURCE);
  const embedders = new TenantEmbedders({
    db,
    ring,
    egress,
    ...(service.allowLocalEmbedder ? { localEmbedder: () => (local ??= openConfiguredEmbedder(config.embedder, env)) } : {}),
  });
  const publicUrl = opts.publicUrl ?? (() => service.publicUrl ?? `http://${config.host}:${config.port}`);
  const tokens = new AccessTokens(ring, publicUrl, service.oauthAccessTtlS);
  const authenticator = new Authenticator({
    db,
    oauth: { tokens, resource: () => mcpResource({ publicUrl }) },
    github: new GitHubVerifier({ apiUrl: service.githubApiUrl }),
    ...(service.oidcIssuers.length ? { oidc: new OidcVerifier(service.oidcIssuers) } : {}),
    now: () => clock.now(),
  });
  const memoryService = (ctx: TenantContext): MemoryService =>
    new ObservedMemoryService(ctx, { store, clock, ids, similarThreshold: config.similarThreshold }, events);
  const context = async (principal: ServicePrincipal): Promise<TenantContext> => {
    // A channel user Kairos does not know (policy "refuse"): no account, so no space and no key.
    if (principal.unlinked) return { principal, spaces: [], embedder: missingKeyEmbedder(), refusal: unlinkedMessage(principal.channel!.type) };
    const memberships = await membershipsOf(db, principal.uid);
    const own = await embedders.forTenant(
      principal.uid,
      memberships.map((m) => m.oid),
    );
    const spaces: SpaceGrant[] = [
      { space: userSpace(principal.uid), role: 'owner', label: 'Personal', kind: 'personal' },
      ...memberships.map((m): SpaceGrant => ({ space: orgSpace(m.oid), role: m.role, label: m.name, kind: 'org' })),
    ];
    const spaceEmbedders = new Map([...own.orgs].map(([oid, e]) => [orgSpace(oid), e]));
    return { principal, spaces, embedder: own.personal, ...(spaceEmbedders.size ? { spaceEmbedders } : {}) };
  };
  const accounts = new AccountService({
    db,
    ring,
    store,
    limiter,
    now: () => clock.now(),
    serviceFor: async (p) => memoryService(await context(p)),
    verifyEmbedder: opts.verifyEmbedder ?? ((s) => verifyEmbeddingSettings(s, egress)),
  });
  const rule = { limit: service.rateLimitPerMinute, windowMs: 60_000 };
  const connectorRule = { limit: service.connectorRateLimitPerMinute, windowMs: 60_000 };
  const rateLimit = async (p: ServicePrincipal): Promise<void> => {
    if (p.connector) await enforce(limiter, `req:connector:${p.connector.id}`, connectorRule, 'requests through this connector');
    // An unlinked channel user has no uid yet: count it by its channel identity (hashed, never stored).
    const key = p.uid ? `req:${p.uid}` : `req:channel:${sha256Hex(`${p.channel?.type}:${p.channel?.uid}`).slice(0, 32)}`;
    await enforce(limiter, key, rule, 'requests');
  };
  const failedAuth = new FailedAuthGuard(limiter, { limit: service.authFailuresPerMinute, windowMs: 60_000 });
  log.info('service runtime open', { identity: db.kind, store: store.kind, limiter: limiter.kind, events: events.kind, masterKey: ring.current.id });

  let closed: Promise<void> | undefined;
  return {
    db,
    store,
    limiter,
    events,
    accounts,
    config: service,
    ring,
    tokens,
    egress,
    now: () => clock.now(),
    connectors: new ConnectorAdmin({ db, admins: service.admins, now: () => clock.now() }),
    authenticate: (token, client, target, claim) => failedAuth.guard(client, credentialPath(token), () => authenticator.authenticate(token, target, claim)),
    context,
    service: memoryService,
    rateLimit,
    close: () =>
      (closed ??= (async () => {
        await limiter.close();
        await events.close();
        await store.close();
        await db.close();
      })()),
  };
}
