import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/runtime/clients.js';
import { cliBundle, engineFileExists, startServe, type ServeProcess } from './cliProcess.js';
import { call, hashEmbedder, removeHome, startTestServer, tempHome, type TestServer } from './helpers.js';

const newToken = (): string => randomBytes(32).toString('base64url');

/** A process that exits when told, to stand in for an editor window's extension host. */
function fakeWindow(): { pid: number; exit(): Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const gone = new Promise<void>((r) => child.on('exit', () => r()));
  return { pid: child.pid!, exit: () => (child.kill('SIGKILL'), gone) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('registered clients (/v1/clients)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(undefined, {}, { embedder: hashEmbedder });
  });
  afterAll(async () => {
    await s?.close();
    if (s) await removeHome(s.home);
  });

  it('accepts a registered bearer on REST and MCP, and refuses it after the client unregisters', async () => {
    const token = newToken();
    const reg = await s.api('POST', '/v1/clients', { body: { id: 'window-1', token, pid: process.pid } });
    expect(reg.status).toBe(201);
    expect(reg.json).toEqual({ id: 'window-1', registered: true });

    expect((await s.api('GET', '/v1/me', { token })).status).toBe(200);
    const mcp = await s.api('POST', '/mcp', {
      token,
      headers: { accept: 'application/json, text/event-stream' },
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
      },
    });
    expect(mcp.status).toBe(200);

    const del = await s.api('DELETE', '/v1/clients/window-1');
    expect(del.json).toEqual({ id: 'window-1', unregistered: true, remaining: 0, stopping: false });
    expect((await s.api('GET', '/v1/me', { token })).status).toBe(401);
    expect((await s.api('POST', '/mcp', { token, body: {} })).status).toBe(401);
    expect((await s.api('DELETE', '/v1/clients/window-1')).status).toBe(404);
  });

  it('lets only the data dir token register or unregister clients', async () => {
    const token = newToken();
    const wrong = await s.api('POST', '/v1/clients', { token: newToken(), body: { id: 'w', token } });
    expect(wrong.status).toBe(401);
    expect((await s.api('GET', '/v1/me', { token })).status).toBe(401);

    expect((await s.api('POST', '/v1/clients', { body: { id: 'w2', token } })).status).toBe(201);
    // A window's own bearer cannot mint another one, nor remove windows.
    const minted = newToken();
    expect((await s.api('POST', '/v1/clients', { token, body: { id: 'w3', token: minted } })).json.error.code).toBe('forbidden');
    expect((await s.api('GET', '/v1/me', { token: minted })).status).toBe(401);
    expect((await s.api('DELETE', '/v1/clients/w2', { token })).status).toBe(403);
    expect((await s.api('DELETE', '/v1/clients/w2')).status).toBe(200);
  });

  it('refuses weak or malformed registrations', async () => {
    expect((await s.api('POST', '/v1/clients', { body: { id: 'w', token: 'short' } })).status).toBe(400);
    expect((await s.api('POST', '/v1/clients', { body: { id: 'no spaces', token: newToken() } })).status).toBe(400);
    expect((await s.api('POST', '/v1/clients', { body: { id: 'w', token: newToken(), extra: 1 } })).status).toBe(400);
  });

  it('forgets a client whose registering process is gone', async () => {
    const win = fakeWindow();
    const token = newToken();
    expect((await s.api('POST', '/v1/clients', { body: { id: 'dies', token, pid: win.pid } })).status).toBe(201);
    expect((await s.api('GET', '/v1/me', { token })).status).toBe(200);
    await win.exit();
    expect((await s.api('GET', '/v1/me', { token })).status).toBe(401);
  });

  it('keeps client bearers in memory only, never in the data dir', async () => {
    const token = newToken();
    expect((await s.api('POST', '/v1/clients', { body: { id: 'mem', token } })).status).toBe(201);
    const leaked = filesUnder(s.home).filter((f) => readFileSync(f).includes(token));
    expect(leaked).toEqual([]);
    await s.api('DELETE', '/v1/clients/mem');
  });
});

describe('ClientRegistry', () => {
  it('counts unused time from start and from when the last client left, not while one is registered', () => {
    let now = 1_000;
    const alive = new Set([7]);
    const r = new ClientRegistry(
      (pid) => alive.has(pid),
      () => now,
    );
    now += 500;
    expect(r.unusedForMs()).toBe(500);
    r.register('a', newToken(), 7);
    now += 10_000;
    expect(r.unusedForMs()).toBe(0);
    alive.delete(7);
    expect(r.unusedForMs()).toBe(0);
    expect(r.size).toBe(0);
    now += 300;
    expect(r.unusedForMs()).toBe(300);
  });

  it('compares every registered hash and matches only the exact bearer', () => {
    const r = new ClientRegistry(() => true);
    const [a, b] = [newToken(), newToken()];
    r.register('a', a);
    r.register('b', b);
    expect(r.verify(a)).toBe(true);
    expect(r.verify(b)).toBe(true);
    expect(r.verify(a.slice(0, -1))).toBe(false);
    r.register('a', newToken());
    expect(r.verify(a)).toBe(false);
  });
});

describe('DELETE /v1/me/data (local mode)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(undefined, {}, { embedder: hashEmbedder });
  });
  afterAll(async () => {
    await s?.close();
    if (s) await removeHome(s.home);
  });

  it('drops every space the user owns, says what it deleted, and the next remember works', async () => {
    for (const text of ['Deploys go through the staging cluster first', 'The API rate limit is 600 per minute', 'Use pnpm, not npm, in the web repo']) {
      expect((await s.api('POST', '/v1/memories', { body: { text } })).status).toBe(201);
    }
    const del = await s.api('DELETE', '/v1/me/data');
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ deleted: true, memories: 3, spaces: [{ space: 'kairos_user_local', memories: 3 }] });
    expect((await s.api('GET', '/v1/spaces')).json[0].count).toBe(0);
    expect((await s.api('GET', '/v1/memories')).json.items).toEqual([]);
    expect((await s.api('GET', '/v1/export')).text).toBe('');

    const again = await s.api('POST', '/v1/memories', { body: { text: 'Deploys go through the staging cluster first' } });
    expect(again.status).toBe(201);
    expect(again.json.outcome).toBe('created');
    expect((await s.api('GET', '/v1/spaces')).json[0].count).toBe(1);
  });

  it('answers zero when there is nothing to delete, and works with a registered client bearer', async () => {
    const token = newToken();
    await s.api('POST', '/v1/clients', { body: { id: 'editor', token } });
    await s.api('DELETE', '/v1/me/data', { token });
    const second = await s.api('DELETE', '/v1/me/data', { token });
    expect(second.json).toEqual({ deleted: true, memories: 0, spaces: [{ space: 'kairos_user_local', memories: 0 }] });
  });
});

describe('idle exit of an editor-started engine (real CLI process)', () => {
  const homes: string[] = [];
  const servers: ServeProcess[] = [];
  const IDLE = { KAIROS_EXIT_WHEN_UNUSED: '1', KAIROS_UNUSED_EXIT_SECONDS: '1' };

  async function serve(env: Record<string, string>): Promise<{ s: ServeProcess; home: string }> {
    const home = await tempHome('kairos-idle-');
    homes.push(home);
    const s = await startServe(home, env);
    servers.push(s);
    return { s, home };
  }

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGKILL');
        await s.exited;
      }
    }
    for (const h of homes.splice(0)) await removeHome(h);
  });

  beforeAll(async () => {
    await cliBundle();
  }, 120_000);

  it('exits gracefully by itself when no client registers within the idle time', async () => {
    const { s, home } = await serve(IDLE);
    // The idle clock starts just before the server listens, so most of the second is still ahead.
    const listening = Date.now();
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - listening).toBeGreaterThanOrEqual(500);
    expect(engineFileExists(home)).toBe(false);
    expect(s.stderr()).toMatch(/no client registered for 1 s/);
    // Logged after the store was closed: the same path as SIGTERM.
    expect(s.stderr()).toMatch(/shutting down[\s\S]*stopped/);
  });

  it('stays up while a registered window lives, and exits once that window process is gone', async () => {
    const win = fakeWindow();
    // Two seconds leave a loaded machine time to register before the first idle check fires.
    const { s, home } = await serve({ ...IDLE, KAIROS_UNUSED_EXIT_SECONDS: '2' });
    const token = newToken();
    expect((await s.api('POST', '/v1/clients', { id: 'w', token, pid: win.pid })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(s.child.exitCode).toBeNull();
    expect((await call(s.url, 'GET', '/v1/me', token)).status).toBe(200);
    await win.exit();
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(engineFileExists(home)).toBe(false);
  });

  it('stops right after its last client unregisters, and says so in the answer', async () => {
    const { s, home } = await serve({ ...IDLE, KAIROS_UNUSED_EXIT_SECONDS: '600' });
    expect((await s.api('POST', '/v1/clients', { id: 'w', token: newToken(), pid: process.pid })).status).toBe(201);
    const del = await s.api('DELETE', '/v1/clients/w');
    expect(del.json).toMatchObject({ remaining: 0, stopping: true });
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(engineFileExists(home)).toBe(false);
  });

  it('never idles out when a person started it', async () => {
    const { s } = await serve({ KAIROS_UNUSED_EXIT_SECONDS: '1' });
    expect((await s.api('POST', '/v1/clients', { id: 'w', token: newToken(), pid: process.pid })).status).toBe(201);
    expect((await s.api('DELETE', '/v1/clients/w')).json).toMatchObject({ remaining: 0, stopping: false });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(s.child.exitCode).toBeNull();
    expect((await s.api('GET', '/v1/me')).status).toBe(200);
  });
});
