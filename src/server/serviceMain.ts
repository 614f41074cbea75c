/**
 * `kairos serve` in service mode (KAIROS_MODE=service, or DATABASE_URL set): many users, every
 * request authenticated and resolved to its tenant. Stateless apart from the shared stores, so
 * any number of instances can run behind a load balancer.
 */
import type { KairosConfig } from '../config.js';
import { KairosError } from '../core/errors.js';
import type { ServicePrincipal } from '../auth/principal.js';
import { handleMcpRequest } from '../mcp/http.js';
import { openServiceRuntime, type ServiceRuntime, type ServiceRuntimeOptions } from '../runtime/service.js';
import type { ServiceConfig } from '../runtime/serviceConfig.js';
import { serviceSettings } from '../runtime/settings.js';
import { createLogger } from '../util/logger.js';
import { kairosVersion } from '../util/version.js';
import { createApp } from './app.js';
import { ClientMetadataDocuments } from '../auth/oauth/clientMetadata.js';
import { oauthServerRoutes } from '../auth/oauth/routes.js';
import { LoginProvider } from '../auth/web/providers.js';
import { webAuthRoutes } from '../auth/web/routes.js';
import { WebSessions } from '../auth/web/session.js';
import { clientAddress } from './clientAddress.js';
import { findWebviewDir, newNonce } from './console.js';
import { closeOnSignal, listen } from './listen.js';
import { serviceMode } from './serviceMode.js';

const log = createLogger('server');

export interface RunningServiceServer {
  url: string;
  port: number;
  runtime: ServiceRuntime;
  close(): Promise<void>;
  closed: Promise<void>;
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
  const app = createApp({
    webviewDir,
    // Delivered per subscriber by space (routes/events.ts), through Redis when instances share it.
    events: runtime.events,
    settings: serviceSettings(),
    // Each tenant embeds with its own key: there is no deployment-wide embedder to report.
    health: () => ({ store: runtime.store.kind }),
    mcp: (req, svc) => {
      // Service principals only add optional fields (channel, key, connector): no cast needed.
      const p: ServicePrincipal = svc.ctx.principal;
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
    mode: serviceMode({
      runtime,
      sessions,
      publicRoutes: [
        ['/.well-known', wellKnown],
        ['/oauth', oauth],
        ['/auth', webAuth],
      ],
      trustProxy: service.trustProxy,
      authServers: service.authServers,
      publicUrl,
      webviewDir,
    }),
  });

  const http = await listen(app, { host: config.host, port: config.port, fallbackToFreePort: false, release: () => runtime.close() });
  boundUrl = http.url;
  log.info('service mode listening', { url: boundUrl });
  return { url: boundUrl, port: http.port, runtime, close: () => http.close(), closed: http.closed };
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
  await closeOnSignal(running);
}
