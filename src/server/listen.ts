/**
 * The one start-up and shutdown path of `kairos serve`, local or service mode: bind the app,
 * then on close stop accepting, let in-flight requests finish (closing their connections after a
 * grace period), end the event streams and close the runtime once.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KairosError } from '../core/errors.js';
import { createLogger } from '../util/logger.js';
import type { KairosApp } from './app.js';

const log = createLogger('server');

/** How long shutdown waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface ListenOptions {
  host: string;
  port: number;
  /** Take any free port when `port` is busy (an engine on the default port; never a named one). */
  fallbackToFreePort: boolean;
  /** Runs first on close (e.g. remove engine.json so no new client picks this server). */
  beforeClose?: () => void;
  /** Closes what the server served from (the runtime); runs once, after the last request. */
  release(): Promise<void>;
}

export interface Listening {
  port: number;
  /** http://host:port, with a wildcard host given as 127.0.0.1. */
  url: string;
  close(graceMs?: number): Promise<void>;
  /** Settles when a close, asked for by anyone, has finished. */
  closed: Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function bind(server: Server, port: number, host: string): Promise<number> {
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

async function bindOrFallback(server: Server, opts: ListenOptions): Promise<number> {
  try {
    return await bind(server, opts.port, opts.host);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    if (opts.fallbackToFreePort) {
      log.info(`port ${opts.port} is busy; using a free port instead`);
      return bind(server, 0, opts.host);
    }
    throw new KairosError('data_dir_locked', `Port ${opts.port} on ${opts.host} is in use. Set KAIROS_PORT to another port, or 0 for any free port.`);
  }
}

/** Serves `app` on host/port; on a failed bind the runtime is released and the error thrown. */
export async function listen({ app, closeStreams }: KairosApp, opts: ListenOptions): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: opts.host }) as Server;
  let port: number;
  try {
    port = await bindOrFallback(server, opts);
  } catch (e) {
    await opts.release();
    throw e;
  }

  let closing: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const closed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Marked handled here; whoever awaits `closed` still sees a failure.
  closed.catch(() => {});
  const close = (graceMs = SHUTDOWN_GRACE_MS): Promise<void> => {
    closing ??= (async () => {
      opts.beforeClose?.();
      log.info('shutting down');
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
      await opts.release();
      log.info('stopped');
    })();
    closing.then(settle.resolve, settle.reject);
    return closing;
  };
  return { port, url: `http://${urlHost(opts.host)}:${port}`, close, closed };
}

/** Closes `running` on SIGTERM or SIGINT; resolves once it is closed (by a signal or otherwise). */
export function closeOnSignal(running: Pick<Listening, 'close' | 'closed'>): Promise<void> {
  const stop = (signal: string): void => {
    log.info(`received ${signal}`);
    void running.close().catch(() => {});
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return running.closed;
}
