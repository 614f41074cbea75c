/**
 * `kairos serve` in service mode (KAIROS_MODE=service, or DATABASE_URL set): many users, every
 * request authenticated and resolved to its tenant. Stateless apart from the shared stores, so
 * any number of instances can run behind a load balancer.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KairosConfig } from '../config.js';
import { KairosError } from '../core/errors.js';
import type { ServicePrincipal } from '../auth/principal.js';
import { handleMcpRequest } from '../mcp/http.js';
import { openServiceRuntime, type ServiceRuntime, type ServiceRuntimeOptions } from '../runtime/service.js';
import type { ServiceConfig } from '../runtime/serviceConfig.js';
import { createLogger } from '../util/logger.js';
import { kairosVersion } from '../util/version.js';
import { createApp } from './app.js';
import { ALL_OAUTH_SCOPES } from '../auth/oauth/scopes.js';
import { ClientMetadataDocuments } from '../auth/oauth/clientMetadata.js';
import { oauthServerRoutes } from '../auth/oauth/routes.js';
import { mcpResource } from '../auth/oauth/shared.js';
import { LoginProvider } from '../auth/web/providers.js';
import { webAuthRoutes } from '../auth/web/routes.js';
import { WebSessions } from '../auth/web/session.js';
import { clientAddress } from './clientAddress.js';
import { findWebviewDir, newNonce } from './console.js';
import { ConsoleAuth } from './consoleAuth.js';
import { serviceRoutes } from './routes/service.js';

const log = createLogger('server');

export interface RunningServiceServer {
  url: string;
  port: number;
  runtime: ServiceRuntime;
  close(): Promise<void>;
}

export async function startServiceServer(
  config: KairosConfig,
  service: ServiceConfig,
  env: NodeJS.ProcessEnv = process.env,
  opts: ServiceRuntimeOptions = {},
): Promise<RunningServiceServer> {
  let boundUrl = '';
  const publicUrl = (): string => service.publicUrl ?? boundUrl;
  const runtime = await openServiceRuntime(config, service, env, { publicUrl, ...opts });
  const sessions = new WebSessions({ db: runtime.db, ring: runtime.ring, now: () => runtime.now(), publicUrl });
  const providers = service.loginProviders.map((p) => new LoginProvider(p, () => `${publicUrl()}/auth/callback/${p.id}`));
  const { wellKnown, oauth } = oauthServerRoutes({
    db: runtime.db,
    tokens: runtime.tokens,
    sessions,
    limiter: runtime.limiter,
    publicUrl,
    now: () => runtime.now(),
    newNonce,
    clientAddress: (c) => clientAddress(c, service.trustProxy),
    clientMetadata: new ClientMetadataDocuments({
      fetch: runtime.egress.runtime.fetch,
      db: runtime.db,
      limiter: runtime.limiter,
      nowMs: () => runtime.now().getTime(),
      timeoutMs: service.clientMetadataTimeoutMs,
    }),
  });
  const webAuth = webAuthRoutes({ db: runtime.db, sessions, providers, now: () => runtime.now(), newNonce });
  const webviewDir = findWebviewDir();
  const { app, closeStreams } = createApp({
    ...(webviewDir ? { webviewDir } : {}),
    verifyToken: () => false,
    service: () => {
      throw new KairosError('unauthorized', 'Authentication required.');
    },
    // Delivered per subscriber by space (routes/events.ts), through Redis when instances share it.
    events: runtime.events,
    consoleAuth: new ConsoleAuth(),
    settings: {
      get: () => ({ mode: 'remote', embedder: { provider: 'byok', model: 'per-user', dimension: 0 } }),
      update: async () => {
        throw new KairosError('invalid_input', 'In service mode, set your embedding key with PUT /v1/settings/embedder-key.');
      },
    },
    health: () => ({ store: runtime.store.kind, embedder: { provider: 'byok', model: 'per-user', dimension: 0 } }),
    publicUrl,
    mcp: (req, svc) => {
      const p = svc.ctx.principal as ServicePrincipal;
      return handleMcpRequest(req, svc, {
        version: kairosVersion(),
        accountLinking: {
          createCode: () => runtime.accounts.createLinkCode(p),
          redeem: (code, o) => runtime.accounts.redeemLinkCode(p, code, o),
          listChannels: () => runtime.accounts.listChannels(p),
          unlink: async (channel) => {
            const target = channel ?? p.channel;
            if (!target) throw new KairosError('invalid_input', 'Name the channel to unlink: "channel": { "type", "uid" } (see action "list_channels").');
            await runtime.accounts.unlink(p, target);
            return target;
          },
        },
      });
    },
    limits: { json: config.maxBodyBytes, import: config.maxImportBytes },
    serviceMode: {
      async resolveBearer(token, client, target, claim) {
        const principal = await runtime.authenticate(token, client, target, claim);
        await runtime.rateLimit(principal);
        return runtime.service(await runtime.context(principal));
      },
      async resolveSession(c) {
        const user = await sessions.user(c);
        if (!user) return undefined;
        const principal: ServicePrincipal = {
          uid: user.uid,
          via: 'session',
          scopes: ['read', 'write', 'admin'],
          ...(user.displayName ? { displayName: user.displayName } : {}),
          // The sign-in the session came from: what a link code redeemed in the console moves.
          ...(user.channel ? { channel: user.channel } : {}),
        };
        await runtime.rateLimit(principal);
        return runtime.service(await runtime.context(principal));
      },
      signedIn: async (c) => (await sessions.uid(c)) !== undefined,
      sameOrigin: (c) => sessions.sameOrigin(c),
      publicRoutes: [
        ['/.well-known', wellKnown],
        ['/oauth', oauth],
        ['/auth', webAuth],
      ],
      trustProxy: service.trustProxy,
      routes: serviceRoutes(runtime.accounts, runtime.connectors),
      protectedResource: () => ({
        resource: mcpResource({ publicUrl }),
        authorization_servers: [publicUrl(), ...service.authServers],
        bearer_methods_supported: ['header'],
        scopes_supported: ALL_OAUTH_SCOPES,
        resource_name: 'Kairos memory',
      }),
    },
  });

  const server = createAdaptorServer({ fetch: app.fetch, hostname: config.host }) as Server;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve((server.address() as AddressInfo).port));
  }).catch(async (e: unknown) => {
    await runtime.close();
    throw e;
  });
  boundUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info('service mode listening', { url: boundUrl });

  let closing: Promise<void> | undefined;
  return {
    url: boundUrl,
    port,
    runtime,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        closeStreams();
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), 10_000).unref();
        await closed;
        clearTimeout(timer);
        await runtime.close();
      })()),
  };
}

/** Runs the service until SIGTERM/SIGINT. */
export async function serveService(config: KairosConfig, service: ServiceConfig): Promise<void> {
  const running = await startServiceServer(config, service);
  process.stdout.write(`Kairos ${kairosVersion()} (service mode) is running at ${running.url}\n`);
  process.stdout.write(`  Identity: ${running.runtime.db.kind} · store: ${running.runtime.store.kind} · rate limits: ${running.runtime.limiter.kind}\n`);
  const base = service.publicUrl ?? running.url;
  const names = service.loginProviders.map((p) => p.name ?? p.id).join(', ');
  process.stdout.write(`  Console: ${base}/  (sign-in with ${names || 'no provider yet: set KAIROS_LOGIN_PROVIDERS, see docs/auth.md'})\n`);
  process.stdout.write(`  MCP endpoint: ${base}/mcp  (OAuth 2.1: clients connect by URL)\n`);
  await new Promise<void>((resolve, reject) => {
    const stop = (): void => {
      running.close().then(resolve, reject);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
