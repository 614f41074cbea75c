import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineManager } from '../../src/extension/engine.js';
import { readEngineInfo } from '../../src/extension/engine.js';
import { FAKE_ENGINE, isAlive, manager, realSpawn, statusWith, tempHome, waitFor } from './helpers.js';

const clientsOf = async (url: string): Promise<Array<{ id: string; pid: number }>> =>
  (await fetch(`${url}/clients`)).json() as Promise<Array<{ id: string; pid: number }>>;

const started: EngineManager[] = [];
const track = (m: EngineManager): EngineManager => (started.push(m), m);

afterEach(async () => {
  for (const m of started.splice(0)) {
    const pid = m.connection?.pid;
    await m.dispose();
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

describe('EngineManager', () => {
  it('starts the engine on first use and connects with a fresh bearer it registered, not the data home token', async () => {
    const home = tempHome();
    const spawn = vi.fn(realSpawn);
    const m = track(manager(home, { spawn }));
    expect(m.connection).toBeUndefined();
    const conn = await m.ensure();
    expect(spawn).toHaveBeenCalledTimes(1);
    expect(conn.owned).toBe(true);
    expect(conn.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(conn.token).not.toBe(readFileSync(join(home, 'token'), 'utf8').trim());
    expect(conn.url).toBe(readEngineInfo(home)?.url);
    expect(await clientsOf(conn.url)).toEqual([{ id: m.clientId, pid: process.pid }]);
    expect(await (await fetch(`${conn.url}/v1/me`, { headers: { authorization: `Bearer ${conn.token}` } })).json()).toEqual({ via: 'client' });
  });

  it('answers concurrent first requests with one engine start', async () => {
    const home = tempHome();
    const spawn = vi.fn(realSpawn);
    const m = track(manager(home, { spawn }));
    const [a, b, c] = await Promise.all([m.ensure(), m.ensure(), m.ensure()]);
    expect(spawn).toHaveBeenCalledTimes(1);
    expect(new Set([a.pid, b.pid, c.pid]).size).toBe(1);
  });

  it('lets a second window attach to the running engine instead of starting another', async () => {
    const home = tempHome();
    const first = track(manager(home));
    const conn = await first.ensure();
    const spawn = vi.fn(realSpawn);
    const second = track(manager(home, { spawn, selfPid: process.ppid }));
    const attached = await second.ensure();
    expect(spawn).not.toHaveBeenCalled();
    expect(attached).toMatchObject({ url: conn.url, pid: conn.pid, owned: false });
    // One bearer per window (activation), each registered with the engine.
    expect(attached.token).not.toBe(conn.token);
    expect((await clientsOf(conn.url)).sort((a, b) => a.pid - b.pid)).toEqual(
      [
        { id: first.clientId, pid: process.pid },
        { id: second.clientId, pid: process.ppid },
      ].sort((a, b) => a.pid - b.pid),
    );
  });

  it("refuses a window's bearer once that window left, while the other window's keeps working", async () => {
    const home = tempHome();
    const first = manager(home);
    const a = await first.ensure();
    const second = track(manager(home, { selfPid: process.ppid }));
    const b = await second.ensure();
    await first.dispose();
    expect(await statusWith(`${a.url}/v1/me`, a.token)).toBe(401);
    expect(await statusWith(`${b.url}/v1/me`, b.token)).toBe(200);
  });

  it('leaves the engine alone on dispose when this window never used it', async () => {
    const home = tempHome();
    const user = track(manager(home));
    const conn = await user.ensure();
    const idle = manager(home, { selfPid: process.ppid });
    await idle.dispose();
    expect(isAlive(conn.pid)).toBe(true);
    expect(await clientsOf(conn.url)).toEqual([{ id: user.clientId, pid: process.pid }]);
  });

  it('leaves the engine running while another window uses it, and the last window stops it', async () => {
    const home = tempHome();
    const first = manager(home);
    const conn = await first.ensure();
    const second = manager(home, { selfPid: process.ppid });
    await second.ensure();
    await first.dispose();
    expect(isAlive(conn.pid)).toBe(true);
    const stopping = second.dispose();
    // deactivate() and the extension's lifetime both release it: the later call waits for the same stop.
    expect(second.dispose()).toBe(stopping);
    await stopping;
    expect(isAlive(conn.pid)).toBe(false);
    // SIGTERM let the engine remove its discovery file: the next window starts cleanly.
    expect(existsSync(join(home, 'engine.json'))).toBe(false);
  });

  it('takes over silently when the shared engine exits cleanly', async () => {
    const home = tempHome();
    // An engine started by another window (another extension host process).
    const foreign = spawn(process.execPath, [FAKE_ENGINE], { env: { ...process.env, KAIROS_HOME: home }, stdio: 'ignore' });
    await waitFor(() => readEngineInfo(home)?.pid === foreign.pid);
    const onCrash = vi.fn();
    const spawnSpy = vi.fn(realSpawn);
    const other = track(manager(home, { onCrash, spawn: spawnSpy }));
    const old = await other.ensure();
    expect(old).toMatchObject({ pid: foreign.pid, owned: false });
    expect(spawnSpy).not.toHaveBeenCalled();
    process.kill(old.pid, 'SIGTERM');
    await waitFor(() => !isAlive(old.pid));
    await other.check();
    expect(spawnSpy).toHaveBeenCalledTimes(1);
    expect(other.connection?.pid).not.toBe(old.pid);
    expect(other.connection?.owned).toBe(true);
    expect(onCrash).not.toHaveBeenCalled();
    // Re-registered with the new engine: same per-activation bearer, accepted there.
    const now = other.connection!;
    expect(now.token).toBe(old.token);
    expect(await clientsOf(now.url)).toEqual([{ id: other.clientId, pid: process.pid }]);
    expect(await statusWith(`${now.url}/v1/me`, now.token)).toBe(200);
  });

  it('treats a shared engine that died leaving its discovery file behind as a crash', async () => {
    const home = tempHome();
    const foreign = spawn(process.execPath, [FAKE_ENGINE], { env: { ...process.env, KAIROS_HOME: home }, stdio: 'ignore' });
    await waitFor(() => readEngineInfo(home)?.pid === foreign.pid);
    const onCrash = vi.fn();
    const other = track(manager(home, { onCrash }));
    await other.ensure();
    process.kill(foreign.pid!, 'SIGKILL');
    await waitFor(() => !isAlive(foreign.pid!));
    await other.check();
    expect(onCrash).toHaveBeenCalledWith(true, expect.any(String));
    expect(other.connection?.owned).toBe(true);
  });

  it('restarts a crashed engine once and says so, then reports a second crash without restarting', async () => {
    const home = tempHome();
    const onCrash = vi.fn();
    const m = track(manager(home, { onCrash }));
    const first = await m.ensure();
    process.kill(first.pid, 'SIGKILL');
    await waitFor(() => onCrash.mock.calls.length === 1);
    expect(onCrash).toHaveBeenLastCalledWith(true, expect.any(String));
    const second = m.connection;
    expect(second?.pid).toBeDefined();
    expect(second?.pid).not.toBe(first.pid);
    process.kill(second!.pid, 'SIGKILL');
    await waitFor(() => onCrash.mock.calls.length === 2);
    expect(onCrash).toHaveBeenLastCalledWith(false, expect.any(String));
    expect(m.connection).toBeUndefined();
    expect(m.status).toBe('failed');
  });

  it('explains a failed start with the tail of the engine log', async () => {
    const home = tempHome();
    const m = track(manager(home, { env: async () => ({ ...(process.env as Record<string, string>), KAIROS_HOME: home, FAKE_ENGINE_FAIL: '1' }) }));
    await expect(m.ensure()).rejects.toThrow(/exited during start[\s\S]*the data dir is damaged/);
    expect(m.status).toBe('failed');
  });

  it('restart replaces the engine with one started from a fresh environment and reports the new connection', async () => {
    const home = tempHome();
    let provider = 'local';
    // What activate.ts turns into the MCP definitions-changed event (VS Code then reconnects).
    const changes: Array<string | undefined> = [];
    const m = track(
      manager(home, {
        env: async () => ({ ...(process.env as Record<string, string>), KAIROS_HOME: home, KAIROS_EMBEDDER: provider }),
        onDidChange: (c) => changes.push(c?.url),
      }),
    );
    const a = await m.ensure();
    expect(await (await fetch(`${a.url}/env`)).json()).toMatchObject({ embedder: 'local' });
    provider = 'openai';
    const b = await m.restart();
    expect(b.pid).not.toBe(a.pid);
    expect(isAlive(a.pid)).toBe(false);
    expect(await (await fetch(`${b.url}/env`)).json()).toMatchObject({ embedder: 'openai' });
    expect(changes[0]).toBe(a.url);
    expect(changes.length).toBeGreaterThan(1);
    expect(changes.at(-1)).toBe(b.url);
  });
});
