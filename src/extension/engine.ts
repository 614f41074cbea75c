/**
 * Local-mode engine lifecycle. The engine (`kairos serve`) runs as a detached child of the
 * extension host, so embedding and PGlite never block the editor. Windows share one engine per
 * data home: `engine.json` + `token` (written by the engine) + a /v1/healthz check find a running
 * one. Each window (activation) registers a fresh random bearer with it (POST /v1/clients, with
 * the data dir's token) and uses only that one; the engine stops when the last window
 * unregisters, or on its own when every window vanished without doing so. A window that finds the
 * engine gone starts a new one and registers again (takeover). A crash is restarted once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtensionLogger } from './log.js';
import type { FetchFn } from './client.js';

export interface EngineInfo {
  url: string;
  port: number;
  pid: number;
  startedAt: string;
}

export interface EngineConnection {
  url: string;
  /** This window's own bearer, registered with the engine (not the data dir's token). */
  token: string;
  pid: number;
  /** True when this window spawned the process. */
  owned: boolean;
}

/** The subset of ChildProcess the manager uses. */
export interface ChildLike {
  readonly pid?: number | undefined;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  unref(): void;
}

export type SpawnFn = (
  command: string,
  args: string[],
  options: { env: Record<string, string>; detached: boolean; stdio: ['ignore', number, number] },
) => ChildLike;

export interface EngineDeps {
  /** KAIROS_HOME of the engine: a folder under the extension's globalStorageUri. */
  home: string;
  /** The bundled CLI entry (`kairos.mjs`). */
  entry: string;
  /** The extension host's executable (process.execPath). */
  execPath: string;
  /** The child's environment, built fresh per start (settings and key may have changed). */
  env: () => Promise<Record<string, string>>;
  spawn: SpawnFn;
  fetch: FetchFn;
  isAlive: (pid: number) => boolean;
  kill: (pid: number, signal: 'SIGTERM' | 'SIGKILL') => void;
  sleep: (ms: number) => Promise<void>;
  log: ExtensionLogger;
  /** This window's extension host pid: the engine drops our registration when it is gone. */
  selfPid: number;
  /** Told once per unexpected stop: restarted or not. */
  onCrash?: (restarted: boolean, logTail: string) => void;
  /** Told whenever the status changes (the view shows "Starting local engine…"). */
  onStatus?: (status: EngineStatus) => void;
  /** Told whenever the connection changes (new URL/token, or gone). */
  onDidChange?: (conn: EngineConnection | undefined) => void;
  startTimeoutMs?: number;
  healthTimeoutMs?: number;
  pollMs?: number;
}

export type EngineStatus = 'stopped' | 'starting' | 'running' | 'failed';

export function readEngineInfo(home: string): EngineInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(join(home, 'engine.json'), 'utf8')) as Partial<EngineInfo>;
    if (typeof v.url === 'string' && typeof v.pid === 'number' && typeof v.port === 'number') {
      return { url: v.url.replace(/\/+$/, ''), port: v.port, pid: v.pid, startedAt: String(v.startedAt ?? '') };
    }
  } catch {
    // Absent or half-written: no engine.
  }
  return undefined;
}

export function readEngineToken(home: string): string | undefined {
  try {
    return readFileSync(join(home, 'token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Last lines of the engine's log, for messages after a failed start or a crash. */
export function logTail(home: string, lines = 15): string {
  try {
    return readFileSync(join(home, 'engine.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** What DELETE /v1/clients/:id answers. */
interface UnregisterAnswer {
  remaining: number;
  stopping: boolean;
}

export class EngineManager {
  /** One id and one bearer per activation, registered again with each engine this window uses. */
  readonly clientId = randomUUID();
  private readonly clientToken = randomBytes(32).toString('base64url');
  private conn: EngineConnection | undefined;
  private child: ChildLike | undefined;
  private pending: Promise<EngineConnection> | undefined;
  private stopping = false;
  private restarts = 0;
  private disposed = false;
  private released: Promise<void> | undefined;
  private current: EngineStatus = 'stopped';

  get status(): EngineStatus {
    return this.current;
  }

  set status(next: EngineStatus) {
    if (next === this.current) return;
    this.current = next;
    this.deps.onStatus?.(next);
  }

  constructor(private readonly deps: EngineDeps) {
    deps.log.addSecret(this.clientToken);
  }

  get connection(): EngineConnection | undefined {
    return this.conn;
  }

  /** Returns a healthy engine, attaching to a running one or starting it (single flight). */
  ensure(): Promise<EngineConnection> {
    if (this.disposed) return Promise.reject(new Error('Kairos is shutting down.'));
    this.pending ??= this.connect().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Asks the engine currently recorded in engine.json whether it is up. */
  async healthy(url: string): Promise<boolean> {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.deps.healthTimeoutMs ?? 2_000);
    try {
      const res = await this.deps.fetch(`${url}/v1/healthz`, { signal: ctrl.signal });
      return res.ok;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async connect(): Promise<EngineConnection> {
    if (this.conn && this.deps.isAlive(this.conn.pid) && (await this.healthy(this.conn.url))) return this.conn;
    const found = await this.discover();
    if (found) {
      try {
        return await this.attach(found);
      } catch (e) {
        // It may have idled out between the health check and our registration: start one.
        if (this.deps.isAlive(found.pid)) throw e;
      }
    }
    return this.start();
  }

  /** A running, healthy engine of this home, if any. */
  private async discover(): Promise<(EngineConnection & { dataDirToken: string }) | undefined> {
    const info = readEngineInfo(this.deps.home);
    const dataDirToken = readEngineToken(this.deps.home);
    if (!info || !dataDirToken || !this.deps.isAlive(info.pid)) return undefined;
    if (!(await this.healthy(info.url))) return undefined;
    return { url: info.url, token: this.clientToken, dataDirToken, pid: info.pid, owned: this.child?.pid === info.pid };
  }

  /** Registers this window's bearer with the engine, then makes it the current connection. */
  private async attach(found: EngineConnection & { dataDirToken: string }): Promise<EngineConnection> {
    const { dataDirToken, ...conn } = found;
    const res = await this.call(conn.url, dataDirToken, 'POST', '/v1/clients', { id: this.clientId, token: this.clientToken, pid: this.deps.selfPid });
    if (res.status !== 201) {
      throw new Error(`The Kairos engine at ${conn.url} refused to register this window (${res.status}: ${res.message}). Run "Kairos: Restart Engine".`);
    }
    const changed = this.conn?.url !== conn.url || this.conn?.pid !== conn.pid;
    this.conn = conn;
    this.status = 'running';
    if (changed) {
      this.deps.log.info(conn.owned ? 'engine started' : 'attached to running engine', { url: conn.url, pid: conn.pid });
      this.deps.onDidChange?.(conn);
    }
    return conn;
  }

  private async start(): Promise<EngineConnection> {
    const { home, entry, execPath } = this.deps;
    mkdirSync(home, { recursive: true, mode: 0o700 });
    this.status = 'starting';
    const logFd = openSync(join(home, 'engine.log'), 'a', 0o600);
    let child: ChildLike;
    try {
      // Detached with file stdio: the engine may outlive this window while others use it.
      child = this.deps.spawn(execPath, [entry, 'serve'], { env: await this.deps.env(), detached: true, stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    child.unref();
    this.child = child;
    let exited: { code: number | null; signal: string | null } | undefined;
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      void this.onChildExit(child, code, signal);
    });
    this.deps.log.info('starting engine', { pid: child.pid, home });

    const deadline = Date.now() + (this.deps.startTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      // A poll before engine.json exists is one failed file read: polling often costs nothing and
      // shaves the wait after the engine is ready (150 ms added 75 ms to every start on average).
      await this.deps.sleep(this.deps.pollMs ?? 50);
      const found = await this.discover();
      // Another window may have won the race for the data dir: its engine is just as good.
      if (found && (found.pid === child.pid || exited)) return await this.attach(found);
      if (exited && !found) {
        this.status = 'failed';
        throw new Error(`The Kairos engine exited during start (code ${exited.code ?? exited.signal}).\n${logTail(home)}`);
      }
    }
    this.status = 'failed';
    if (child.pid) this.deps.kill(child.pid, 'SIGKILL');
    throw new Error(`The Kairos engine did not become healthy in time.\n${logTail(home)}`);
  }

  private async onChildExit(child: ChildLike, code: number | null, signal: string | null): Promise<void> {
    if (this.child !== child) return;
    this.child = undefined;
    const wasServing = this.conn?.pid === child.pid;
    if (!wasServing) return; // failed start: start() reports it
    this.conn = undefined;
    this.status = 'stopped';
    this.deps.onDidChange?.(undefined);
    if (this.stopping || this.disposed) return;
    this.deps.log.warn('engine exited unexpectedly', { code, signal });
    await this.recover();
  }

  /** Called when the engine is found gone. Takeover is silent; a crash restarts once, loudly. */
  private async recover(): Promise<void> {
    const tail = logTail(this.deps.home);
    if (this.restarts >= 1) {
      this.status = 'failed';
      this.deps.onCrash?.(false, tail);
      return;
    }
    this.restarts++;
    try {
      await this.ensure();
      this.deps.onCrash?.(true, tail);
    } catch (e) {
      this.status = 'failed';
      this.deps.log.error('engine restart failed', { error: e });
      this.deps.onCrash?.(false, tail);
    }
  }

  /**
   * Periodic check for windows that attached to another window's engine: if it is gone without
   * a trace (engine.json removed: a clean exit), take over silently; if it died leaving
   * engine.json behind, treat it as a crash.
   */
  async check(): Promise<void> {
    const conn = this.conn;
    if (!conn || this.pending || this.disposed || this.child?.pid === conn.pid) return;
    if (this.deps.isAlive(conn.pid) && (await this.healthy(conn.url))) return;
    this.conn = undefined;
    this.status = 'stopped';
    this.deps.onDidChange?.(undefined);
    const info = readEngineInfo(this.deps.home);
    if (info && info.pid === conn.pid) {
      this.deps.log.warn('shared engine died', { pid: conn.pid });
      await this.recover();
    } else {
      this.deps.log.info('shared engine went away; taking over');
      await this.ensure().catch((e) => this.deps.log.error('takeover failed', { error: e }));
    }
  }

  /** Stops and starts the engine (settings or key changed). */
  async restart(): Promise<EngineConnection> {
    await this.stopEngine();
    this.restarts = 0;
    return this.ensure();
  }

  /** One JSON request to the engine; never throws (an unreachable engine is status 0). */
  private async call(url: string, token: string, method: string, path: string, json?: unknown): Promise<{ status: number; message: string; body: unknown }> {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.deps.healthTimeoutMs ?? 2_000);
    try {
      const res = await this.deps.fetch(`${url}${path}`, {
        method,
        signal: ctrl.signal,
        headers: { Authorization: `Bearer ${token}`, ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
      const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      return { status: res.status, message: body?.error?.message ?? res.statusText, body };
    } catch (e) {
      return { status: 0, message: e instanceof Error ? e.message : String(e), body: undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Withdraws this window's bearer; undefined when the engine could not be told. */
  private async unregister(conn: EngineConnection): Promise<UnregisterAnswer | undefined> {
    const dataDirToken = readEngineToken(this.deps.home);
    if (!dataDirToken) return undefined;
    const res = await this.call(conn.url, dataDirToken, 'DELETE', `/v1/clients/${encodeURIComponent(this.clientId)}`);
    if (res.status !== 200) {
      this.deps.log.warn('could not unregister from the engine', { status: res.status, message: res.message });
      return undefined;
    }
    return res.body as UnregisterAnswer;
  }

  private async stopEngine(): Promise<void> {
    const pid = this.conn?.pid ?? readEngineInfo(this.deps.home)?.pid;
    this.stopping = true;
    try {
      if (pid && this.deps.isAlive(pid)) {
        this.deps.kill(pid, 'SIGTERM');
        // SIGTERM lets the engine checkpoint PGlite and remove engine.json.
        for (let i = 0; i < 50 && this.deps.isAlive(pid); i++) await this.deps.sleep(100);
        if (this.deps.isAlive(pid)) this.deps.kill(pid, 'SIGKILL');
      }
    } finally {
      this.stopping = false;
      this.conn = undefined;
      this.child = undefined;
      this.status = 'stopped';
    }
  }

  /**
   * On deactivate: unregister. An engine started by an editor then stops by itself once no window
   * is left (and we wait for its flush); one a person started keeps running. Both deactivate()
   * and the extension's lifetime call this: every call returns the same promise.
   */
  dispose(): Promise<void> {
    return (this.released ??= this.release());
  }

  private async release(): Promise<void> {
    this.disposed = true;
    const conn = this.conn;
    if (!conn) return;
    this.stopping = true;
    const answer = await this.unregister(conn);
    if (!answer?.stopping) {
      this.deps.log.info(answer && answer.remaining > 0 ? 'leaving engine running for other windows' : 'leaving engine running');
      return;
    }
    // It drains in-flight requests and checkpoints the store before exiting.
    for (let i = 0; i < 50 && this.deps.isAlive(conn.pid); i++) await this.deps.sleep(100);
    this.conn = undefined;
    this.status = 'stopped';
  }
}
