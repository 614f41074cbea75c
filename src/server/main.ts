/**
 * `kairos serve`: binds the app to host/port, advertises itself in engine.json, and shuts down
 * gracefully (in-flight requests finish, the store is checkpointed and unlocked).
 */
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
import { createApp } from './app.js';
import { findWebviewDir } from './console.js';
import { ConsoleAuth } from './consoleAuth.js';
import { closeOnSignal, listen } from './listen.js';
import { consoleLoginUrl, localMode } from './localMode.js';
import { watchUnused } from './unused.js';

const log = createLogger('server');

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
  const app = createApp({
    events: runtime.events,
    settings: localSettings(runtime),
    health: () => ({ store: runtime.store.kind, embedder: runtime.embedder.info }),
    mcp: (req, service) => handleMcpRequest(req, service, { version: kairosVersion() }),
    limits: { json: config.maxBodyBytes, import: config.maxImportBytes },
    webviewDir,
    mode: localMode({
      verifyToken: runtime.verifyToken,
      service: runtime.service,
      clients,
      consoleAuth,
      exitsWhenUnused: config.exitWhenUnusedMs !== undefined,
      webviewDir,
      publicUrl: () => publicUrl,
    }),
  });

  let stopWatching = (): void => {};
  const http = await listen(app, {
    host: config.host,
    port: config.port,
    fallbackToFreePort: !config.portExplicit,
    beforeClose: () => {
      stopWatching();
      // Removed first, so no new client picks this server while it drains.
      removeEngineFile(config.home);
    },
    release: () => runtime.close(),
  });
  publicUrl = http.url;
  const store = runtime.store as { started?: string };
  log.info('ready', {
    bootMs: Math.round(bootMs),
    openMs: Math.round(openMs),
    listenMs: Math.round(performance.now() - bootMs - openMs),
    ...(store.started ? { store: store.started } : {}),
  });
  writeEngineFile(config.home, { port: http.port, pid: process.pid, url: publicUrl, startedAt: new Date().toISOString() });
  if (config.exitWhenUnusedMs !== undefined) {
    stopWatching = watchUnused(clients, config.exitWhenUnusedMs, (reason) => {
      log.info(`stopping: ${reason}`);
      void http.close().catch(() => {});
    });
  }

  return {
    url: publicUrl,
    port: http.port,
    runtime,
    clients,
    consoleUrl: () => consoleLoginUrl(consoleAuth, publicUrl),
    close: http.close,
    closed: http.closed,
  };
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
  // Resolves after a signal or, for an editor-started engine, once it is no longer used.
  await closeOnSignal(running);
}
