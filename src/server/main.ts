/**
 * `kairos serve`: binds the app to host/port, advertises itself in engine.json, and shuts down
 * gracefully (in-flight requests finish, the store is checkpointed and unlocked).
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KairosConfig } from '../config.js';
import { KairosError } from '../core/errors.js';
import { describeEmbedder } from '../core/memoryService.js';
import { handleMcpRequest } from '../mcp/http.js';
import { ClientRegistry } from '../runtime/clients.js';
import { removeEngineFile, writeEngineFile } from '../runtime/engineFile.js';
import { openLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../runtime/local.js';
import { findRunningServer } from '../runtime/discovery.js';
import { localSettings } from '../runtime/settings.js';
import { createLogger } from '../util/logger.js';
import { kairosVersion } from '../util/version.js';
import { consoleLoginUrl, createApp } from './app.js';
import { findWebviewDir } from './console.js';
import { ConsoleAuth } from './consoleAuth.js';
import { watchUnused } from './unused.js';

const log = createLogger('server');

/** How long shutdown waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  url: string;
  port: number;
  runtime: LocalRuntime;
  /** Editor windows registered through /v1/clients. */
  clients: ClientRegistry;
  /** A fresh one-time console login URL. */
  consoleUrl(): string;
  /** Stops accepting, lets in-flight requests finish, closes the store, removes engine.json. */
  close(graceMs?: number): Promise<void>;
  /** Settles when a close (asked for by anyone, or an idle exit) has finished. */
  closed: Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Starts the HTTP server for a local Kairos home. */
export async function startServer(config: KairosConfig, opts: LocalRuntimeOptions = {}): Promise<RunningServer> {
  const running = await findRunningServer(config.home);
  if (running) {
    throw new KairosError(
      'data_dir_locked',
      `Kairos is already running for ${config.home} at ${running.url} (pid ${running.pid}); its data dir is in use. ` +
        `Use that server (MCP: ${running.url}/mcp), or stop it first.`,
    );
  }
  // Start-up phases, logged once listening: where a slow editor start went.
  const bootMs = performance.now(); // since the process started: loading the bundle
  const runtime = await openLocalRuntime(config, opts);
  const openMs = performance.now() - bootMs;
  let publicUrl = '';
  const consoleAuth = new ConsoleAuth();
  const webviewDir = findWebviewDir();
  const clients = new ClientRegistry();
  const { app, closeStreams } = createApp({
    verifyToken: runtime.verifyToken,
    service: runtime.service,
    events: runtime.events,
    consoleAuth,
    settings: localSettings(runtime),
    health: () => ({ store: runtime.store.kind, embedder: runtime.embedder.info }),
    publicUrl: () => publicUrl,
    mcp: (req, service) => handleMcpRequest(req, service, { version: kairosVersion() }),
    limits: { json: config.maxBodyBytes, import: config.maxImportBytes },
    ...(webviewDir ? { webviewDir } : {}),
    local: { clients, exitsWhenUnused: config.exitWhenUnusedMs !== undefined },
  });

  const server = createAdaptorServer({ fetch: app.fetch, hostname: config.host }) as Server;
  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && !config.portExplicit) {
      log.info(`port ${config.port} is busy; using a free port instead`);
      port = await listen(server, 0, config.host);
    } else {
      await runtime.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new KairosError('data_dir_locked', `Port ${config.port} on ${config.host} is in use. Set KAIROS_PORT to another port, or 0 for any free port.`);
      }
      throw e;
    }
  }
  publicUrl = `http://${urlHost(config.host)}:${port}`;
  const store = runtime.store as { started?: string };
  log.info('ready', { bootMs: Math.round(bootMs), openMs: Math.round(openMs), listenMs: Math.round(performance.now() - bootMs - openMs), ...(store.started ? { store: store.started } : {}) });
  writeEngineFile(config.home, { port, pid: process.pid, url: publicUrl, startedAt: new Date().toISOString() });

  let closing: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const closed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Marked handled here; whoever awaits `closed` still sees a failure.
  closed.catch(() => {});
  let stopWatching = (): void => {};
  const close = (graceMs = SHUTDOWN_GRACE_MS): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      stopWatching();
      log.info('shutting down');
      // Removed first, so no new client picks this server while it drains.
      removeEngineFile(config.home);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeStreams();
      // Keep-alive connections go idle after their last response: close them as they do.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const timedOut = await Promise.race([
        serverClosed.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
      ]);
      clearInterval(sweeper);
      if (timedOut) {
        log.warn('in-flight requests did not finish in time; closing their connections');
        server.closeAllConnections();
        await serverClosed;
      }
      await runtime.close();
      log.info('stopped');
    })();
    closing.then(settle.resolve, settle.reject);
    return closing;
  };
  if (config.exitWhenUnusedMs !== undefined) {
    stopWatching = watchUnused(clients, config.exitWhenUnusedMs, (reason) => {
      log.info(`stopping: ${reason}`);
      void close().catch(() => {});
    });
  }

  return { url: publicUrl, port, runtime, clients, consoleUrl: () => consoleLoginUrl({ consoleAuth, publicUrl: () => publicUrl }), close, closed };
}

/** Runs the server until SIGTERM/SIGINT; prints where to reach it on stdout. */
export async function serve(config: KairosConfig): Promise<void> {
  const running = await startServer(config);
  const out = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  out(`Kairos ${kairosVersion()} is running.`);
  out(`  MCP endpoint: ${running.url}/mcp  (send "Authorization: Bearer <token>"; print it with \`kairos token\`)`);
  out(`  Console:      ${running.consoleUrl()}  (one-time link, valid 10 minutes; \`kairos console\` makes another)`);
  out(`  Data:         ${config.home} (${running.runtime.store.kind} store)`);
  out(`  Embedder:     ${describeEmbedder(running.runtime.embedder.info)}`);

  const stop = (signal: string): void => {
    log.info(`received ${signal}`);
    void running.close().catch(() => {});
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Resolves after a signal or, for an editor-started engine, once it is no longer used.
  await running.closed;
}
